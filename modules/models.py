"""Modules of a team, placements in them, 3-party reviews, management approvals and
follow-up meetings. The date rules themselves live in modules/rules.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from modules import rules
from modules.rules import ModuleRule
from rehab.models import Enrolment, Kommun, Referrer, Team


class Module(models.Model):
    """A rung on the team's ladder (Portalen → Kompassen → Passagen)."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="modules", verbose_name="team"
    )
    name = models.CharField("namn", max_length=100)
    purpose = models.CharField("syfte", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("ordning", default=1)
    capacity = models.PositiveSmallIntegerField(
        "kapacitet", null=True, blank=True, help_text="Tomt = obegränsat."
    )

    class PeriodUnit(models.TextChoices):
        MONTHS = rules.MONTHS, "månader"
        WEEKS = rules.WEEKS, "veckor"

    first_period = models.PositiveSmallIntegerField("första period")
    extension_period = models.PositiveSmallIntegerField("förlängning")
    period_unit = models.CharField(
        "perioder i",
        max_length=6,
        choices=PeriodUnit,
        default=PeriodUnit.MONTHS,
        help_text="Veckor räknas som exakt 7 dagar (AKTIV: 12 veckor).",
    )
    max_extensions = models.PositiveSmallIntegerField(
        "högst antal förlängningar", null=True, blank=True, help_text="Tomt = obegränsat."
    )
    expected_referrer = models.CharField(
        "förväntad remissväg",
        max_length=10,
        choices=Referrer,
        blank=True,
        help_text="Placeringar av deltagare från en annan remittent varnar (Portalen: EVI).",
    )
    triage_contact = models.BooleanField(
        "kontakta En väg in vid förlängning",
        default=False,
        help_text=(
            "En förlängning eller ny remiss ger fristen ”Kontakta EVI” 14 dagar senare (Portalen)."
        ),
    )

    class Meta:
        verbose_name = "modul"
        verbose_name_plural = "moduler"
        ordering = ["team", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="module_unique_name_per_team"),
            models.CheckConstraint(
                condition=Q(first_period__gte=1) & Q(extension_period__gte=1),
                name="module_periods_positive",
                violation_error_message="Perioderna måste vara minst en månad eller vecka.",
            ),
        ]

    def __str__(self):
        return self.name

    def as_rule(self):
        return ModuleRule(
            name=self.name,
            first_period=self.first_period,
            extension_period=self.extension_period,
            max_extensions=self.max_extensions,
            capacity=self.capacity,
            period_unit=self.period_unit,
        )

    @property
    def periods(self):
        """ "6 månader" / "12 veckor" for the first period, for pages."""
        return f"{self.first_period} {self.get_period_unit_display()}"

    @property
    def extension_text(self):
        return f"{self.extension_period} {self.get_period_unit_display()}"


class ModuleReservation(models.Model):
    """Places of a module kept free for one kommun's residents (SPEC §13 rule 1: Smedjebacken in
    Portalen). A placement from another kommun that would take one is refused."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="reservations")
    kommun = models.ForeignKey(Kommun, on_delete=models.PROTECT, verbose_name="kommun")
    places = models.PositiveSmallIntegerField("reserverade platser")

    class Meta:
        verbose_name = "reserverade platser"
        verbose_name_plural = "reserverade platser"
        constraints = [
            models.UniqueConstraint(
                fields=["module", "kommun"], name="reservation_one_per_module_kommun"
            ),
            models.CheckConstraint(
                condition=Q(places__gte=1),
                name="reservation_places_positive",
                violation_error_message="Minst en plats ska reserveras.",
            ),
        ]

    def __str__(self):
        return f"{self.module}: {self.places} för {self.kommun}"


class Placement(models.Model):
    """A participant's time in one module. One open placement per enrolment."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="placements", verbose_name="inskrivning"
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="placements", verbose_name="modul"
    )
    start_date = models.DateField("startdatum")
    next_review_due = models.DateField("nästa utvärdering senast")
    extensions = models.PositiveSmallIntegerField("antal förlängningar", default=0)
    end_date = models.DateField("slutdatum", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "modulplacering"
        verbose_name_plural = "modulplaceringar"
        ordering = ["start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(end_date__isnull=True),
                name="placement_one_open_per_enrolment",
                violation_error_message="Deltagaren har redan en pågående modulplacering.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_end_not_before_start",
                violation_error_message="Slutdatum kan inte ligga före startdatum.",
            ),
        ]
        indexes = [
            # Occupancy per module and the deadlines list: open placements by due date.
            models.Index(fields=["module", "end_date"], name="placement_module_open_idx"),
            models.Index(fields=["end_date", "next_review_due"], name="placement_due_idx"),
            # The modules' places taken from the aggregates: the placements starting in the
            # rest of a month (reporting/board/aggregates.py `module_stocks`).
            models.Index(fields=["module", "start_date"], name="placement_module_start_idx"),
            # The module breakdown's odd days: the placements starting on a few days of any
            # module (reporting/board/aggregates.py `module_breakdown`).
            models.Index(fields=["start_date"], name="placement_start_idx"),
        ]

    def __str__(self):
        return f"{self.module} från {self.start_date:%Y-%m-%d}"


