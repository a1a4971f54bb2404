"""The enrolment (inskrivning) and the one definition of which enrolments count."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from rehab.models.choices import (
    Agency,
    Education,
    ExitOutcome,
    Occupation,
    Referrer,
    income_from_bits,
)
from rehab.models.organisation import Team
from rehab.models.participants import Participant


def valid_q(prefix: str = "") -> Q:
    """Not registered in error, as a condition on Enrolment or, with `prefix` ("enrolment__"),
    on a model that points to one."""
    return Q(**{f"{prefix}registered_in_error": False})


def active_q(prefix: str = "") -> Q:
    """In progress now (no exit, not in error), as a condition; see `valid_q` for `prefix`."""
    return valid_q(prefix) & Q(**{f"{prefix}exit_date__isnull": True})


class EnrolmentQuerySet(models.QuerySet):
    """The one definition of which enrolments count, used by the board, the dashboards, the
    deadlines, the caseload and the purge."""

    def valid(self):
        """Enrolments not registered in error: the only ones any figure or list counts."""
        return self.filter(valid_q())

    def active(self, as_of=None):
        """Enrolments in progress: with no exit (now), or with no exit on or before `as_of`."""
        if as_of is None:
            return self.filter(active_q())
        return self.valid().filter(Q(exit_date__isnull=True) | Q(exit_date__gt=as_of))

    def search(self, q: str):
        """The one caseload search (the caseload and the deadline list): a personnummer or
        its start, in its 12- or 10-digit form with or without separator, or else every word
        in the participant's first or last name."""
        q = (q or "").strip()
        if not q:
            return self
        digits = re.sub(r"[^0-9]", "", q)
        if len(digits) >= 6 and len(digits) == len(q.replace("-", "").replace("+", "")):
            if len(digits) > 10:
                return self.filter(participant__personnummer__startswith=digits)
            return self.filter(
                Q(participant__personnummer__startswith=digits)
                | Q(participant__personnummer__regex=rf"^[0-9]{{2}}{digits}")
            )
        qs = self
        for word in q.split():
            qs = qs.filter(
                Q(participant__first_name__icontains=word)
                | Q(participant__last_name__icontains=word)
            )
        return qs

    def in_period(self, date_from, date_to):
        """Enrolments that were in progress on some day from `date_from` to `date_to`
        inclusive: started by the period's end and not exited before its start."""
        return self.valid().filter(
            Q(exit_date__isnull=True) | Q(exit_date__gte=date_from), start_date__lte=date_to
        )


