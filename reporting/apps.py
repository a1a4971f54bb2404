from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Rapporter"

    def ready(self):
        from jobs import registry
        from rehab import audit
        from reporting.board import aggregates, files
        from reporting.imports import job as import_job

        registry.register(files.BOARD_FILE_JOB, files.run_board_file)
        registry.register(
            import_job.IMPORT_JOB,
            import_job.run_import,
            progress_every=import_job.PROGRESS_ROWS,
        )
        # The board's aggregate tables follow every audited change in its transaction.
        audit.on_change(aggregates.note_change)
