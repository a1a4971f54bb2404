"""Referral intake, En väg in triage, consultations and consent (SPEC §5)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rehab.models import Enrolment, Forbund, Participant, Referrer, Team


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

    class Channel(models.TextChoices):
        TELEFON = "telefon", "Telefon"
        EPOST = "epost", "E-post"
        BREV = "brev", "Brev"
        DIGITAL = "digital", "Digital"

    class WorkWithinTwoYears(models.TextChoices):
        JA = "ja", "Ja"
        NEJ = "nej", "Nej"
        VET_EJ = "vet_ej", "Vet ej"

    class Motivated(models.TextChoices):
        JA = "ja", "Ja"
        NEJ = "nej", "Nej"

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="referrals", verbose_name="mottagande team"
    )
    # The receiving team's förbund, copied when the referral is registered: diary numbers are
    # unique within a förbund, and a constraint can only name this table's columns.
    forbund = models.ForeignKey(
        Forbund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="samordningsförbund",
    )
    source = models.CharField("remittent", max_length=10, choices=Referrer)
    channel = models.CharField(
        "inkom via", max_length=10, choices=Channel, default=Channel.TELEFON
    )
    diary_number = models.CharField("diarienummer", max_length=50, blank=True)
    work_within_two_years = models.CharField(
        "arbete inom två år enligt remittenten",
        max_length=6,
        choices=WorkWithinTwoYears,
        blank=True,
    )
    declared_motivated = models.CharField(
        "deltagaren har uppgett sig motiverad", max_length=3, choices=Motivated, blank=True
    )
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
    # Introductory conversation before an En väg in method decision (SPEC §13 rule 4).
    intro_date = models.DateField("introduktionssamtal", null=True, blank=True)
    intro_with_participant = models.BooleanField("deltagaren deltog", default=False)
    intro_with_referrer = models.BooleanField("remittenten deltog", default=False)
    intro_with_staff = models.BooleanField("förbundets personal deltog", default=False)
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
            # The dashboards' referrals received in a period (reporting/dashboards).
            models.Index(fields=["team", "received_date"], name="referral_team_received_idx"),
            # The referral list's first pages in its default order, found by walking this
            # index instead of sorting every referral the teams ever had (the list's filter
            # is an OR of the team and the assigned team, which no team index serves).
            models.Index(fields=["received_date", "id"], name="referral_received_idx"),
        ]
        constraints = [
            # A diary number, when given, names one referral in the förbund (SPEC §13 rule 5).
            # The constraint's index also serves the duplicate check in referral_create.
            models.UniqueConstraint(
                fields=["forbund", "diary_number"],
                condition=~Q(diary_number=""),
                name="referral_diary_number_unique_in_forbund",
                violation_error_message="Diarienumret finns redan på en annan remiss i förbundet.",
            ),
            models.CheckConstraint(
                condition=Q(intro_date__isnull=True)
                | Q(intro_date__gte=models.F("received_date")),
                name="referral_intro_not_before_received",
                violation_error_message=(
                    "Introduktionssamtalet kan inte ligga före remissens mottagningsdatum."
                ),
            ),
        ]

    def __str__(self):
        return f"Remiss från {self.get_source_display()} {self.received_date:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        # Every way a referral is made (the service, the demo, fixtures) carries the förbund.
        if self.forbund_id is None and self.team_id is not None:
            self.forbund_id = self.team.forbund_id
        super().save(*args, **kwargs)

    @property
    def intro_participants(self) -> list[str]:
        """Who took part in the introductory conversation, in words."""
        return [
            label
            for taken, label in (
                (self.intro_with_participant, "deltagaren"),
                (self.intro_with_referrer, "remittenten"),
                (self.intro_with_staff, "förbundets personal"),
            )
            if taken
        ]


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
