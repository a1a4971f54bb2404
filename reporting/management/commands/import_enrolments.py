"""SPEC §12: `import_enrolments FILE --team NAME [--dry-run]`."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rehab.models import Team
from reporting import imports as importing
from reporting.spreadsheet import MAX_FILE_BYTES, TOO_LARGE


class Command(BaseCommand):
    help = (
        "Importerar inskrivningar från en CSV-fil (komma eller semikolon, UTF-8 med eller utan "
        "BOM) eller en Excel-fil (.xlsx) med rubrikraden "
        + ", ".join(importing.COLUMNS)
        + ". Alla rader eller ingen: finns något fel skrivs varje felaktig rad ut med "
        "radnummer, inget sparas och kommandot avslutas med status 1. " + importing.REIMPORT_RULE
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="CSV- eller XLSX-fil att importera.")
        parser.add_argument("--team", required=True, help="Teamets namn, t.ex. Rehabteamet.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Kontrollera filen och visa vad som skulle importeras, utan att spara.",
        )

    def handle(self, *args, file, team, dry_run, **options):
        team_obj = _team(team)
        path = Path(file)
        try:
            if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(TOO_LARGE)
            content = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"Filen finns inte: {file}") from None
        except IsADirectoryError:
            raise CommandError(f"{file} är en mapp, inte en fil.") from None
        except OSError as e:
            raise CommandError(f"Filen {file} kunde inte läsas: {e.strerror}.") from None
        try:
            rows = importing.parse_file(content, path.name)
        except importing.ImportFileError as e:
            raise CommandError(str(e)) from None

        plan = importing.validate_rows(rows, team=team_obj, today=timezone.localdate())
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(plan.errors)} fel på {plan.error_lines} av {len(rows)} rader; "
                "inget importerades."
            )
        for notice in plan.notices:
            self.stderr.write(f"Obs: {notice}")
        for warning in plan.warnings:
            self.stderr.write(f"Varning: {warning}")

        if dry_run:
            self.stdout.write(
                importing.summary(
                    enrolments=plan.new_enrolments,
                    participants=plan.new_participants,
                    unchanged=plan.unchanged,
                    dry_run=True,
                )
            )
            return
        try:
            result = importing.import_apply(
                plan,
                team=team_obj,
                by=None,
                file_hash=importing.file_sha256(content),
                channel="kommandorad",
            )
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from None
        self.stdout.write(
            importing.summary(
                enrolments=result.created_enrolments,
                participants=result.created_participants,
                unchanged=result.unchanged,
            )
        )


def _team(name):
    team = Team.objects.filter(name=name).first()
    if team is None:
        matches = list(Team.objects.filter(name__iexact=name)[:2])
        team = matches[0] if len(matches) == 1 else None
    if team is None:
        raise CommandError(f"Okänt team: {name!r}.")
    refusal = importing.team_refusal(team)
    if refusal:
        raise CommandError(refusal)
    return team
