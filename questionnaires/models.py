"""Questionnaires (issue #21): participants' self-ratings and the partners' questionnaire.

A questionnaire has versions; a version's questions are fixed once someone has answered it, so
a changed question never alters what was answered before (a change is a new version). A
question's `key` is kept across versions, so start and exit answers to "the same" question can
be compared even when the wording was edited in between.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from rehab.models import Enrolment, Team

LOCKED = "Versionen har redan besvarats och kan inte ändras. Skapa en ny version i stället."


class Questionnaire(models.Model):
    class Audience(models.TextChoices):
        PARTICIPANT = "participant", "Deltagare (självskattning)"
        PARTNER = "partner", "Samverkansparter (handläggare)"

    name = models.CharField("namn", max_length=100, unique=True)
    audience = models.CharField("vem svarar", max_length=12, choices=Audience.choices)
    intro = models.TextField("inledning (lättläst)", max_length=1000, blank=True)
    is_active = models.BooleanField("används", default=True)

    class Meta:
        verbose_name = "enkät"
        verbose_name_plural = "enkäter"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def current_version(self):
        """The newest version with questions: the one new answers are given to."""
        return self.versions.filter(questions__isnull=False).distinct().order_by("-number").first()


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions", verbose_name="enkät"
    )
    number = models.PositiveSmallIntegerField("version")
    created_at = models.DateTimeField("skapad", auto_now_add=True)

    class Meta:
        verbose_name = "enkätversion"
        verbose_name_plural = "enkätversioner"
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="questionnaire_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.questionnaire} version {self.number}"

    @property
    def is_answered(self) -> bool:
        return self.pk is not None and self.responses.exists()


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE10 = "scale10", "Skala 1–10"
        LIKERT5 = "likert5", "Likert 1–5"
        YESNO = "yesno", "Ja eller nej"
        TEXT = "text", "Fritext"

    version = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name="version",
    )
    position = models.PositiveSmallIntegerField("ordning")
    key = models.SlugField(
        "nyckel",
        max_length=40,
        help_text="Samma nyckel i nya versioner gör att svaren kan jämföras.",
    )
    text = models.CharField("fråga", max_length=300)
    kind = models.CharField("svarsskala", max_length=8, choices=Kind.choices)
    low_label = models.CharField("text vid lägsta värdet", max_length=60, blank=True)
    high_label = models.CharField("text vid högsta värdet", max_length=60, blank=True)
    measures_wellbeing = models.BooleanField(
        "mäter välmående",
        default=False,
        help_text="Målet ökat välmående räknas på den här frågan (start mot avslut).",
    )

    class Meta:
        verbose_name = "fråga"
        verbose_name_plural = "frågor"
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_key_unique"),
            models.UniqueConstraint(
                fields=["version", "position"], name="question_position_unique"
            ),
            # Only a numeric scale can show an increase.
            models.CheckConstraint(
                condition=Q(measures_wellbeing=False) | Q(kind__in=["scale10", "likert5"]),
                name="question_wellbeing_on_scale",
            ),
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        if self.version.is_answered:
            raise ValidationError(LOCKED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.version.is_answered:
            raise ValidationError(LOCKED)
        return super().delete(*args, **kwargs)

    @property
    def values(self) -> list[int]:
        """The answer values of a closed question (yes = 1, no = 0)."""
        return {
            self.Kind.SCALE10: list(range(1, 11)),
            self.Kind.LIKERT5: list(range(1, 6)),
            self.Kind.YESNO: [1, 0],
        }.get(self.kind, [])

    def value_label(self, value: int) -> str:
        if self.kind == self.Kind.YESNO:
            return "Ja" if value else "Nej"
        return str(value)


class Occasion(models.TextChoices):
    START = "start", "Vid start"
    REVIEW = "review", "Vid avstämning"
    EXIT = "exit", "Vid avslut"


class Channel(models.TextChoices):
    HANDOVER = "handover", "På handledarens skärm"
    LINK = "link", "Engångslänk"


class Response(models.Model):
    """One filled-in questionnaire. A participant's is linked to an enrolment (personal data);
    a partner's only to a team and the year (anonymous)."""

    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaire_responses",
    )
    occasion = models.CharField(max_length=8, choices=Occasion.choices, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    year = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(enrolment__isnull=True) & Q(occasion=""))
                | (Q(enrolment__isnull=False) & ~Q(occasion="")),
                name="response_occasion_with_enrolment",
            ),
        ]
        indexes = [
            # The results page: a team's responses in a period.
            models.Index(fields=["team", "submitted_at"], name="response_team_time_idx"),
        ]

    def __str__(self):
        return f"{self.version} {self.get_occasion_display() or 'anonymt'}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
        ]

    def __str__(self):
        return f"Svar {self.pk}"


class AnswerLink(models.Model):
    """A one-time link: only the hash of its token is stored. A participant's link belongs to
    an enrolment and an occasion; a partner's to a team alone."""

    token_hash = models.CharField(max_length=64, unique=True)
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    occasion = models.CharField(max_length=8, choices=Occasion.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Länk {self.pk}"


class TeamSetting(models.Model):
    """A team's choice to measure the wellbeing target by the questionnaire instead of the
    score the handledare records at start and exit."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="questionnaire_setting", verbose_name="team"
    )
    wellbeing_from_questionnaire = models.BooleanField(
        "målet ökat välmående räknas från enkäten", default=False
    )

    class Meta:
        verbose_name = "enkätinställning för team"
        verbose_name_plural = "enkätinställningar för team"

    def __str__(self):
        return str(self.team)
