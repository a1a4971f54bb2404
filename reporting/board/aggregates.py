"""The board table's aggregate tables (issue #18): counts and sums per team, calendar month
and gender, filled from the enrolments and read for whole-month periods.

Measures (`MonthlyCount.measure`), per team, month and gender, over valid enrolments:

- flows of the month: `start` (enrolments started), `start_months` and `start_months_n`
  (their months without work or studies, summed, and how many have the figure); `exit`
  (exits), `exit:<outcome>` per exit outcome, `exit_days` (their days from start to exit),
  `exit_months` and `exit_months_n`, `exit_step` (with an achieved sub-goal), `exit_both`
  (with both wellbeing scores) and `exit_better` (the exit score above the start score);
- stocks at the month's end (enrolments started by its last day and not exited by it):
  `active_end`, `active_end_months`, `active_end_months_n`, from the team's first month with
  a start or an exit to its last (`AggregateFillState.last_month`); later months have the
  last month's stock, as nothing starts or ends.

For a period of whole months [M1, M2] the §9 sums are then: active at the start = the stock
at the end of M1 − 1; new = the starts of M1…M2; active during = both; exits, outcomes, days
and the targets = the exits of M1…M2; the months-without-work mean = the stock's sums at the
end of M1 − 1 plus the starts'. `table_result` gives exactly the dict of the direct
computation (`tables._table_result`), and `check_aggregates` compares the two.

**Fill state** (as zulip's analytics `FillState`): each team's aggregates record the data
versions of rehab/freshness.py they were computed at. Every audited change of a team's data
replaces the team's version (an enrolment, an exit, an undo, a mark in error, a placement, a
goal, the participant's gender), and a write past the services the installation's; a read
(`ensure_filled`) first fills again, in one transaction, each team whose versions differ. A
fill reads the versions before it computes, so a change that commits during a fill leaves the
team stale and is counted by the next one. A fill costs a few grouped queries over the one
team's enrolments; the periods read after it cost one query over the aggregate rows,
whatever the history's length.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from rehab import freshness
from rehab.models import Enrolment, ExitOutcome, Goal, Team
from reporting.board import tables
from reporting.board.tables import GENDERS, OUTCOME_KEYS, TOTAL, _days
from reporting.models import AggregateFillState, MonthlyCount

FLOW_MEASURES = (
    "start",
    "start_months",
    "start_months_n",
    "exit",
    *(f"exit:{code}" for code in OUTCOME_KEYS),
    "exit_days",
    "exit_months",
    "exit_months_n",
    "exit_step",
    "exit_both",
    "exit_better",
)
STOCK_MEASURES = ("active_end", "active_end_months", "active_end_months_n")


def month_of(day: date) -> date:
    return day.replace(day=1)


def previous_month(month: date) -> date:
    return (
        date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
    )


def next_month(month: date) -> date:
    return (
        date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    )


def is_whole_months(date_from: date, date_to: date) -> bool:
    """Whether the period starts on a month's first day and ends on a month's last."""
    return date_from.day == 1 and next_month(month_of(date_to)) == _day_after(date_to)


def _day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


# --- Fill -----------------------------------------------------------------------------------


def compute_team(team_id: int) -> tuple[list[MonthlyCount], date | None]:
    """The aggregate rows of one team, from its enrolments (three grouped queries), and the
    last month with a start or an exit."""
    valid = Enrolment.objects.valid().filter(team_id=team_id)
    values: dict[tuple[date, str, str], int] = defaultdict(int)
    starts = (
        valid.annotate(m=TruncMonth("start_date"), g=F("participant__gender"))
        .values("m", "g")
        .annotate(
            n=Count("pk"),
            ms=Sum("months_without_work"),
            mn=Count("months_without_work"),
        )
        .order_by()
    )
    for row in starts:
        key = (row["m"], row["g"] or "")
        values[(*key, "start")] += row["n"]
        values[(*key, "start_months")] += row["ms"] or 0
        values[(*key, "start_months_n")] += row["mn"]
    duration = ExpressionWrapper(F("exit_date") - F("start_date"), output_field=DurationField())
    achieved_subgoal = Exists(
        Goal.objects.filter(
            enrolment=OuterRef("pk"), parent__isnull=False, status=Goal.Status.ACHIEVED
        )
    )
    both = Q(wellbeing_start__isnull=False, wellbeing_exit__isnull=False)
    exits = (
        valid.filter(exit_date__isnull=False)
        .annotate(m=TruncMonth("exit_date"), g=F("participant__gender"))
        .values("m", "g", "exit_outcome")
        .annotate(
            n=Count("pk"),
            days=Sum(duration),
            ms=Sum("months_without_work"),
            mn=Count("months_without_work"),
            step=Count("pk", filter=Q(achieved_subgoal)),
            both=Count("pk", filter=both),
            better=Count("pk", filter=both & Q(wellbeing_exit__gt=F("wellbeing_start"))),
        )
        .order_by()
    )
    for row in exits:
        key = (row["m"], row["g"] or "")
        values[(*key, "exit")] += row["n"]
        if row["exit_outcome"] in OUTCOME_KEYS:
            values[(*key, f"exit:{row['exit_outcome']}")] += row["n"]
        values[(*key, "exit_days")] += _days(row["days"])
        values[(*key, "exit_months")] += row["ms"] or 0
        values[(*key, "exit_months_n")] += row["mn"]
        values[(*key, "exit_step")] += row["step"]
        values[(*key, "exit_both")] += row["both"]
        values[(*key, "exit_better")] += row["better"]
    months = sorted({m for m, _g, _measure in values})
    last_month = months[-1] if months else None
    # The stocks at each month's end: what started by then, less what exited by then.
    for gender in sorted({g for _m, g, _measure in values}):
        stock = dict.fromkeys(STOCK_MEASURES, 0)
        month = months[0] if months else None
        while month is not None and month <= last_month:
            stock["active_end"] += values.get((month, gender, "start"), 0) - values.get(
                (month, gender, "exit"), 0
            )
            for suffix in ("months", "months_n"):
                stock[f"active_end_{suffix}"] += values.get(
                    (month, gender, f"start_{suffix}"), 0
                ) - values.get((month, gender, f"exit_{suffix}"), 0)
            for measure, value in stock.items():
                if value:
                    values[(month, gender, measure)] = value
            month = next_month(month)
    rows = [
        MonthlyCount(team_id=team_id, month=m, gender=g, measure=measure, value=value)
        for (m, g, measure), value in sorted(values.items())
        if value
    ]
    return rows, last_month


def fill_team(team_id: int, *, force: bool = False) -> bool:
    """Compute one team's aggregates again unless they are filled at the current versions
    (always with `force`); whether it filled. One transaction, the fill state locked, so two
    processes never fill the same team at once."""
    with transaction.atomic():
        AggregateFillState.objects.get_or_create(team_id=team_id)
        state = AggregateFillState.objects.select_for_update().get(team_id=team_id)
        installation, teams = freshness.versions([team_id])
        team_token = teams.get(team_id, 0)
        if (
            not force
            and state.last_month is not None
            and (state.installation_token, state.team_token) == (installation, team_token)
        ):
            return False
        rows, last_month = compute_team(team_id)
        MonthlyCount.objects.filter(team_id=team_id).delete()
        MonthlyCount.objects.bulk_create(rows, batch_size=2000)
        state.installation_token, state.team_token = installation, team_token
        # A team with no enrolments is filled too: its last month is the sentinel 0001-01.
        state.last_month = last_month or date.min
        state.save()
    return True


def ensure_filled(team_ids) -> dict[int, date]:
    """Fill every team of `team_ids` whose aggregates are behind its data versions (zulip's
    catch-up); the teams' last months. Two queries when all are current."""
    team_ids = sorted(set(team_ids))
    installation, tokens = freshness.versions(team_ids)
    states = {s.team_id: s for s in AggregateFillState.objects.filter(team_id__in=team_ids)}
    last_months = {}
    for team_id in team_ids:
        state = states.get(team_id)
        if (
            state is None
            or state.last_month is None
            or (state.installation_token, state.team_token)
            != (installation, tokens.get(team_id, 0))
        ):
            fill_team(team_id)
            state = AggregateFillState.objects.get(team_id=team_id)
        last_months[team_id] = state.last_month
    return last_months


