"""`manage.py deadlines --team NAME [--as-of DATE] [--within DAYS]` (SPEC §12).

CSV on standard output, header `personnummer,kind,due,status`: every unmet deadline of the
team's active enrolments due on or before as-of + DAYS, sorted by due, personnummer, kind."""

import csv
import io
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from modules import selectors
from rehab.models import Enrolment, Team

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: str) -> date:
    if not ISO_DATE.fullmatch(value or ""):
        raise CommandError(f"--as-of: ”{value}” är inte ett datum på formen ÅÅÅÅ-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: ”{value}” är inte ett giltigt datum.") from None


def days(value: str) -> int:
    if not re.fullmatch(r"\d+", value or ""):
        raise CommandError(f"--within: ”{value}” måste vara ett heltal, 0 eller större.")
    return int(value)


class Command(BaseCommand):
    help = (
        "Skriver ut ett teams frister som CSV (personnummer,kind,due,status): nästa "
        "utvärdering, ledningsgruppsärende och uppföljningsmöte för pågående inskrivningar."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="Teamets namn.")
        parser.add_argument(
            "--as-of", dest="as_of", help="Datum att räkna från, ÅÅÅÅ-MM-DD (standard: i dag)."
        )
        parser.add_argument(
            "--within",
            default=str(selectors.DEFAULT_WITHIN_DAYS),
            help="Ta med frister upp till så många dagar efter datumet (standard: 30).",
        )

    def handle(self, *args, team, as_of, within, **options):
        as_of = iso_date(as_of) if as_of is not None else timezone.localdate()
        within = days(within)
        found = Team.objects.filter(name__iexact=team.strip()).first()
        if found is None:
            raise CommandError(f"Teamet ”{team}” finns inte.")
        items = selectors.deadlines(
            Enrolment.objects.filter(team=found), as_of=as_of, within_days=within
        )
        out = io.StringIO()
        # RFC 4180 line ends, as in the worked example of ../shared/examples.
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["personnummer", "kind", "due", "status"])
        for item in items:
            writer.writerow([item.personnummer, item.kind, item.due.isoformat(), item.status])
        self.stdout.write(out.getvalue(), ending="")
