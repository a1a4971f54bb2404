"""The action plan, journal, deviations and follow-ups after exit of an enrolment."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rehab.models.choices import Occupation
from rehab.models.enrolments import Enrolment


class Goal(models.Model):
    """A goal in the action plan; a goal with a parent is a sub-goal (delmål)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planerat"
        IN_PROGRESS = "in_progress", "Pågår"
        ACHIEVED = "achieved", "Uppnått"
        PARTLY = "partly", "Delvis uppnått"
        NOT_ACHIEVED = "not_achieved", "Inte uppnått"
        DROPPED = "dropped", "Avbrutet"

    # The outcomes a pre-exit evaluation gives each goal (SPEC §13 rule 9).
    OUTCOMES = (Status.ACHIEVED, Status.PARTLY, Status.NOT_ACHIEVED)

    # No index of its own: goal_enrolment_status_idx starts with the enrolment.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="goals", db_index=False
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subgoals",
        verbose_name="övergripande mål",
    )
    text = models.CharField("mål", max_length=300)
    status = models.CharField("status", max_length=12, choices=Status, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["created_at", "pk"]
        indexes = [
            # Step movement: exits with at least one achieved sub-goal.
            models.Index(fields=["enrolment", "status"], name="goal_enrolment_status_idx"),
        ]

    def __str__(self):
        return self.text


class ExitEvaluation(models.Model):
    """SPEC §13 rule 9: the evaluation meeting before an exit, with the participant, the
    referring case officer and the responsible handledare, that evaluates the goals set at
    enrolment (their outcomes are the goals' statuses). One per enrolment."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="exit_evaluation"
    )
    held_date = models.DateField("mötet hölls")
    with_participant = models.BooleanField("deltagaren var med", default=True)
    with_case_officer = models.BooleanField("remitterande handläggare var med", default=True)
    with_handledare = models.BooleanField("ansvarig handledare var med", default=True)
    note = models.TextField("anteckning", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "utvärderingsmöte före avslut"
        verbose_name_plural = "utvärderingsmöten före avslut"

    def __str__(self):
        return f"Utvärderingsmöte {self.held_date:%Y-%m-%d}"


class JournalNote(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Individuellt samtal"
        GROUP = "group", "Gruppaktivitet"
        WELLNESS = "wellness", "Friskvård"
        PRACTICE_VISIT = "practice_visit", "Praktikbesök"
        MEETING = "meeting", "Möte"
        PHONE = "phone", "Telefonsamtal"
        # SPEC §13 rule 12.
        ARBETSTRANING = "arbetstraning", "Arbetsträning"
        ARBETSPROVNING = "arbetsprovning", "Arbetsprövning"
        SOCIAL_TRANING = "social_traning", "Social träning"
        PRAKTIK = "praktik", "Praktik"
        MOTIVERANDE_SAMTAL = "motiverande_samtal", "Motiverande samtal"
        KARTLAGGNING = "kartlaggning", "Kartläggning"

    # No index of its own: note_enrolment_date_idx starts with the enrolment (the journal is
    # the largest table, ~20 rows per enrolment, so a second index costs every insert).
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    date = models.DateField("datum")
    kind = models.CharField("typ", max_length=20, choices=Kind)
    text = models.TextField("anteckning")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "journalanteckning"
        verbose_name_plural = "journalanteckningar"
        ordering = ["-date", "-pk"]
        indexes = [
            # The participant page lists an enrolment's notes newest first.
            models.Index(fields=["enrolment", "-date"], name="note_enrolment_date_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


class Deviation(models.Model):
    """Avvikelse during a module: must be reported to the case officer the same day."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="deviations")
    occurred_at = models.DateTimeField("inträffade")
    description = models.TextField("vad hände")
    reported_at = models.DateTimeField("rapporterad", null=True, blank=True)
    reported_to = models.CharField("rapporterad till", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "avvikelse"
        verbose_name_plural = "avvikelser"
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_at__isnull=True)
                | Q(reported_at__gte=models.F("occurred_at")),
                name="deviation_reported_not_before_occurred",
                violation_error_message="Rapporteringen kan inte ske innan avvikelsen inträffade.",
            )
        ]

    def __str__(self):
        return f"Avvikelse {self.occurred_at:%Y-%m-%d}"


class ExitFollowUp(models.Model):
    """Optional follow-up 3, 6 or 12 months after exit: do results last?"""

    class After(models.IntegerChoices):
        M3 = 3, "3 månader"
        M6 = 6, "6 månader"
        M12 = 12, "12 månader"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="exit_followups"
    )
    months_after = models.PositiveSmallIntegerField("månader efter avslut", choices=After)
    date = models.DateField("datum")
    occupation = models.CharField("sysselsättning", max_length=20, choices=Occupation)
    income = models.PositiveSmallIntegerField("försörjning", default=0)

    class Meta:
        verbose_name = "uppföljning efter avslut"
        verbose_name_plural = "uppföljningar efter avslut"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "months_after"], name="exit_followup_once_per_interval"
            )
        ]

    def __str__(self):
        return f"{self.get_months_after_display()} efter avslut"


class JournalNoteDraft(models.Model):
    """A journal note being written: kept on the server per user and enrolment (never in the
    browser's storage, the text is secret), restored when the form is opened again and deleted
    when the note is saved. Not part of the record: nobody but its author sees it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField("datum", null=True, blank=True)
    kind = models.CharField("typ", max_length=20, choices=JournalNote.Kind, blank=True)
    text = models.TextField("anteckning", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "utkast till journalanteckning"
        verbose_name_plural = "utkast till journalanteckningar"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "author"], name="note_draft_one_per_author"
            )
        ]

    def __str__(self):
        return f"Utkast {self.updated_at:%Y-%m-%d %H:%M}"
