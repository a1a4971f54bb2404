from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Rapporter"

    def ready(self):
        from jobs import registry
        from reporting.board import files

        registry.register(files.BOARD_FILE_JOB, files.run_board_file)
