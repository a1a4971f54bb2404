from django.conf import settings
from django.db import models


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
