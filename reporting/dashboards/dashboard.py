"""The dashboards of förbund, steering group and unit manager (SPEC §9–§11): reads only.

`dashboard(scope, year, ...)` computes every figure for one team or all teams a user may
aggregate, for the year so far (January 1 to today, or to December 31 for a past year). All
counting runs in the database in a fixed number of queries whatever the number of
participants: the board table of reporting/board/tables.py (reused for outcomes and targets),
two grouped queries for the starts and exits per month (the active participants at 24 month
ends and the monthly inflow and exits are both read from them), one for the modules'
occupancy and waiting lists, one for referrals per source and four for the median
waiting times (window functions), plus the budget follow-up of each team.

Disclosure control (SPEC §11) is applied once, here, over every count of the page as one linked
system (see reporting/disclosure.py): the board's own sums, the months adding up to the
period's totals, K + M + X = total, and the balance between the active counts of two month ends
and the month's new ones and exits. The page, the chart data and the CSV files all render the
same disclosure-controlled `Figure`s (laid out in reporting/dashboards/figures.py), so none
shows more than another.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth

from common.cells import COUNT, cell_text
from modules.models import Module, Placement, WaitingListEntry
from referrals.models import Referral
from rehab.models import Enrolment, Referrer, Team, valid_q
from reporting.board.presentation import linked_counts, present
from reporting.board.tables import COLUMNS, GENDERS, TOTAL, board_table, mean
from reporting.budget.followup import budget_followups
from reporting.dashboards.figures import (
    FIGURE_KEYS,
    LEGEND,
    REFERRAL_MEASURES,
    Cell,
    Figure,
    active_figure,
    as_days,
    budget_figure,
    flow_figure,
    occupancy_figure,
    outcome_figure,
    referral_figure,
    target_figure,
    waiting_figure,
)
from reporting.disclosure import BALANCE, COMPLEMENT, HIDDEN, SMALL, TOTAL_FIRST, suppress_linked
from reporting.scopes import Scope

__all__ = ["FIGURE_KEYS", "Dashboard", "dashboard"]

MONTHS_BACK = 24


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    year: int
    date_from: date
    as_of: date
    exact: bool
    active_now: Cell
    figures: list[Figure]
    notes: list[str] = field(default_factory=list)

    @property
    def legend(self) -> str:
        return "" if self.exact else LEGEND

    @property
    def active_now_text(self) -> str:
        return cell_text(self.active_now, COUNT)

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


# --- Months ---------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_back(as_of: date, n: int) -> list[tuple[int, int]]:
    months = []
    y, m = as_of.year, as_of.month
    for _ in range(n):
        months.insert(0, (y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return months


# --- Queries --------------------------------------------------------------------------------


def _enrolments(teams):
    return Enrolment.objects.valid().filter(team__in=teams)


@dataclass(frozen=True)
class MonthCounts:
    """Enrolments by calendar month and gender of their start, and of their exit, up to the
    as-of date: {(year, month): {"K": n, "M": n, "X": n}}."""

    starts: dict
    exits: dict

    def new(self, year: int, month: int) -> dict[str, int]:
        return _with_total(self.starts.get((year, month), {}))

    def exited(self, year: int, month: int) -> dict[str, int]:
        return _with_total(self.exits.get((year, month), {}))


def _with_total(by_gender: dict) -> dict[str, int]:
    values = {g: by_gender.get(g, 0) for g in GENDERS}
    values[TOTAL] = sum(values.values())
    return values


def month_counts(teams, as_of: date) -> MonthCounts:
    """Two grouped queries (starts and exits per month and gender), whatever the data size.
    Both the active counts and the monthly flows are read from them."""
    base = _enrolments(teams).order_by()
    result = []
    for date_field in ("start_date", "exit_date"):
        grouped = (
            base.filter(**{f"{date_field}__lte": as_of})
            .annotate(month=TruncMonth(date_field))
            .values_list("month", "participant__gender")
            .annotate(n=Count("pk"))
        )
        by_month: dict = {}
        for month, gender, n in grouped:
            by_month.setdefault((month.year, month.month), {})[gender] = n
        result.append(by_month)
    return MonthCounts(starts=result[0], exits=result[1])


def active_series(counts: MonthCounts, months: list[tuple[int, int]]) -> list[dict[str, int]]:
    """Active enrolments at the end of each month (the last one ending at the as-of date),
    per gender and in total.

    Active at the end of day d means started on or before d and not exited by then, so
    active(d) = started by d − exited by d (an exit is never before its start). Someone who
    exits on the last day of a month is not active at that month's end: they are not among
    "aktiva vid periodens ingång" of the month after (SPEC §9)."""
    first = months[0]
    running = dict.fromkeys(COLUMNS, 0)
    for ym in sorted(set(counts.starts) | set(counts.exits)):
        if ym < first:
            started, exited = counts.new(*ym), counts.exited(*ym)
            for c in COLUMNS:
                running[c] += started[c] - exited[c]
    series = []
    for y, m in months:
        started, exited = counts.new(y, m), counts.exited(y, m)
        for c in COLUMNS:
            running[c] += started[c] - exited[c]
        series.append(dict(running))
    return series


def monthly_flows(counts: MonthCounts, date_from: date, as_of: date) -> list[dict]:
    """New enrolments and exits per month from `date_from` to `as_of` (the last month ends
    at `as_of`), per gender."""
    return [
        {
            "year": date_from.year,
            "month": m,
            "new": counts.new(date_from.year, m),
            "exits": counts.exited(date_from.year, m),
        }
        for m in range(date_from.month, as_of.month + 1)
    ]


def module_load(teams, as_of: date):
    """Each module with its places taken and its waiting list on `as_of`: one query. The two
    counts are subqueries, not joins: joining placements and waiting-list entries together
    would multiply their rows."""
    held = (
        Placement.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=as_of),
            valid_q("enrolment__"),
            module=OuterRef("pk"),
            start_date__lte=as_of,
        )
        .order_by()
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waiting = (
        WaitingListEntry.objects.filter(
            Q(removed_date__isnull=True) | Q(removed_date__gt=as_of),
            valid_q("enrolment__"),
            module=OuterRef("pk"),
            added_date__lte=as_of,
        )
        .order_by()
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Module.objects.filter(team__in=teams)
        .select_related("team")
        .annotate(
            occupied=Coalesce(Subquery(held, output_field=IntegerField()), 0),
            waiting_count=Coalesce(Subquery(waiting, output_field=IntegerField()), 0),
        )
        .order_by("team__name", "order", "name")
    )


def _days(expression_from: str, expression_to: str):
    return ExpressionWrapper(F(expression_to) - F(expression_from), output_field=DurationField())


def referral_stats(teams, date_from: date, as_of: date) -> dict:
    """Referrals received in the period per source: how many, how many decided and started,
    with the summed waiting days for the means (one query) and the medians (four)."""
    received = Referral.objects.filter(team__in=teams, received_date__range=(date_from, as_of))
    decided = Q(decided_date__isnull=False)
    started = Q(status=Referral.Status.ENROLLED, enrolment__isnull=False) & valid_q("enrolment__")
    rows = {
        row.pop("source"): row
        for row in received.values("source")
        .annotate(
            n=Count("pk"),
            decided=Count("pk", filter=decided),
            started=Count("pk", filter=started),
            decided_days=Sum(_days("received_date", "decided_date"), filter=decided),
            started_days=Sum(_days("received_date", "enrolment__start_date"), filter=started),
        )
        .order_by("source")
    }
    medians = {
        "decided": _medians(received.filter(decided), _days("received_date", "decided_date")),
        "started": _medians(
            received.filter(started), _days("received_date", "enrolment__start_date")
        ),
    }
    return {"rows": rows, "medians": medians}


def _medians(queryset, days) -> dict[str, Decimal | None]:
    """Median waiting days per source and in total, in the database: each partition's middle
    row (or two) picked with window functions, so only those rows leave the database."""
    result: dict[str, Decimal | None] = {}
    for partition, key in ((["source"], "source"), ([], None)):
        ranked = (
            queryset.annotate(days=days)
            .annotate(
                rn=Window(
                    RowNumber(),
                    partition_by=[F(p) for p in partition] or None,
                    order_by=[F("days").asc(), F("pk").asc()],
                ),
                cnt=Window(Count("pk"), partition_by=[F(p) for p in partition] or None),
            )
            .filter(rn__gte=(F("cnt") + 1) / 2, rn__lte=(F("cnt") + 2) / 2)
            .values_list("source" if key else "cnt", "days")
        )
        middles: dict[str, list[int]] = {}
        for group, value in ranked:
            middles.setdefault(group if key else TOTAL, []).append(as_days(value))
        for group, values in middles.items():
            result[group] = mean(sum(values), len(values))
    return result


# --- The dashboard --------------------------------------------------------------------------


def period(year: int, today: date) -> tuple[date, date]:
    """January 1 to today in the current year, the whole year for a past one."""
    return date(year, 1, 1), min(today, date(year, 12, 31))


def dashboard(scope: Scope, year: int, *, exact: bool, today: date) -> Dashboard:
    teams = list(scope.teams)
    date_from, as_of = period(year, today)
    table = board_table(teams=teams, date_from=date_from, date_to=as_of)
    months = _months_back(as_of, MONTHS_BACK)
    points = [min(_month_end(y, m), as_of) for y, m in months]
    by_month = month_counts(teams, as_of)
    active = active_series(by_month, months)
    flows = monthly_flows(by_month, date_from, as_of)
    modules = module_load(teams, as_of)
    referrals = referral_stats(teams, date_from, as_of)

    counts, equations = linked_counts(table)
    _link_active(counts, equations, active)
    _link_flows(counts, equations, flows, months)
    for module in modules:
        counts[("occ", module.pk)] = module.occupied
        counts[("wait", module.pk)] = module.waiting_count
    _link_referrals(counts, equations, referrals["rows"])
    if exact:
        shown = dict(counts)
    else:
        shown = {
            k: v if v in (SMALL, HIDDEN) else int(v)
            for k, v in suppress_linked(counts, equations).items()
        }

    several = len(teams) > 1
    view = present(table, exact=exact)
    figures = [
        active_figure(shown, points, as_of, today),
        flow_figure(shown, flows),
        occupancy_figure(shown, modules, several),
        waiting_figure(shown, modules, several),
        outcome_figure(shown),
        target_figure(view),
        referral_figure(shown, referrals, exact),
    ]
    notes: list[str] = []
    burn = budget_figure(_budget_followups(teams, year, as_of, notes), year, as_of)
    if burn is not None:
        figures.append(burn)
    return Dashboard(
        scope=scope,
        year=year,
        date_from=date_from,
        as_of=as_of,
        exact=exact,
        active_now=shown[("a", len(points) - 1, TOTAL)],
        figures=figures,
        notes=notes,
    )


def _link_active(counts, equations, active):
    for i, values in enumerate(active):
        for c in COLUMNS:
            counts[("a", i, c)] = values[c]
        equations.append((("a", i, TOTAL), [("a", i, g) for g in GENDERS], TOTAL_FIRST))


def _link_flows(counts, equations, flows, months):
    index = {ym: i for i, ym in enumerate(months)}
    for flow in flows:
        m = flow["month"]
        for kind, values in (("n", flow["new"]), ("x", flow["exits"])):
            for c in COLUMNS:
                counts[(kind, m, c)] = values[c]
            equations.append(((kind, m, TOTAL), [(kind, m, g) for g in GENDERS], TOTAL_FIRST))
        # Active at this month's end + its exits = active at the last month's end + its new.
        i = index[(flow["year"], m)]
        if i > 0:
            for c in COLUMNS:
                terms = [("a", i, c), ("x", m, c), ("a", i - 1, c), ("n", m, c)]
                equations.append((None, terms, BALANCE))
    # The months add up to the period's totals, which the board table holds.
    for c in COLUMNS:
        equations.append(
            (("t", "nya_under_perioden", c), [("n", f["month"], c) for f in flows], COMPLEMENT)
        )
        equations.append(
            (("t", "avslut_totalt", c), [("x", f["month"], c) for f in flows], COMPLEMENT)
        )


def _link_referrals(counts, equations, rows):
    sources = Referrer.values
    for measure in REFERRAL_MEASURES:
        for source in sources:
            counts[("r", measure, source)] = rows.get(source, {}).get(measure, 0)
        counts[("r", measure, TOTAL)] = sum(counts[("r", measure, s)] for s in sources)
        equations.append((("r", measure, TOTAL), [("r", measure, s) for s in sources], COMPLEMENT))


def _budget_followups(teams: Iterable[Team], year: int, as_of: date, notes: list[str]):
    teams = list(teams)
    by_team = budget_followups(teams, year, as_of=as_of)  # four queries for all the teams
    followups = []
    for team in teams:
        followup = by_team[team.pk]
        if followup is None:
            notes.append(f"{team.name} har ingen budget för {year}.")
        else:
            followups.append(followup)
    return followups