def rebuild(team_ids=None) -> int:
    """Every team's aggregates (or `team_ids`') from scratch; the number of rows written."""
    if team_ids is None:
        team_ids = list(Team.objects.values_list("pk", flat=True))
    for team_id in team_ids:
        fill_team(team_id, force=True)
    return MonthlyCount.objects.filter(team_id__in=team_ids).count()


# --- Read -----------------------------------------------------------------------------------


def table_result(teams, date_from: date, date_to: date) -> dict:
    """The sums of `tables._table_result` for a whole-month period, from the aggregates."""
    if not is_whole_months(date_from, date_to):
        raise ValueError("The aggregates hold whole months only.")
    team_ids = [t.pk if isinstance(t, Team) else t for t in teams]
    last_months = ensure_filled(team_ids)
    first, last = month_of(date_from), month_of(date_to)
    before = previous_month(first)
    stock_at = Q()
    for team_id, last_month in last_months.items():
        stock_at |= Q(team_id=team_id, month=min(before, last_month))
    rows = MonthlyCount.objects.filter(
        Q(team_id__in=team_ids, month__gte=first, month__lte=last, measure__in=FLOW_MEASURES)
        | (stock_at & Q(measure__in=STOCK_MEASURES))
    ).values_list("gender", "measure", "month", "value")
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for gender, measure, month, value in rows:
        if measure in STOCK_MEASURES and month >= first:
            continue  # a flow month's own row, not the stock before the period
        sums[(gender, measure)] += value
    return _as_table_result(sums)


