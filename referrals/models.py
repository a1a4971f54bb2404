"""Referral intake, En väg in triage, consultations and consent (SPEC §5)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rehab.models import Enrolment, Participant, Referrer, Team


class Referral(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Mottagen"
        ASSESSING = "assessing", "Under bedömning"
        ACCEPTED = "accepted", "Antagen"
        QUEUED = "queued", "I kö"
        ENROLLED = "enrolled", "Inskriven"
        DECLINED = "declined", "Avböjd"
        REDIRECTED = "redirected", "Hänvisad"
        WITHDRAWN = "withdrawn", "Återkallad"

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="referrals", verbose_name="mottagande team"
    )
    source = models.CharField("remittent", max_length=10, choices=Referrer)
    case_officer_name = models.CharField("handläggarens namn", max_length=200, blank=True)
    case_officer_agency = models.CharField("handläggarens myndighet", max_length=100, blank=True)
    case_officer_phone = models.CharField("handläggarens telefon", max_length=40, blank=True)
    case_officer_email = models.EmailField("handläggarens e-post", blank=True)
    need = models.TextField("behov")
    received_date = models.DateField("mottagen")
    status = models.CharField("status", max_length=12, choices=Status, default=Status.RECEIVED)
    decided_date = models.DateField("beslutsdatum", null=True, blank=True)
    decline_reason = models.TextField("skäl", blank=True)
    redirected_to = models.CharField("hänvisad till", max_length=200, blank=True)
    assigned_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_referrals",
        verbose_name="fördelad till",
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "remiss"
        verbose_name_plural = "remisser"
        ordering = ["-received_date", "-pk"]
        indexes = [
            # The team's referral list filtered by status.
            models.Index(fields=["team", "status"], name="referral_team_status_idx"),
        ]

    def __str__(self):
        return f"Remiss från {self.get_source_display()} {self.received_date:%Y-%m-%d}"


class ReferralEvent(models.Model):
    """Every change of a referral's state, dated: waiting times are computed from these."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField("status", max_length=12, choices=Referral.Status)
    date = models.DateField("datum")
    note = models.TextField("kommentar", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "remisshändelse"
        verbose_name_plural = "remisshändelser"
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_status_display()} {self.date:%Y-%m-%d}"


class Consultation(models.Model):
    """An officer asks the team for advice. Counted, never personal."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="consultations")
    date = models.DateField("datum")
    agency = models.CharField("myndighet", max_length=10, choices=Referrer)
    topic = models.CharField("ämne", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "konsultation"
        verbose_name_plural = "konsultationer"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"Konsultation {self.date:%Y-%m-%d}"


class Consent(models.Model):
    """Samtycke to share information between named agencies; ends at exit."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    agencies = models.CharField("myndigheter", max_length=300)
    scope = models.TextField("omfattning")
    given_date = models.DateField("lämnat")
    ended_date = models.DateField("upphörde", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "samtycke"
        verbose_name_plural = "samtycken"
        ordering = ["-given_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_date__isnull=True) | Q(ended_date__gte=models.F("given_date")),
                name="consent_end_not_before_given",
                violation_error_message="Samtycket kan inte upphöra innan det lämnades.",
            )
        ]

    def __str__(self):
        return f"Samtycke {self.given_date:%Y-%m-%d}"
