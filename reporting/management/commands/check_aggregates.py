"""`manage.py check_aggregates`: compares the board's aggregate tables with the direct
computation from the enrolments, per team and per förbund (reporting/board/aggregates.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rehab.models import Enrolment, Forbund, Team
from reporting.board import aggregate_check


class Command(BaseCommand):
    help = (
        "Jämför styrelsetabellens aggregat med en direkt beräkning från inskrivningarna: "
        "varje månad, halvår och år, för varje team och varje förbunds alla team. Avslutar "
        "med fel om något skiljer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ar", type=int, action="append", default=[], help="År att jämföra (alla annars)."
        )

    def handle(self, *args, ar, **options):
        years = ar or _years()
        scopes = [(team.name, [team]) for team in Team.objects.order_by("name")]
        for forbund in Forbund.objects.order_by("name"):
            teams = list(Team.objects.filter(forbund=forbund).order_by("name"))
            if len(teams) > 1:
                scopes.append((f"{forbund.name} (alla team)", teams))
        compared, wrong = 0, []
        for label, teams in scopes:
            for year in years:
                for date_from, date_to in aggregate_check.periods(year):
                    compared += 1
                    for difference in aggregate_check.differences(teams, date_from, date_to):
                        wrong.append(f"{label} {date_from}–{date_to}: {difference}")
        for line in wrong:
            self.stderr.write(line)
        if wrong:
            raise CommandError(f"{len(wrong)} skillnader i {compared} jämförda perioder.")
        self.stdout.write(f"Aggregaten stämmer: {compared} perioder jämförda.")


def _years() -> list[int]:
    first = Enrolment.objects.order_by("start_date").values_list("start_date", flat=True).first()
    today = timezone.localdate()
    return list(range(first.year, today.year + 1)) if first else [today.year]
