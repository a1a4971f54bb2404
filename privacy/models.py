"""The access log (every read and change of a participant's personal data) and the record of
retention purges (gallring).

The access log is append-only. The model refuses updates and deletes, its queryset refuses
``update()`` and ``delete()``, and database triggers (migration 0002) reject UPDATE and DELETE
for any code, raw SQL included. The one exception is the retention purge: the triggers let a
DELETE through only while the purge gate of `privacy.gate` is open in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an access-log row."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Åtkomstloggen kan inte ändras.")

    def delete(self):
        raise AppendOnlyError("Åtkomstloggen kan bara gallras med manage.py purge.")

    # bulk_update goes through update(); Django's delete collector through _raw_delete, which
    # the database triggers stop.


# The session key under which accounts records how the user logged in (accounts.sessions); the
# access log copies it onto every row the session writes.
LOGIN_METHOD_SESSION_KEY = "accounts_login_method"


class LoginMethod(models.TextChoices):
    PASSWORD = "password", "Lösenord"
    OIDC = "oidc", "Kommunens identitetstjänst"


class AccessLog(models.Model):
    """One access to one participant's data: who, when (UTC), what, which participant, from
    where. A request that reads several objects of a person writes one INSERT (see
    `privacy.recorder`). A denied attempt has the attempted object's type and id and no
    participant."""

    class Kind(models.TextChoices):
        READ = "read", "Läsning"
        CHANGE = "change", "Ändring"
        EXPORT = "export", "Export eller utskrift"
        # A refused (403/404) request to a participant-scoped URL (privacy/denied.py).
        DENIED = "denied", "Nekad"

    at = models.DateTimeField("tid (UTC)", default=timezone.now)
    # No database constraint and no cascade: removing a user must never touch the log.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="användare",
    )
    role = models.CharField("roll", max_length=12, blank=True)
    kind = models.CharField("typ", max_length=6, choices=Kind)
    action = models.CharField("vad", max_length=80)
    object_type = models.CharField("objekttyp", max_length=60, blank=True)
    object_id = models.CharField("objekt-id", max_length=40, blank=True)
    participant_id = models.BigIntegerField("deltagare-id", null=True, blank=True)
    ip = models.GenericIPAddressField("IP-adress", null=True, blank=True)
    # For a change: the rehab.AuditEvent that holds what changed (note text and identity
    # fields masked there).
    audit_event_id = models.BigIntegerField("granskningshändelse", null=True, blank=True)
    # How the session that read or changed the data logged in. Nullable without a default so
    # that adding it is a plain ALTER TABLE ADD COLUMN: on SQLite a table rebuild would drop the
    # append-only triggers (migration 0002). Empty for rows written before it and outside a
    # logged-in request (management commands).
    login_method = models.CharField(  # noqa: DJ001 (see above)
        "inloggning", max_length=8, choices=LoginMethod, null=True, blank=True
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "åtkomstloggpost"
        verbose_name_plural = "åtkomstlogg"
        ordering = ["-at", "-pk"]
        indexes = [
            # Log review and subject-access export: one participant's accesses, newest first.
            models.Index(fields=["participant_id", "-at"], name="accesslog_participant_idx"),
            # Log review by user.
            models.Index(fields=["user", "-at"], name="accesslog_user_idx"),
            # Log review by date range, and the retention purge (rows older than a date).
            models.Index(fields=["-at"], name="accesslog_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Åtkomstloggen kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Åtkomstloggen kan bara gallras med manage.py purge.")


class PurgeRun(models.Model):
    """One real run of `manage.py purge`: when, up to which date, and counts only."""

    started_at = models.DateTimeField("startad", default=timezone.now)
    finished_at = models.DateTimeField("klar", null=True, blank=True)
    as_of = models.DateField("gallrat per")
    counts = models.JSONField("antal per posttyp", default=dict)

    class Meta:
        verbose_name = "gallringskörning"
        verbose_name_plural = "gallringskörningar"
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"Gallring per {self.as_of:%Y-%m-%d}"
