"""The audit trail and the read-model cache's data version."""

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
    """One row: a random token replaced after every write, the key of the cached read models
    (rehab/freshness.py). Not domain data; nothing else refers to it."""

    token = models.BigIntegerField("token", default=0)

    class Meta:
        verbose_name = "dataversion"
        verbose_name_plural = "dataversioner"

    def __str__(self):
        return str(self.token)
