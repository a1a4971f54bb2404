"""`manage.py rebuild_aggregates`: the board's aggregate tables from scratch
(reporting/board/aggregates.py)."""

from django.core.management.base import BaseCommand, CommandError

from rehab.models import Team
from reporting.board import aggregates


class Command(BaseCommand):
    help = (
        "Räknar om styrelsetabellens aggregat (antal per team, månad och kön) från "
        "inskrivningarna, för alla team eller de valda."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", action="append", default=[], help="Teamets namn.")

    def handle(self, *args, team, **options):
        team_ids = None
        if team:
            found = dict(Team.objects.filter(name__in=team).values_list("name", "pk"))
            missing = sorted(set(team) - set(found))
            if missing:
                raise CommandError(f"Okänt team: {', '.join(missing)}.")
            team_ids = list(found.values())
        rows = aggregates.rebuild(team_ids)
        self.stdout.write(f"Aggregaten är omräknade: {rows} rader.")