class Review(models.Model):
    """Trepartsmöte: participant, case officer and module staff evaluate the placement."""

    class Decision(models.TextChoices):
        EXTEND = "extend", "Förläng"
        MOVE = "move", "Byt modul"
        EXIT = "exit", "Avsluta"

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="reviews", verbose_name="placering"
    )
    planned_date = models.DateField("bokat datum")
    held_date = models.DateField("hölls", null=True, blank=True)
    attended_participant = models.BooleanField("deltagaren närvarade", default=False)
    attended_case_officer = models.BooleanField("handläggaren närvarade", default=False)
    attended_staff = models.BooleanField("modulpersonal närvarade", default=False)
    goals_evaluated = models.TextField("utvärderade mål", blank=True)
    decision = models.CharField("beslut", max_length=10, choices=Decision, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "utvärdering (trepartsmöte)"
        verbose_name_plural = "utvärderingar (trepartsmöten)"
        ordering = ["planned_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_date__isnull=True, decision="")
                | (Q(held_date__isnull=False) & ~Q(decision="")),
                name="review_held_has_decision",
                violation_error_message="Ett hållet möte måste ha ett beslut.",
            )
        ]

    def __str__(self):
        return f"Utvärdering {self.planned_date:%Y-%m-%d}"


class ManagementApproval(models.Model):
    """Ledningsgruppsbeslut: needed for anything that runs past the 24-month frame."""

    class Status(models.TextChoices):
        PENDING = "pending", "Begärt"
        APPROVED = "approved", "Godkänt"
        DECLINED = "declined", "Avslaget"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="approvals", verbose_name="inskrivning"
    )
    requested_date = models.DateField("begärt")
    status = models.CharField("beslut", max_length=10, choices=Status, default=Status.PENDING)
    decided_date = models.DateField("beslutsdatum", null=True, blank=True)
    approved_until = models.DateField("godkänt till och med", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "ledningsgruppsbeslut"
        verbose_name_plural = "ledningsgruppsbeslut"
        ordering = ["requested_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_until__isnull=False, decided_date__isnull=False),
                name="approval_approved_has_date_and_until",
                violation_error_message="Ett godkänt beslut kräver beslutsdatum och slutdatum.",
            )
        ]

    def __str__(self):
        return f"Ledningsgruppsbeslut {self.get_status_display().lower()}"


class FollowUp(models.Model):
    """A recurring follow-up meeting (REBUS: every 2 months)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="followups", verbose_name="inskrivning"
    )
    held_date = models.DateField("hölls")
    # SPEC §13 rule 8: who took part and what step movement was discussed.
    with_participant = models.BooleanField("deltagaren var med", default=True)
    with_case_officer = models.BooleanField("ordinarie handläggare var med", default=False)
    with_staff = models.BooleanField("teamets personal var med", default=True)
    steps_discussed = models.TextField("stegförflyttning som diskuterades", blank=True)
    note = models.TextField("anteckning", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "uppföljningsmöte"
        verbose_name_plural = "uppföljningsmöten"
        ordering = ["held_date", "pk"]

    def __str__(self):
        return f"Uppföljning {self.held_date:%Y-%m-%d}"


class TriageContact(models.Model):
    """SPEC §13 rule 3: a module may require that the triage team be contacted at an extension
    or a re-referral (Portalen → EVI). The deadline is due 14 days after; it is met when the
    contact is recorded."""

    DUE_DAYS = 14

    class Reason(models.TextChoices):
        EXTENSION = "extension", "Förlängning"
        REREFERRAL = "rereferral", "Ny remiss"

    class Channel(models.TextChoices):
        PHONE = "telefon", "Telefon"
        EMAIL = "e-post", "E-post"
        MEETING = "mote", "Möte"
        LETTER = "brev", "Brev"
        DIGITAL = "digital", "Digitalt"

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="triage_contacts"
    )
    reason = models.CharField("anledning", max_length=10, choices=Reason)
    due_date = models.DateField("kontakta senast")
    contacted_date = models.DateField("kontaktad", null=True, blank=True)
    channel = models.CharField("hur", max_length=10, choices=Channel, blank=True)
    note = models.TextField("anteckning", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "kontakt med En väg in"
        verbose_name_plural = "kontakter med En väg in"
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contacted_date__isnull=True, channel="")
                | (Q(contacted_date__isnull=False) & ~Q(channel="")),
                name="triage_contact_recorded_has_channel",
                violation_error_message="En registrerad kontakt ska ha datum och hur.",
            ),
        ]
        indexes = [
            # The deadlines list: contacts still to make, by due date.
            models.Index(fields=["contacted_date", "due_date"], name="triage_contact_open_idx"),
        ]

    def __str__(self):
        return f"Kontakta En väg in senast {self.due_date:%Y-%m-%d}"


class WaitingListEntry(models.Model):
    """A participant waiting for a place in a full module."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="waiting")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    added_date = models.DateField("uppsatt")
    removed_date = models.DateField("borttagen", null=True, blank=True)

    class Meta:
        verbose_name = "plats på väntelista"
        verbose_name_plural = "väntelista"
        ordering = ["added_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "enrolment"],
                condition=Q(removed_date__isnull=True),
                name="waiting_once_per_module",
            )
        ]

    def __str__(self):
        return f"{self.module}: väntar sedan {self.added_date:%Y-%m-%d}"


class CalendarFeed(models.Model):
    """A user's secret iCalendar subscription link to their deadlines.

    Calendar programs fetch the feed without a session, so the link itself is the key. Only a
    SHA-256 hash of the token is stored: a leaked database does not leak working links, and
    creating a new link revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name="användare",
    )
    token_hash = models.CharField("tokenhash", max_length=64, unique=True)
    created_at = models.DateTimeField("skapad", auto_now_add=True)

    class Meta:
        verbose_name = "kalenderprenumeration"
        verbose_name_plural = "kalenderprenumerationer"

    def __str__(self):
        return f"Kalenderlänk för {self.user}"
