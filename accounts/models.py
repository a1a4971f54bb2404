from django.conf import settings
from django.db import models
from django.utils import timezone


class AccountSecurity(models.Model):
    """Security state per user that Django's user model has no field for.

    `session_generation` is copied into a session at log-in; "Logga ut överallt" increments it,
    and the middleware ends every session holding an older number. The row is loaded together
    with the user (accounts.backends.AccountBackend), so the check costs no extra query."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_security",
        verbose_name="användare",
    )
    session_generation = models.PositiveIntegerField("sessionsgeneration", default=0)
    sessions_ended_at = models.DateTimeField("alla sessioner avslutade", null=True, blank=True)

    class Meta:
        verbose_name = "kontosäkerhet"
        verbose_name_plural = "kontosäkerhet"

    def __str__(self):
        return f"{self.user} (generation {self.session_generation})"


class ActivationCode(models.Model):
    """A one-time code a unit manager (or a superuser) gives a user, who needs it to register
    an authenticator app: a password alone is not enough to set up the second factor.

    Only a hash of the code is stored; it is shown once, when it is made. It stops working
    after ACTIVATION_CODE_HOURS, once used (when the new app is confirmed), or when a newer
    code is made for the same user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activation_codes",
        verbose_name="användare",
    )
    code_hash = models.CharField("kodens hash", max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="skapad av",
    )
    created_at = models.DateTimeField("skapad", default=timezone.now)
    expires_at = models.DateTimeField("gäller till")
    used_at = models.DateTimeField("använd", null=True, blank=True)

    class Meta:
        verbose_name = "aktiveringskod"
        verbose_name_plural = "aktiveringskoder"

    def __str__(self):
        return f"Aktiveringskod för {self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class AccountPreferences(models.Model):
    """What a user has chosen for their own account. No row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_preferences",
        verbose_name="användare",
    )
    deadline_reminders = models.BooleanField(
        "daglig påminnelse om frister per e-post",
        default=True,
        help_text="Antal försenade och kommande frister, utan namn eller personnummer.",
    )

    class Meta:
        verbose_name = "kontoinställning"
        verbose_name_plural = "kontoinställningar"

    def __str__(self):
        return f"{self.user} (påminnelser {'på' if self.deadline_reminders else 'av'})"
