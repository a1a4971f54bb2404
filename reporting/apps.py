from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Rapporter"

    def ready(self):
        from jobs import registry
        from rehab import audit
        from reporting.board import aggregates, files

        registry.register(files.BOARD_FILE_JOB, files.run_board_file)
        # The board's aggregate tables follow every audited change in its transaction.
        audit.on_change(aggregates.note_change)