class Enrolment(models.Model):
    """Inskrivning: one participant's time in one team, from start to exit."""

    class Phase(models.TextChoices):
        KARTLAGGNING = "kartlaggning", "Kartläggning"
        AKTIVITET = "aktivitet", "Aktivitet"
        PROVNING = "provning", "Prövning"
        AVSLUT = "avslut", "Avslut"

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="enrolments", verbose_name="deltagare"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="enrolments", verbose_name="team"
    )
    referrer = models.CharField("remittent", max_length=10, choices=Referrer)
    start_date = models.DateField("startdatum")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_for",
        verbose_name="ansvarig handledare",
    )
    case_officer_name = models.CharField("ordinarie handläggare", max_length=200, blank=True)
    case_officer_agency = models.CharField("handläggarens myndighet", max_length=100, blank=True)
    case_officer_phone = models.CharField("handläggarens telefon", max_length=40, blank=True)
    case_officer_email = models.EmailField("handläggarens e-post", blank=True)
    first_followup_date = models.DateField("första uppföljning", null=True, blank=True)
    followup_interval_months = models.PositiveSmallIntegerField(
        "eget intervall för uppföljningsmöten (månader)",
        null=True,
        blank=True,
        help_text="Tätare än teamets, om ni kommit överens om det. Tomt = teamets intervall.",
    )
    agencies = models.JSONField(
        "involverade myndigheter",
        default=list,
        blank=True,
        help_text="Myndigheter som deltar i insatsen (AF, FK, Region, Kommun).",
    )
    income_start = models.PositiveSmallIntegerField("försörjning vid start", default=0)
    occupation_start = models.CharField(
        "sysselsättning vid start", max_length=20, choices=Occupation, blank=True
    )
    occupation_start_share = models.PositiveSmallIntegerField(
        "andel av heltid vid start (%)", null=True, blank=True
    )
    education = models.CharField("utbildningsnivå", max_length=20, choices=Education, blank=True)
    months_without_work = models.PositiveSmallIntegerField(
        "månader utan arbete eller studier före start", null=True, blank=True
    )
    wellbeing_start = models.PositiveSmallIntegerField(
        "självskattat välmående vid start (1–10)", null=True, blank=True
    )
    phase = models.CharField("fas", max_length=15, choices=Phase, default=Phase.KARTLAGGNING)

    exit_date = models.DateField("avslutsdatum", null=True, blank=True)
    exit_outcome = models.CharField("avslutsorsak", max_length=40, choices=ExitOutcome, blank=True)
    income_exit = models.PositiveSmallIntegerField("försörjning vid avslut", null=True, blank=True)
    occupation_exit = models.CharField(
        "sysselsättning vid avslut", max_length=20, choices=Occupation, blank=True
    )
    occupation_exit_share = models.PositiveSmallIntegerField(
        "andel av heltid vid avslut (%)", null=True, blank=True
    )
    wellbeing_exit = models.PositiveSmallIntegerField(
        "självskattat välmående vid avslut (1–10)", null=True, blank=True
    )
    exit_conversation_held = models.BooleanField("avslutningssamtal hållet", null=True)
    exit_plan = models.TextField("handlingsplan efter avslut", blank=True)

    registered_in_error = models.BooleanField("felregistrerad", default=False)
    error_reason = models.TextField("skäl till felregistrering", blank=True)
    created_at = models.DateTimeField("registrerad", auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "inskrivning"
        verbose_name_plural = "inskrivningar"
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=models.F("start_date")),
                name="enrolment_exit_not_before_start",
                violation_error_message="Avslutsdatum kan inte ligga före startdatum.",
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True, exit_outcome="")
                | (Q(exit_date__isnull=False) & ~Q(exit_outcome="")),
                name="enrolment_exit_has_outcome",
                violation_error_message="Ett avslut kräver både datum och avslutsorsak.",
            ),
            models.CheckConstraint(
                condition=(Q(wellbeing_start__isnull=True) | Q(wellbeing_start__range=(1, 10)))
                & (Q(wellbeing_exit__isnull=True) | Q(wellbeing_exit__range=(1, 10))),
                name="enrolment_wellbeing_1_to_10",
                violation_error_message="Välmående skattas från 1 till 10.",
            ),
            models.UniqueConstraint(
                fields=["participant", "team"],
                condition=Q(exit_date__isnull=True, registered_in_error=False),
                name="enrolment_one_active_per_participant_team",
                violation_error_message="Deltagaren har redan en pågående inskrivning i teamet.",
            ),
            models.UniqueConstraint(
                fields=["participant", "team", "start_date"],
                condition=Q(registered_in_error=False),
                name="enrolment_unique_start_per_participant_team",
                violation_error_message="Det finns redan en inskrivning med samma startdatum.",
            ),
        ]
        indexes = [
            # Board tables and dashboards filter a team's enrolments by start and exit dates.
            models.Index(fields=["team", "start_date"], name="enrolment_team_start_idx"),
            models.Index(fields=["team", "exit_date"], name="enrolment_team_exit_idx"),
            # The handledare's caseload: their active enrolments.
            models.Index(fields=["responsible", "exit_date"], name="enrolment_responsible_idx"),
        ]

    def __str__(self):
        return f"{self.participant} i {self.team} från {self.start_date:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("participant_detail", args=[self.participant_id])

    @property
    def is_active(self):
        return self.exit_date is None and not self.registered_in_error

    @property
    def income_start_list(self):
        return income_from_bits(self.income_start)

    @property
    def income_exit_list(self):
        return income_from_bits(self.income_exit)

    @property
    def agency_labels(self) -> list[str]:
        """The involved agencies by their full names ("Försäkringskassan"), in the order of
        the choices; a stored code no longer among them is shown as it is."""
        labels = dict(Agency.choices)
        known = [label for code, label in Agency.choices if code in (self.agencies or [])]
        return known + [code for code in (self.agencies or []) if code not in labels]
