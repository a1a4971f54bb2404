from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Access log and its review, retention purge (gallring) and subject-access export."""

    name = "privacy"
    verbose_name = "Integritet och loggar"

    def ready(self):
        from django.db.backends.signals import connection_created

        from jobs import registry
        from privacy import exports, services
        from privacy.gate import register_sqlite_function
        from privacy.logfilter import install_on_all_handlers

        registry.register(exports.SUBJECT_ACCESS_PDF_JOB, exports.run_subject_access_pdf)
        registry.register(services.PURGE_JOB, services.run_purge)

        connection_created.connect(register_sqlite_function, dispatch_uid="privacy_purge_gate")
        install_on_all_handlers()
