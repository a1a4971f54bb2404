"""manage.py purge [--dry-run] [--as-of YYYY-MM-DD]: the retention purge (gallring)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy import services
from privacy.gate import PurgeGateClosed


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ogiltigt datum {value!r}: skriv ÅÅÅÅ-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Gallrar personuppgifter efter de perioder som RETENTION_*_MONTHS anger. "
        "--dry-run visar bara antal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Visa antal, ändra inget.")
        parser.add_argument("--as-of", type=str, help="Gallra per detta datum (ÅÅÅÅ-MM-DD).")

    def handle(self, *args, **options):
        as_of = _date(options["as_of"]) if options.get("as_of") else timezone.localdate()
        if as_of > timezone.localdate():
            raise CommandError(f"Datumet {as_of} ligger i framtiden.")
        try:
            counts, run = services.purge(as_of=as_of, dry_run=options["dry_run"])
        except PurgeGateClosed as error:
            raise CommandError(f"{error} Inget gallrades.") from None
        heading = "Provkörning, inget ändrat" if run is None else f"Gallring nr {run.pk} klar"
        self.stdout.write(f"{heading} (per {as_of:%Y-%m-%d}):")
        for key, label in services.COUNT_LABELS:
            self.stdout.write(f"  {label}: {counts[key]}")
