"""The participant: named (personnummer) or anonymous."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from rehab.models.choices import Gender
from rehab.models.organisation import Kommun
from rehab.personnummer import mask


class Participant(models.Model):
    """A person in the programme. Anonymous participants carry no personnummer or name."""

    personnummer = models.CharField(
        "personnummer", max_length=12, unique=True, null=True, blank=True, editable=False
    )
    first_name = models.CharField("förnamn", max_length=100, blank=True)
    last_name = models.CharField("efternamn", max_length=100, blank=True)
    is_anonymous = models.BooleanField("anonym inskrivning", default=False)
    gender = models.CharField("kön", max_length=1, choices=Gender)
    birth_year = models.PositiveSmallIntegerField("födelseår")
    birth_date = models.DateField("födelsedatum", null=True, blank=True)
    kommun = models.ForeignKey(
        Kommun, on_delete=models.PROTECT, related_name="+", verbose_name="folkbokföringskommun"
    )
    phone = models.CharField("telefon", max_length=40, blank=True)
    email = models.EmailField("e-post", blank=True)
    address = models.CharField("adress", max_length=200, blank=True)
    interpreter_needed = models.BooleanField("behov av tolk", default=False)
    interpreter_language = models.CharField("tolkspråk", max_length=60, blank=True)
    protected_identity = models.BooleanField("skyddad identitet", default=False)
    created_at = models.DateTimeField("registrerad", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrerad av",
    )

    class Meta:
        verbose_name = "deltagare"
        verbose_name_plural = "deltagare"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False, personnummer__isnull=False)
                | Q(is_anonymous=True, personnummer__isnull=True, first_name="", last_name=""),
                name="participant_anonymous_has_no_identity",
                violation_error_message=(
                    "En anonym deltagare får inte ha personnummer eller namn; "
                    "övriga måste ha personnummer."
                ),
            ),
        ]
        indexes = [
            # Caseload search by name.
            models.Index(fields=["last_name", "first_name"], name="participant_name_idx"),
        ]

    def __str__(self):
        if self.is_anonymous:
            return f"Anonym deltagare #{self.pk}"
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self):
        return reverse("participant_detail", args=[self.pk])

    @property
    def masked_personnummer(self):
        return mask(self.personnummer) if self.personnummer else "–"
