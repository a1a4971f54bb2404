"""The forecast of participants for the next calendar year (SPEC §13 rule 13), on the board
report and the dashboards.

The rule, stated once (the pages and the README repeat it):

- The forecast year is the year after Y, where Y is the year of the board report's period end
  or the dashboard's year.
- Active at the end of Y: enrolments (not registered in error) started on or before the date
  with no exit on or before it. The date is December 31 of Y, or today while Y is still under
  way (the end of the year is not known yet; those active today are the best estimate).
- Inflow: new enrolments (start date in the year) in each of the two full calendar years
  before Y, Y − 2 and Y − 1. A year before the teams' first enrolment is no history and is
  left out: with one year of history that year's inflow is used alone, with none the forecast
  is the active count alone.
- Forecast = active + the mean yearly inflow, rounded to a whole participant with halves
  away from zero (12 + (20 + 25) / 2 = 34.5 → 35).
- For förbund and steering-group users the inputs are counts under the disclosure control
  (SPEC §11): a count from 1 to T − 1 shows as "<T", and then the forecast is hidden ("–"),
  since it would give the hidden count back. On the board report the active count is also
  withheld where it would let a reader work out a hidden count of the page (the active count
  at the period's end is the period's active minus its exits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Min, Q
from django.db.models.functions import ExtractYear

from common.cells import Cell
from rehab.models import Enrolment
from reporting.board import aggregates
from reporting.disclosure import DEFAULT_THRESHOLD, HIDDEN, is_small, small_label

RULE = (
    "Prognos för nästa år = antal aktiva vid årets slut + medelinflödet (nya deltagare per år) "
    "de två senaste hela kalenderåren, avrundat till helt antal. Pågår året räknas de som är "
    "aktiva i dag. År före teamets första inskrivning räknas inte: finns bara ett helt år "
    "används det årets inflöde, finns inget är prognosen antalet aktiva."
)


def _round_whole(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Forecast:
    """The arithmetic of the forecast: inputs and result, no presentation."""

    year: int  # the year forecast (Y + 1)
    as_of: date  # the date the active count is taken on
    active: int
    inflow: tuple[tuple[int, int], ...]  # (year, new enrolments) for each year of history used
    value: int

    @property
    def mean_inflow(self) -> Decimal | None:
        if not self.inflow:
            return None
        return Decimal(sum(n for _y, n in self.inflow)) / len(self.inflow)


def forecast_participants(
    *, year: int, as_of: date, active: int, inflow: dict[int, int], first_year: int | None
) -> Forecast:
    """The forecast for year + 1 from the active count on `as_of` and the new enrolments per
    year (`inflow`, years missing count 0); years before `first_year` (the year of the first
    enrolment; None: there is none) are no history. Pure arithmetic."""
    if active < 0 or any(n < 0 for n in inflow.values()):
        raise ValueError("Antal kan inte vara negativa.")
    used = tuple(
        (y, inflow.get(y, 0))
        for y in (year - 2, year - 1)
        if first_year is not None and y >= first_year
    )
    mean = Decimal(sum(n for _y, n in used)) / len(used) if used else Decimal(0)
    return Forecast(
        year=year + 1,
        as_of=as_of,
        active=active,
        inflow=used,
        value=_round_whole(Decimal(active) + mean),
    )


def forecast_as_of(year: int, today: date) -> date:
    """December 31 of the year, or today while the year is under way."""
    return min(date(year, 12, 31), today)


def forecast_for(teams, year: int, today: date) -> Forecast:
    """The forecast for `teams` together after `year`, from the aggregate tables
    (reporting/board/aggregates.py `monthly`: the starts and exits per month from two years
    back and their sums before): a few queries whatever the history's length.
    `direct_forecast_for` computes the same from the enrolments."""
    teams = list(teams)
    as_of = forecast_as_of(year, today)
    by_month, before = aggregates.monthly(teams, date(year - 2, 1, 1), as_of)
    active = sum(v if m == "start" else -v for (_g, m), v in before.items())
    inflow: dict[int, int] = {}
    started_in = set()
    for (month, _gender, measure), n in by_month.items():
        if measure == "start":
            active += n
            if n:
                started_in.add(month.year)
            if month.year in (year - 2, year - 1):
                inflow[month.year] = inflow.get(month.year, 0) + n
        else:
            active -= n
    # Only whether the first start was before year − 2, or else its year, decides which years
    # are history (`forecast_participants`); a first start after `as_of` uses none, as no year.
    if any(v for (_g, m), v in before.items() if m == "start"):
        first_year = year - 2
    else:
        first_year = min(started_in, default=None)
    return forecast_participants(
        year=year,
        as_of=as_of,
        active=active,
        inflow={y: n for y, n in inflow.items() if n},
        first_year=first_year,
    )


def direct_forecast_for(teams, year: int, today: date) -> Forecast:
    """`forecast_for` computed from the enrolments (two queries; the aggregates' check)."""
    teams = list(teams)
    as_of = forecast_as_of(year, today)
    enrolments = Enrolment.objects.valid().filter(team__in=teams).order_by()
    summary = enrolments.aggregate(
        first=Min("start_date"),
        active=Count(
            "pk",
            filter=Q(start_date__lte=as_of) & (Q(exit_date__isnull=True) | Q(exit_date__gt=as_of)),
        ),
    )
    inflow = dict(
        enrolments.filter(start_date__year__in=(year - 2, year - 1))
        .annotate(start_year=ExtractYear("start_date"))
        .values("start_year")
        .annotate(n=Count("pk"))
        .values_list("start_year", "n")
    )
    first = summary["first"]
    return forecast_participants(
        year=year,
        as_of=as_of,
        active=summary["active"],
        inflow=inflow,
        first_year=first.year if first else None,
    )


# --- What a viewer sees -----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastView:
    forecast: Forecast
    active: int | str
    inflow: tuple[tuple[int, int | str], ...]
    value: int | str
    threshold: int = DEFAULT_THRESHOLD

    rule = RULE

    @property
    def hidden(self) -> bool:
        return self.value == HIDDEN

    @property
    def as_of_text(self) -> str:
        d = self.forecast.as_of
        if (d.month, d.day) == (12, 31):
            return f"31 dec {d.year}"
        return f"{d:%Y-%m-%d}"

    @property
    def formula(self) -> str:
        """In figures: "12 aktiva 31 dec 2024 + (20 + 24) / 2 = 34"."""
        active = f"{self.active} aktiva {self.as_of_text}"
        if len(self.inflow) == 2:
            inflow = f" + ({self.inflow[0][1]} + {self.inflow[1][1]}) / 2"
        elif len(self.inflow) == 1:
            inflow = f" + {self.inflow[0][1]}"
        else:
            inflow = ""
        return f"{active}{inflow} = {self.value}"

    @property
    def words(self) -> str:
        """The formula in words, with the years used."""
        f = self.forecast
        years = [y for y, _n in f.inflow]
        if len(years) == 2:
            inflow = f"medelinflödet {years[0]}–{years[1]} (nya deltagare per år)"
        elif len(years) == 1:
            inflow = (
                f"inflödet {years[0]} (nya deltagare; bara ett helt år finns, "
                f"inget före {years[0]})"
            )
        else:
            return (
                f"Aktiva {self.as_of_text}. Det finns inga hela år med inflöde före "
                f"{f.year - 1} ännu, så prognosen är antalet aktiva."
            )
        return f"Aktiva {self.as_of_text} + {inflow}."

    @property
    def note(self) -> str:
        if not self.hidden:
            return ""
        return (
            f"Prognosen döljs (”{HIDDEN}”) eftersom den bygger på ett antal från 1 till "
            f"{self.threshold - 1}, som då skulle kunna räknas fram."
        )


def present_forecast(
    forecast: Forecast,
    *,
    exact: bool,
    threshold: int = DEFAULT_THRESHOLD,
    linked: tuple[Cell, ...] = (),
    active_cell: Cell | None = None,
    inflow_cells: dict[int, Cell] | None = None,
) -> ForecastView:
    """The forecast as a viewer sees it. For aggregate users a small input shows as "<T" and
    hides the forecast; `linked` are the page's cells that, with the active count, would give
    a hidden count back (the board's active in the period and exits): if any of them is not
    shown as a number, the active count and the forecast are hidden too. A page that runs
    the inputs through its own linked disclosure control passes their cells as it shows them
    (`active_cell`, `inflow_cells`)."""
    if exact:
        return ForecastView(forecast, forecast.active, forecast.inflow, forecast.value, threshold)

    def shown(count: int) -> int | str:
        return small_label(threshold) if is_small(count, threshold) else count

    active: Cell = shown(forecast.active) if active_cell is None else active_cell
    if any(not isinstance(cell, int) for cell in linked):
        active = HIDDEN
    inflow_cells = inflow_cells or {}
    inflow = tuple((y, inflow_cells.get(y, shown(n))) for y, n in forecast.inflow)
    withheld = not isinstance(active, int) or any(not isinstance(n, int) for _y, n in inflow)
    value: int | str = HIDDEN if withheld else forecast.value
    return ForecastView(forecast, active, inflow, value, threshold)