def _as_table_result(sums) -> dict:
    result = {}
    work = (ExitOutcome.ARBETE.value, ExitOutcome.STUDIER.value)
    for column in GENDERS:

        def get(measure, column=column):
            return sums.get((column, measure), 0)

        exits = get("exit")
        values = {
            "aktiva_vid_periodens_start": get("active_end"),
            "nya_under_perioden": get("start"),
            "aktiva_under_perioden": get("active_end") + get("start"),
            "avslut_totalt": exits,
            **{code: get(f"exit:{code}") for code in OUTCOME_KEYS},
            "days": get("exit_days") if exits else None,
            "months_n": get("active_end_months_n") + get("start_months_n"),
            "stegforflyttning__num": get("exit_step"),
            "stegforflyttning__den": exits,
            "arbete_eller_studier__num": sum(get(f"exit:{code}") for code in work),
            "arbete_eller_studier__den": exits,
            "okat_valmaende__num": get("exit_better"),
            "okat_valmaende__den": get("exit_both"),
        }
        values["months"] = (
            get("active_end_months") + get("start_months") if values["months_n"] else None
        )
        for name, value in values.items():
            result[f"{name}__{column}"] = value
    for name in {key.rsplit("__", 1)[0] for key in result}:
        parts = [result[f"{name}__{c}"] for c in GENDERS if result[f"{name}__{c}"] is not None]
        result[f"{name}__{TOTAL}"] = sum(parts) if parts else None
    return result


# --- Check ----------------------------------------------------------------------------------


def direct_rows(teams, date_from: date, date_to: date):
    """The §9 rows and targets computed from the enrolments (the board's direct path)."""
    teams = list(teams)
    active = tables.active_enrolments(teams, date_from, date_to)
    filters = tables._period_filters(date_from, date_to)
    return tables.table_rows_and_targets(tables._table_result(active, filters), teams)


def aggregate_rows(teams, date_from: date, date_to: date):
    """The same rows and targets from the aggregate tables (whole months only)."""
    teams = list(teams)
    return tables.table_rows_and_targets(table_result(teams, date_from, date_to), teams)


def differences(teams, date_from: date, date_to: date) -> list[str]:
    """Where the aggregates and the direct computation disagree for the period, in words
    (empty when they agree)."""
    d_rows, d_targets = direct_rows(teams, date_from, date_to)
    a_rows, a_targets = aggregate_rows(teams, date_from, date_to)
    found = []
    for d, a in zip(d_rows, a_rows, strict=True):
        if (d.values, d.bases) != (a.values, a.bases):
            found.append(f"{d.key}: direkt {d.values}, aggregat {a.values}")
    for d, a in zip(d_targets, a_targets, strict=True):
        if (d.numerators, d.denominators) != (a.numerators, a.denominators):
            found.append(
                f"{d.key}: direkt {d.numerators}/{d.denominators}, "
                f"aggregat {a.numerators}/{a.denominators}"
            )
    return found


def periods(year: int) -> list[tuple[date, date]]:
    """The whole-month periods `check_aggregates` compares in a year: each month, both
    halves and the year."""
    result = [(date(year, m, 1), _day_before(next_month(date(year, m, 1)))) for m in range(1, 13)]
    result += [
        (date(year, 1, 1), date(year, 6, 30)),
        (date(year, 7, 1), date(year, 12, 31)),
        (date(year, 1, 1), date(year, 12, 31)),
    ]
    return result


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)
