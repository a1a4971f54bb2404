"""The dashboards of förbund, steering group and unit manager (SPEC §9–§11): reads only.

`dashboard(scope, year, ...)` computes every figure for one team or all teams a user may
aggregate, for the year so far (January 1 to today, or to December 31 for a past year). All
counting runs in the database in a fixed number of queries whatever the number of
participants: the board table of reporting/board/tables.py (reused for outcomes, targets, the
follow-ups after exit and the consultations per agency and month),
the starts and exits per month from the aggregate tables (the active participants at 24
month ends and the monthly inflow and exits are both read from them), the modules' occupancy
and waiting lists from them too, one grouped query for the referrals per source with their
waiting times (counts, sums and medians), plus the budget follow-up of all the teams together. The
key figures' comparison with the same days last year runs the board table, the module load
and the budget follow-up once more for that period (reporting/dashboards/glance.py lays the
cards out).

Disclosure control (SPEC §11) is applied once, here, over every count of the page as one linked
system (see reporting/disclosure.py): the board's own sums, the months adding up to the
period's totals, K + M + X = total, and the balance between the active counts of two month ends
and the month's new ones and exits; last year's key figures are counts of the same system.
The page, the chart data and the CSV files all render the same disclosure-controlled
`Figure`s (laid out in reporting/dashboards/figures.py), so none shows more than another.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from common.cells import COUNT, Cell, cell_text, is_withheld
from common.queries import DaysBetween
from modules.models import Module, Placement, WaitingListEntry
from referrals.models import Referral
from rehab.models import Enrolment, Referrer, Team, valid_q
from reporting.board import aggregates
from reporting.board.presentation import (
    HEADLINES,
    linked_counts,
    present,
    present_case_meetings,
    present_consultations,
    present_followup,
    view_of,
)
from reporting.board.tables import COLUMNS, GENDERS, TOTAL, board_table, mean
from reporting.budget.followup import budget_followups, share_used
from reporting.dashboards.figures import (
    FIGURE_KEYS,
    REFERRAL_MEASURES,
    Figure,
    active_figure,
    budget_figure,
    case_meeting_figure,
    consultation_figure,
    flow_figure,
    followup_figure,
    legend,
    occupancy_figure,
    outcome_figure,
    referral_figure,
    straight_line,
    target_figure,
    waiting_figure,
)
from reporting.dashboards.glance import (
    KeyFigure,
    budget_card,
    count_card,
    target_card,
)
from reporting.disclosure import (
    BALANCE,
    COMPLEMENT,
    DEFAULT_THRESHOLD,
    HIDDEN,
    TOTAL_FIRST,
    as_cell,
    suppress_linked,
)
from reporting.forecast import ForecastView, forecast_for, present_forecast
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
    key_figures: list[KeyFigure] = field(default_factory=list)
    last_year_from: date | None = None
    last_year_to: date | None = None
    threshold: int = DEFAULT_THRESHOLD
    forecast: ForecastView | None = None

    @property
    def legend(self) -> str:
        return "" if self.exact else legend(self.threshold)

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


# The key of MonthCounts' sums of every month before the ones it holds.
EARLIER = (0, 0)


def month_counts(teams, as_of: date) -> MonthCounts:
    """Starts and exits per month and gender from the aggregate tables
    (reporting/board/aggregates.py `monthly`: two queries whatever the history's length),
    from 24 months back to `as_of`; the months before are summed under `EARLIER`. Both the
    active counts and the monthly flows are read from them."""
    year, month = _months_back(as_of, MONTHS_BACK)[0]
    since = date(year, month, 1)
    by_month, before = aggregates.monthly(teams, since, as_of)
    result: dict[str, dict] = {"start": {}, "exit": {}}
    for (gender, measure), n in before.items():
        if n:
            result[measure].setdefault(EARLIER, {})[gender] = n
    for (month, gender, measure), n in by_month.items():
        if n:
            result[measure].setdefault((month.year, month.month), {})[gender] = n
    return MonthCounts(starts=result["start"], exits=result["exit"])


def direct_month_counts(teams, as_of: date) -> MonthCounts:
    """`month_counts` computed from the enrolments, every month (the aggregates' check)."""
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
    """Each module with its places taken (`occupied`) and its waiting list (`waiting_count`)
    on `as_of`, from the aggregate tables (`aggregates.module_stocks`: a few queries whatever
    the history's length). `direct_module_load` counts the same from the placements."""
    modules = list(
        Module.objects.filter(team__in=teams)
        .select_related("team")
        .order_by("team__name", "order", "name")
    )
    stocks = aggregates.module_stocks(teams, [m.pk for m in modules], as_of)
    for module in modules:
        module.occupied = stocks.get(("p", module.pk), 0)
        module.waiting_count = stocks.get(("w", module.pk), 0)
    return modules


def direct_module_load(teams, as_of: date):
    """`module_load` from the placements and waiting-list entries (one query; the
    aggregates' check). The two counts are subqueries, not joins: joining placements and
    waiting-list entries together would multiply their rows."""
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


def referral_stats(teams, date_from: date, as_of: date) -> dict:
    """Referrals received in the period per source: how many, how many decided and started,
    with the summed waiting days for the means and the medians. Where the teams include an
    En väg in entry, also how many had an introductory conversation and the summed days from
    received to it (SPEC §13 rule 4).

    One grouped query: the referrals counted per source and combination of waiting days
    (to the decision, to the start, to the conversation; none where there was none), a few
    thousand rows at most whatever the number of referrals, summed and laid out as
    histograms for the medians here."""
    received = Referral.objects.filter(team__in=teams, received_date__range=(date_from, as_of))
    with_intro = any(team.is_triage for team in teams)
    # The start of a valid enrolment, looked up by key for the enrolled referrals only: a
    # join made PostgreSQL read every enrolment of the installation.
    valid_start = Subquery(
        Enrolment.objects.valid().filter(pk=OuterRef("enrolment_id")).values("start_date")[:1],
        output_field=DateField(),
    )
    # Whole days, counted in the database; none to the decision exactly where there is no
    # decision, none to the start where the referral led to no valid enrolment.
    waits = {
        "decided": DaysBetween("received_date", "decided_date"),
        "started": Case(
            When(
                Q(status=Referral.Status.ENROLLED, enrolment__isnull=False),
                then=DaysBetween("received_date", valid_start),
            ),
            default=None,
            output_field=IntegerField(),
        ),
    }
    if with_intro:
        waits["intro"] = Case(
            When(
                Q(intro_date__isnull=False, intro_date__lte=as_of),
                then=DaysBetween("received_date", "intro_date"),
            ),
            default=None,
            output_field=IntegerField(),
        )
    grouped = (
        received.annotate(**{f"{w}_wait": expression for w, expression in waits.items()})
        .values_list("source", *(f"{w}_wait" for w in waits))
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows: dict[str, dict] = {}
    histograms: dict[str, dict[str, dict[int, int]]] = {"decided": {}, "started": {}}
    for source, *days, n in grouped:
        row = rows.setdefault(source, {"n": 0, **{m: 0 for w in waits for m in (w, f"{w}_days")}})
        row["n"] += n
        for w, value in zip(waits, days, strict=True):
            if value is None:
                continue
            row[w] += n
            row[f"{w}_days"] += value * n
            if w in histograms:
                for group in (source, TOTAL):
                    histogram = histograms[w].setdefault(group, {})
                    histogram[value] = histogram.get(value, 0) + n
    medians = {
        w: {group: _median(histogram) for group, histogram in by_group.items()}
        for w, by_group in histograms.items()
    }
    return {"rows": dict(sorted(rows.items())), "medians": medians, "intro": with_intro}


def _median(histogram: dict[int, int]) -> Decimal | None:
    """The median of values counted in `histogram` ({value: how many}): the middle value,
    or the mean of the two middle ones."""
    count = sum(histogram.values())
    wanted = sorted({(count + 1) // 2, (count + 2) // 2})  # 1-based positions
    middles, seen = [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] <= seen:
            middles.append(value)
            wanted.pop(0)
    return mean(sum(middles), len(middles))


# --- The dashboard --------------------------------------------------------------------------


def period(year: int, today: date) -> tuple[date, date]:
    """January 1 to today in the current year, the whole year for a past one."""
    return date(year, 1, 1), min(today, date(year, 12, 31))


def same_period_last_year(date_from: date, as_of: date) -> tuple[date, date]:
    """The same days one year earlier: January 1 to the same day and month (February 29 →
    February 28)."""
    try:
        to = as_of.replace(year=as_of.year - 1)
    except ValueError:
        to = as_of.replace(year=as_of.year - 1, day=28)
    return date_from.replace(year=date_from.year - 1), to


def dashboard(scope: Scope, year: int, *, exact: bool, today: date) -> Dashboard:
    """Every figure of the dashboard (the aggregates' guard checked once for all of them)."""
    with aggregates.checked_once():
        return _dashboard(scope, year, exact=exact, today=today)


def _dashboard(scope: Scope, year: int, *, exact: bool, today: date) -> Dashboard:
    teams = list(scope.teams)
    threshold = scope.threshold
    date_from, as_of = period(year, today)
    table = board_table(teams=teams, date_from=date_from, date_to=as_of)
    months = _months_back(as_of, MONTHS_BACK)
    points = [min(_month_end(y, m), as_of) for y, m in months]
    by_month = month_counts(teams, as_of)
    active = active_series(by_month, months)
    flows = monthly_flows(by_month, date_from, as_of)
    modules = module_load(teams, as_of)
    referrals = referral_stats(teams, date_from, as_of)
    # The same inputs for the same days last year (the key figures' comparison): the board
    # table and the modules' waiting lists again, in as many queries as for this year.
    ly_from, ly_as_of = same_period_last_year(date_from, as_of)
    ly_table = board_table(teams=teams, date_from=ly_from, date_to=ly_as_of)
    ly_modules = module_load(teams, ly_as_of)

    counts, equations = linked_counts(table)
    _link_active(counts, equations, active)
    _link_flows(counts, equations, flows, months)
    _link_modules(counts, equations, modules)
    _link_referrals(counts, equations, referrals["rows"], intro=referrals["intro"])
    ly_keys = _link_last_year(counts, equations, ly_table, ly_modules, points)
    forecast = forecast_for(teams, year, today)
    forecast_keys = _link_forecast(counts, equations, forecast, ly_table, ly_keys)
    if exact:
        shown = dict(counts)
    else:
        # SPEC §11.2: on a dashboard the headlines are the board's and active at each month's end.
        headlines = HEADLINES | {("a", i, TOTAL) for i in range(len(points))}
        suppressed = suppress_linked(counts, equations, threshold=threshold, headlines=headlines)
        shown = {k: as_cell(v) for k, v in suppressed.items()}

    several = len(teams) > 1
    targets = view_of(table, shown, exact=exact, threshold=threshold).targets
    ly_exits = {TOTAL: shown[ly_keys["avslut"]]}
    ly_view = present(ly_table, exact=exact, threshold=threshold)
    ly_targets = targets_on_page(ly_view.targets, ly_exits)
    figures = [
        active_figure(shown, points, as_of, today),
        flow_figure(shown, flows),
        occupancy_figure(shown, modules, several),
        waiting_figure(shown, modules, several),
        outcome_figure(shown),
        target_figure(targets),
        # The board table's follow-ups after exit and consultations: their counts are in
        # `linked_counts(table)` above, so `shown` holds them as this page's system allows.
        followup_figure([present_followup(f, shown, exact, threshold) for f in table.followups]),
        referral_figure(shown, referrals, exact, threshold=threshold),
        consultation_figure(present_consultations(table.consultations, shown)),
    ]
    meetings = case_meeting_figure(present_case_meetings(table.case_meetings, shown))
    if meetings is not None:
        figures.append(meetings)
    notes: list[str] = []
    followups = _budget_followups(teams, year, as_of, notes)
    burn = budget_figure(followups, year, as_of)
    if burn is not None:
        figures.append(burn)
    ly_followups = [
        f for f in budget_followups(teams, year - 1, as_of=ly_as_of).values() if f is not None
    ]
    key_figures = [
        *_count_cards(shown, ly_keys, points, flows, as_of, today),
        *_target_cards(targets, ly_targets),
    ]
    if modules:
        key_figures.append(_waiting_card(shown, ly_keys, as_of, today))
    key_figures.append(_budget_card(followups, ly_followups, year, as_of))
    return Dashboard(
        scope=scope,
        year=year,
        date_from=date_from,
        as_of=as_of,
        exact=exact,
        active_now=shown[("a", len(points) - 1, TOTAL)],
        figures=figures,
        notes=notes,
        key_figures=key_figures,
        last_year_from=ly_from,
        last_year_to=ly_as_of,
        threshold=threshold,
        forecast=present_forecast(
            forecast,
            exact=exact,
            threshold=threshold,
            active_cell=shown[("a", len(points) - 1, TOTAL)],
            inflow_cells={y: shown[key] for y, key in forecast_keys.items()},
        ),
    )


def _link_forecast(counts, equations, forecast, ly_table, ly_keys) -> dict:
    """The forecast's yearly inflows in the page's linked system (SPEC §13 rule 13), by year.
    Its active count is the last month end's (the same day). Where last year's period is the
    whole year the inflow of that year is last year's new, so the two are one equation."""
    keys = {}
    for y, n in forecast.inflow:
        keys[y] = ("fc", y, TOTAL)
        counts[keys[y]] = n
        if ly_table.date_from == date(y, 1, 1) and ly_table.date_to == date(y, 12, 31):
            equations.append((keys[y], [ly_keys["nya"]], TOTAL_FIRST))
    return keys


# --- The key figures ------------------------------------------------------------------------

EXIT_BASED_TARGETS = ("stegforflyttning", "arbete_eller_studier")


def targets_on_page(targets, exits: dict[str, Cell]):
    """The board's targets as this page may show them: a share whose base (the period's
    exits, for step movement and work or studies) is withheld on the page is withheld too
    (SPEC §11.4), and then the total's share as well, as in the board's own view. `exits`
    holds the columns of the exits that the page shows."""
    result = []
    for target in targets:
        cells = dict(target.cells)
        if target.key in EXIT_BASED_TARGETS:
            for c, base in exits.items():
                if is_withheld(base) and cells[c] is not None:
                    cells[c] = HIDDEN
            if any(cells.get(g) == HIDDEN for g in GENDERS) and cells[TOTAL] is not None:
                cells[TOTAL] = HIDDEN
        result.append(replace(target, cells=cells))
    return result


def _on(as_of: date, today: date) -> str:
    return "i dag" if as_of == today else as_of.isoformat()


def _count_cards(shown, ly_keys, points, flows, as_of, today):
    last = len(points) - 1
    return [
        count_card(
            "aktiva",
            f"Aktiva {_on(as_of, today)}",
            shown[("a", last, TOTAL)],
            shown[ly_keys["aktiva"]],
            "aktiva",
            compared_to="samma dag i fjol",
            spark=[shown[("a", i, TOTAL)] for i in range(len(points))],
            spark_label="Aktiva vid varje månads slut, 24 månader",
        ),
        count_card(
            "nya",
            "Nya under perioden",
            shown[("t", "nya_under_perioden", TOTAL)],
            shown[ly_keys["nya"]],
            "inflode-och-avslut",
            spark=[shown[("n", f["month"], TOTAL)] for f in flows],
            spark_label="Nya per månad",
        ),
        count_card(
            "avslut",
            "Avslut under perioden",
            shown[("t", "avslut_totalt", TOTAL)],
            shown[ly_keys["avslut"]],
            "inflode-och-avslut",
            spark=[shown[("x", f["month"], TOTAL)] for f in flows],
            spark_label="Avslut per månad",
        ),
    ]


def _waiting_card(shown, ly_keys, as_of, today):
    return count_card(
        "vantelista",
        f"På väntelista {_on(as_of, today)}",
        shown[("wait", TOTAL)],
        shown[ly_keys["wait"]],
        "vantelista",
        compared_to="samma dag i fjol",
    )


CARD_TITLES = {
    "arbete_eller_studier": "Avslut till arbete eller studier",
    "stegforflyttning": "Stegförflyttning",
    "okat_valmaende": "Ökat välmående",
}


def _target_cards(targets, ly_targets):
    by_key = {t.key: t for t in targets}
    ly_by_key = {t.key: t for t in ly_targets}
    return [
        target_card(
            key,
            CARD_TITLES[key],
            by_key[key].cells[TOTAL],
            ly_by_key[key].cells[TOTAL],
            by_key[key].target_pct,
        )
        for key in CARD_TITLES
        if key in by_key
    ]


def _budget_card(followups, ly_followups, year, as_of):
    """Summed over the teams with a budget, like the budget figure."""
    ly_share = None
    if ly_followups:
        ly_share = share_used(
            sum((f.total.actual for f in ly_followups), Decimal(0)),
            sum((f.total.budget for f in ly_followups), Decimal(0)),
        )
    if not followups:
        return budget_card(year, None, None, None, as_of.month, ly_share)
    budget = sum((f.total.budget for f in followups), Decimal(0))
    actual = sum((f.total.actual for f in followups), Decimal(0))
    months = as_of.month
    return budget_card(year, budget, actual, straight_line(budget, months), months, ly_share)


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


def _link_modules(counts, equations, modules):
    """Places taken and waiting lists per module, and the waiting list of all of them (a key
    figure): the modules add up to it."""
    for module in modules:
        counts[("occ", module.pk)] = module.occupied
        counts[("wait", module.pk)] = module.waiting_count
    if modules:
        counts[("wait", TOTAL)] = sum(m.waiting_count for m in modules)
        equations.append((("wait", TOTAL), [("wait", m.pk) for m in modules], COMPLEMENT))


def _link_last_year(counts, equations, ly_table, ly_modules, points):
    """The key figures' counts for the same period last year, in the page's one linked
    system, and their keys: active at the period's end, new, exits, and the waiting list.

    Active at the end of the last day = active during the period − its exits (those who
    left earlier are in neither). Where that day is one of the 24 month ends the page shows,
    it is that month end's count. Where the day before the period (December 31) is one of
    them too, the balance "active at the start + new = active at the end + exits" is an
    equation of the page."""
    values = {row.key: row.values for row in ly_table.rows}
    start_day = ly_table.date_from - timedelta(days=1)
    end_day = ly_table.date_to
    keys = {
        "nya": ("ly", "nya_under_perioden", TOTAL),
        "avslut": ("ly", "avslut_totalt", TOTAL),
    }
    counts[keys["nya"]] = values["nya_under_perioden"][TOTAL]
    counts[keys["avslut"]] = values["avslut_totalt"][TOTAL]
    if end_day in points:
        keys["aktiva"] = ("a", points.index(end_day), TOTAL)
    else:
        keys["aktiva"] = ("ly", "aktiva", TOTAL)
        counts[keys["aktiva"]] = (
            values["aktiva_under_perioden"][TOTAL] - values["avslut_totalt"][TOTAL]
        )
    if start_day in points:
        start = ("a", points.index(start_day), TOTAL)
        terms = [keys["aktiva"], keys["avslut"], start, keys["nya"]]
        equations.append((None, terms, BALANCE))
    keys["wait"] = ("ly", "wait", TOTAL)
    counts[keys["wait"]] = sum(m.waiting_count for m in ly_modules)
    return keys


def _link_referrals(counts, equations, rows, *, intro=False):
    sources = Referrer.values
    for measure in (*REFERRAL_MEASURES, "intro") if intro else REFERRAL_MEASURES:
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
