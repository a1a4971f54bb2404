from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Log-in, two-factor authentication, sessions and password rules."""

    name = "accounts"
    verbose_name = "Konton och inloggning"

    def ready(self):
        from accounts import sessions

        sessions.connect()
