from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Access log and its review, retention purge (gallring) and subject-access export."""

    name = "privacy"
    verbose_name = "Integritet och loggar"
