"""`manage.py cleanup`: deletes expired pending imports and expired sessions (run from cron)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from reporting import pending


class Command(BaseCommand):
    help = (
        "Tar bort uppladdade importfiler som väntat på bekräftelse längre än "
        f"{pending.DEFAULT_MINUTES} minuter (inställningen PENDING_IMPORT_MINUTES) och "
        "utgångna sessioner (Djangos clearsessions). Kör från cron, t.ex. var 15:e minut."
    )

    def handle(self, *args, **options):
        deleted = pending.delete_expired()
        call_command("clearsessions")
        self.stdout.write(
            f"Tog bort {deleted} väntande import{'er' if deleted != 1 else ''} och utgångna "
            "sessioner."
        )
