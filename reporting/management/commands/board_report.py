import os
import re
import tempfile
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rehab.models import Team
from reporting.board import exports
from reporting.board.presentation import present
from reporting.board.tables import board_table
from reporting.budget.followup import board_budget
from reporting.models import BoardNote

FORMATS = ("csv", "xlsx", "pdf")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value, option):
    if value is None:
        raise CommandError(f"{option} saknas: ange ett datum som ÅÅÅÅ-MM-DD.")
    if not ISO_DATE.fullmatch(value):
        raise CommandError(f"{option}: ”{value}” är inte ett datum som ÅÅÅÅ-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: datumet {value} finns inte.") from None


def _team(name):
    if not name:
        raise CommandError("--team saknas: ange teamets namn.")
    team = Team.objects.filter(name=name).first()
    if team is None:
        matches = list(Team.objects.filter(name__iexact=name)[:2])
        team = matches[0] if len(matches) == 1 else None
    if team is None:
        raise CommandError(f"Okänt team: {name}")
    return team


class Command(BaseCommand):
    help = (
        "Styrelsens tabell (SPEC §9) för ett team och en period: CSV på standard ut, "
        "eller CSV/Excel/PDF till en fil med --output. Exakta antal (för enhetschefen)."
    )

    def add_arguments(self, parser):
        # Validated in handle(), so that every bad input gives one line and exit status 1.
        parser.add_argument("--team", help="Teamets namn, t.ex. Rehabteamet.")
        parser.add_argument("--from", dest="date_from", help="Första dag, ÅÅÅÅ-MM-DD.")
        parser.add_argument("--to", dest="date_to", help="Sista dag, ÅÅÅÅ-MM-DD.")
        parser.add_argument("--format", default="csv", help="csv (standard), xlsx eller pdf.")
        parser.add_argument("--output", help="Fil att skriva (krävs för xlsx och pdf).")

    def handle(self, *args, team, date_from, date_to, format, output, **options):
        if format not in FORMATS:
            raise CommandError(f"Okänt format: {format} (välj csv, xlsx eller pdf).")
        date_from = _date(date_from, "--from")
        date_to = _date(date_to, "--to")
        if date_from > date_to:
            raise CommandError(f"--from {date_from} ligger efter --to {date_to}.")
        if format != "csv" and not output:
            raise CommandError(f"--format {format} kräver --output FIL.")
        target = None
        if output:
            target = Path(output)
            if not target.parent.is_dir():
                raise CommandError(f"Mappen för --output finns inte: {target.parent}")
            if target.is_dir():
                raise CommandError(f"--output är en mapp, inte en fil: {target}")
        team = _team(team)

        view = present(board_table(teams=[team], date_from=date_from, date_to=date_to), exact=True)
        if format == "csv":
            body = exports.board_csv(view).encode("utf-8")
        else:
            note = BoardNote.objects.filter(
                team=team, date_from=date_from, date_to=date_to
            ).first()
            heading = exports.ReportHeading(
                scope_label=team.name,
                team_names=[team.name],
                date_from=date_from,
                date_to=date_to,
                made=timezone.localdate(),
                note=note.text if note else "",
            )
            writer = exports.board_xlsx if format == "xlsx" else exports.board_pdf
            body = writer(view, heading, board_budget(team, date_to, exact=True))

        if target is None:
            self.stdout.write(body.decode("utf-8"), ending="")
            return
        _write_whole(target, body)


def _write_whole(target: Path, body: bytes):
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"Kunde inte skriva {target}: {error.strerror}") from None
