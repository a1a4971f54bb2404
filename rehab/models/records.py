"""The audit trail, the soft rules passed and the read-model cache's data version."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, when. Written by services; no application code updates or deletes it."""

    at = models.DateTimeField("tid", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="användare",
    )
    action = models.CharField("händelse", max_length=60)
    object_type = models.CharField("objekttyp", max_length=60)
    object_id = models.CharField("objekt-id", max_length=40, blank=True)
    participant_id = models.BigIntegerField("deltagare-id", null=True, blank=True)
    changes = models.JSONField("ändringar", default=dict, blank=True)

    class Meta:
        verbose_name = "granskningshändelse"
        verbose_name_plural = "granskningshändelser"
        ordering = ["-at"]
        indexes = [
            # Log review by participant.
            models.Index(fields=["participant_id", "-at"], name="audit_participant_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class DataVersion(models.Model):
    """One row: a random token replaced after a write that concerns every team, the key of
    the cached read models (rehab/freshness.py). Not domain data; nothing else refers to it."""

    token = models.BigIntegerField("token", default=0)

    class Meta:
        verbose_name = "dataversion"
        verbose_name_plural = "dataversioner"

    def __str__(self):
        return str(self.token)


class TeamDataVersion(models.Model):
    """A team's data version: a random token replaced after every audited change of the
    team's data (rehab/freshness.py). No row until the first such change. Not domain data."""

    team = models.OneToOneField(
        "rehab.Team",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name="team",
    )
    token = models.BigIntegerField("token", default=0)

    class Meta:
        verbose_name = "teamets dataversion"
        verbose_name_plural = "teamens dataversioner"

    def __str__(self):
        return str(self.token)


class RuleWarning(models.Model):
    """A soft rule of SPEC §13 that a user went past: shown where they acted, kept so that the
    board report can count it ("3 inskrivningar utöver Hagfors andel"). Written by the service
    that made the write; goes with its enrolment."""

    class Code(models.TextChoices):
        KOMMUN_SHARE = "kommun_share", "Utöver kommunens andel av platserna"
        TEAM_TOTAL = "team_total", "Utöver teamets löpande platser"
        REFERRAL_PATH = "referral_path", "Annan remissväg än den förväntade"
        NO_REFERRING_INCOME = "no_referring_income", "Ingen försörjning från remitterande part"
        EXIT_WITHOUT_EVALUATION = "exit_without_evaluation", "Avslut utan utvärderingsmöte"

    enrolment = models.ForeignKey(
        "rehab.Enrolment", on_delete=models.CASCADE, related_name="rule_warnings"
    )
    code = models.CharField("regel", max_length=30, choices=Code)
    detail = models.CharField(
        "gäller", max_length=120, blank=True, help_text="Kommunen eller modulen det gäller."
    )
    message = models.CharField("varning", max_length=400)
    at = models.DateTimeField("tid", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "varning för mjuk regel"
        verbose_name_plural = "varningar för mjuka regler"
        ordering = ["at", "pk"]

    def __str__(self):
        return self.message
