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
        # A save or delete of their sources in Django admin bypasses the services: the tables
        # are rebuilt at their next read (config.middleware.DataVersionMiddleware).
        from django.db.models.signals import post_delete, post_save

        from rehab import freshness

        for model in aggregates.source_models():
            for signal in (post_save, post_delete):
                signal.connect(freshness.note_source_write, sender=model, weak=False)
