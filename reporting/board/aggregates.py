"""The board table's aggregate tables (issue #18): counts and sums per team, calendar month
and gender, kept current in the transaction of every write through the services, and read
by the board for periods of whole months.

**Flows only.** Every stored measure (`MonthlyCount.measure`, `FLOW_MEASURES`) belongs to the
month of an event of a valid enrolment:

- its start month: `start`, `start_months` and `start_months_n` (its months without work or
  studies, and 1 if it has the figure);
- its exit month: `exit`, `exit:<outcome>`, `exit_days` (days from start to exit),
  `exit_months` and `exit_months_n`, `exit_step` (with an achieved sub-goal), `exit_both`
  (with both wellbeing scores) and `exit_better` (the exit score above the start score).

The stocks are prefix sums: active at the end of month M = Σ over months ≤ M of (starts −
exits), and the same for the months-without-work sums. For a period of whole months
[M1, M2] the §9 sums are then: active at the start = Σ before M1 of (start − exit); new =
the starts of M1…M2; active during = both; exits, outcomes, days and the targets = the exits
of M1…M2; the months-without-work mean = Σ before M1 of (start_months − exit_months) plus
the starts'. The sums before M1 are the all-time totals (`ALL_TIME`, kept in rows of their
own) less the months from M1 on, so a read of a recent period reads the recent months and
not the history: the guard's query (below), then one grouped query over the rows. A period
that starts or ends inside a month adds the flows of those days from the enrolments with an
event on them (`period_flows`).

**An enrolment's contribution** (`contribution`, a pure function of the enrolment's fields,
its participant's gender and whether it has an achieved sub-goal) is a handful of (team,
month, gender, measure) → value entries. It is the one definition: the delta path and the
rebuild both sum it. Each enrolment's last applied contribution is kept
(`EnrolmentContribution`), so a change is "subtract the old, add the new": `enrolments_changed`
computes the new contributions (one query), locks the fill-state rows of their teams, reads
the old ones, and adds the differences with one upsert (`INSERT … ON CONFLICT DO UPDATE SET
value = value + d`), in the transaction of the write; an import's enrolments go through it in
chunks of `BULK`, so that its cost is the batch's and not the teams' history's. Every
audited change of an enrolment, of a goal or an exit evaluation (the sub-goals) or of a
participant's gender, kommun or birth date reaches it through `rehab.audit`'s change
listeners (registered in `ReportingConfig.ready`); the enrolment import calls it with the
enrolments it created.

**Concurrency**: every writer of a team's rows and contributions first locks the team's
`AggregateFillState` row (`select_for_update`, teams in order), then reads the old
contributions: two writes of one team apply their deltas one after the other, and no two
insert the same row. On SQLite the database lock serialises writers anyway. A team with no
fill state is not maintained: its first read fills it.

**Guard for writes past the services** (Django admin, a console, the purge, the demo seed):
the fill state records the installation's *unaudited-write* version
(`freshness.unaudited_token`), replaced by every `freshness.bump()` of all read models (the
middleware after a writing request to Django admin, purge, seed_demo) but not by those marked
`through_services` (an audited change that names no team, a failed form). A read rebuilds,
in one transaction and a fixed number of statements, the teams whose recorded version differs
(or that have none), so the deltas are not thrown away by the next read after an ordinary
change. A write past the services that replaces no version (a SQL console) stays unseen
until `rebuild_aggregates`; `check_aggregates` finds it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from modules.models import Placement, WaitingListEntry
from rehab import freshness
from rehab.models import DataVersion, Enrolment, ExitEvaluation, Goal, Participant, Team
from reporting.board import held
from reporting.board.columns import (
    AGE_BANDS,
    GENDERS,
    OUTCOME_KEYS,
    TOTAL,
    WORK_OUTCOMES,
    age_band_of,
    matrix_flows,
)
from reporting.models import AggregateFillState, EnrolmentContribution, MonthlyCount

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
# The flows whose sums before a period give its opening stocks.
STOCK_SOURCES = ("start", "exit", "start_months", "exit_months", "start_months_n", "exit_months_n")
# The month of the all-time totals of the stocks' flows (`with_all_time`): a stock before a
# month is its all-time total less the flows of that month and after, so a read of a recent
# period reads its recent months, not the whole history.
ALL_TIME = date.min
# The version of what an enrolment contributes (`contribution`): raised with every change of
# it, so that the rows filled by an earlier release are rebuilt at their first read. 2: the
# breakdowns per kommun, referrer and age band, the modules' places and waiting lists, and
# the all-time totals.
DEFINITION = 3
# Enrolments brought up to date per round of `enrolments_changed` (an import's are many).
BULK = 500
# Rows per statement of `_add` (within SQLite's 32 766 parameters, five a row).
ADD_BATCH = 5000

Key = tuple[int, date, str, str]  # team, month, gender, measure
# The last day a period read from the aggregates reaches (`period_flows`).
LAST_DAY = date(9998, 12, 31)

# The breakdowns' flows (`b:<dimension>:<value>:start` and `…:exit`): the starts and exits of
# each kommun (by id), referrer and age band at start, per gender. Their sums before a period
# are stocks too.
BREAKDOWN_PREFIX = "b:"
BREAKDOWN_DIMENSIONS = ("kommun", "remittent", "aldersgrupp")
# The modules' flows (`module_measure`), of no gender: read by `module_stocks` alone.
MODULE_PREFIXES = ("p:", "w:")


def is_stock(measure: str) -> bool:
    """Whether the measure's sums before a day are a stock (an opening stock of the board,
    a module's places taken or waiting list)."""
    return measure in STOCK_SOURCES or measure.startswith((BREAKDOWN_PREFIX, *MODULE_PREFIXES))


def with_all_time(values: dict[Key, int]) -> dict[Key, int]:
    """`values` (rows or their deltas) and the all-time totals they add to: the sum of each
    stock measure's months, per team and gender, in the month `ALL_TIME`."""
    result: dict[Key, int] = defaultdict(int, values)
    for (team, month, gender, measure), value in values.items():
        if month != ALL_TIME and is_stock(measure):
            result[(team, ALL_TIME, gender, measure)] += value
    return {key: value for key, value in result.items() if value}


def breakdown_measure(dimension: str, value, event: str) -> str:
    return f"{BREAKDOWN_PREFIX}{dimension}:{value}:{event}"


def age_at_start(start: date, birth_date: date | None, birth_year: int | None) -> int | None:
    """Age in whole years on the start date, as `tables._age_at_start` computes it in SQL:
    from the birth year alone (the age reached during the start year) where the birth date
    is unknown."""
    if birth_date is not None:
        before_birthday = (start.month, start.day) < (birth_date.month, birth_date.day)
        return start.year - birth_date.year - int(before_birthday)
    if birth_year is None:
        return None
    return start.year - birth_year


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


def day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


# --- Contributions --------------------------------------------------------------------------


def _fields(enrolments):
    """The fields `contribution` reads, one row per enrolment: one query."""
    achieved_subgoal = Exists(
        Goal.objects.filter(
            enrolment=OuterRef("pk"), parent__isnull=False, status=Goal.Status.ACHIEVED
        )
    )
    return enrolments.values(
        "pk",
        "team_id",
        "registered_in_error",
        "start_date",
        "exit_date",
        "exit_outcome",
        "months_without_work",
        "wellbeing_start",
        "wellbeing_exit",
        "referrer",
        "income_start",
        "income_exit",
        "occupation_start",
        "occupation_exit",
        gender=F("participant__gender"),
        kommun_id=F("participant__kommun_id"),
        birth_date=F("participant__birth_date"),
        birth_year=F("participant__birth_year"),
        step=achieved_subgoal,
    ).order_by()


def _fields_with_modules(enrolments) -> list[dict]:
    """`_fields` with each enrolment's placements and waiting-list entries (as (module,
    first day, last day or None, pk) under "placements" and "waiting"): two queries (the
    spans of both in one UNION)."""
    rows = list(_fields(enrolments))
    by_pk = {row["pk"]: row for row in rows}
    for row in rows:
        row["placements"], row["waiting"] = [], []
    ids = enrolments.values("pk")
    placements = Placement.objects.filter(enrolment__in=ids).values_list(
        "enrolment_id", "module_id", "start_date", "end_date", "pk", Value("placements")
    )
    waiting = WaitingListEntry.objects.filter(enrolment__in=ids).values_list(
        "enrolment_id", "module_id", "added_date", "removed_date", "pk", Value("waiting")
    )
    for enrolment_id, module_id, day, until, pk, key in placements.order_by().union(
        waiting.order_by(), all=True
    ):
        if enrolment_id in by_pk:
            by_pk[enrolment_id][key].append((module_id, day, until, pk))
    return rows


MATRIX_PREFIX = "m:"


def matrix_measure(matrix_key: tuple) -> str:
    """A matrix flow of `columns.matrix_flows` as a measure: "m:<matrix>:c:<i>:<j>" (a cell)
    or "m:<matrix>:r:<i>" / "m:<matrix>:k:<j>" (a margin, per gender)."""
    key, part, index, other = matrix_key
    return f"{MATRIX_PREFIX}{key}:{part}:{index}" + (f":{other}" if part == "c" else "")


def matrix_counts(flows: Flows) -> tuple[dict[tuple, int], int]:
    """The period's matrix flows in the keys of `columns.matrix_flows` (cells summed over
    genders, margins per gender), and its number of exits."""
    counts: dict[tuple, int] = defaultdict(int)
    total = 0
    for (gender, measure), value in flows.within.items():
        if measure == "exit":
            total += value
        if not measure.startswith(MATRIX_PREFIX) or not value:
            continue
        key, part, *rest = measure[len(MATRIX_PREFIX) :].split(":")
        if part == "c":
            counts[(key, "c", int(rest[0]), int(rest[1]))] += value
        else:
            counts[(key, part, int(rest[0]), gender)] += value
    return dict(counts), total


def module_measure(kind: str, module_id: int, event: str) -> str:
    """The flows of a module's places taken (`kind` "p") and waiting list ("w"): a
    placement's (an entry's) first day and the day it ends."""
    return f"{kind}:{module_id}:{event}"


def contribution(row: dict, between: tuple[date, date] | None = None) -> dict[Key, int]:
    """What one enrolment (a row of `_fields`) adds to the aggregate tables: the flows of its
    start month and, once exited, of its exit month. Nothing for one registered in error.
    With `between` (first, last day), only the flows of its events on those days: a part of
    a month, which a period that starts or ends inside a month reads directly."""
    if row["registered_in_error"]:
        return {}
    team, gender = row["team_id"], row["gender"] or ""
    months = row["months_without_work"]
    values: dict[Key, int] = defaultdict(int)
    age = age_at_start(row["start_date"], row["birth_date"], row["birth_year"])
    groups = {
        "kommun": row["kommun_id"],
        "remittent": row["referrer"],
        "aldersgrupp": AGE_BANDS.index(age_band_of(age)),
    }

    def on(day):
        return between is None or between[0] <= day <= between[1]

    if on(row["start_date"]):
        start = (team, month_of(row["start_date"]), gender)
        values[(*start, "start")] += 1
        if months is not None:
            values[(*start, "start_months")] += months
            values[(*start, "start_months_n")] += 1
        for dimension, value in groups.items():
            values[(*start, breakdown_measure(dimension, value, "start"))] += 1
    if row["exit_date"] is not None and on(row["exit_date"]):
        end = (team, month_of(row["exit_date"]), gender)
        values[(*end, "exit")] += 1
        if row["exit_outcome"] in OUTCOME_KEYS:
            values[(*end, f"exit:{row['exit_outcome']}")] += 1
        values[(*end, "exit_days")] += (row["exit_date"] - row["start_date"]).days
        if months is not None:
            values[(*end, "exit_months")] += months
            values[(*end, "exit_months_n")] += 1
        if row["step"]:
            values[(*end, "exit_step")] += 1
        if row["wellbeing_start"] is not None and row["wellbeing_exit"] is not None:
            values[(*end, "exit_both")] += 1
            if row["wellbeing_exit"] > row["wellbeing_start"]:
                values[(*end, "exit_better")] += 1
        for dimension, value in groups.items():
            values[(*end, breakdown_measure(dimension, value, "exit"))] += 1
        # The before → after matrices: the cells (of no gender) and the margins.
        for matrix_key, value in matrix_flows(row, gender).items():
            cell_gender = "" if matrix_key[1] == "c" else gender
            values[(team, end[1], cell_gender, matrix_measure(matrix_key))] += value
    # A module's places taken and waiting list on a day: the placements (entries) started on
    # or before it less those ended on or before it, as `dashboard.direct_module_load` counts
    # them. An end before the start counts on the start day (never held, never negative).
    for kind, spans in (("p", row.get("placements", ())), ("w", row.get("waiting", ()))):
        for module_id, day, until, _pk in spans:
            if on(day):
                values[(team, month_of(day), "", module_measure(kind, module_id, "start"))] += 1
            if until is not None and on(max(until, day)):
                ended = month_of(max(until, day))
                values[(team, ended, "", module_measure(kind, module_id, "end"))] += 1
    # The module breakdown's rectangles of periods (reporting/board/held.py): of whole
    # months only; a period's odd days are corrected from the enrolments directly.
    if between is None:
        for key, value in held.entries(row, team, gender, ALL_TIME).items():
            values[key] += value
    return {key: value for key, value in values.items() if value}


def contributions(enrolments) -> dict[int, dict[Key, int]]:
    """Each enrolment's contribution, by primary key: two queries."""
    return {row["pk"]: contribution(row) for row in _fields_with_modules(enrolments)}


def _stored(entries) -> dict[Key, int]:
    return {(t, date.fromisoformat(m), g, measure): v for t, m, g, measure, v in entries}


@functools.lru_cache(maxsize=4096)
def _month_text(month: date) -> str:
    return month.isoformat()


def _storable(values: dict[Key, int]) -> list:
    """A contribution as stored: [team, month, gender, measure, value] in the order of its
    keys (a rebuild stores tens of thousands: the months' texts are memoised)."""
    return [[t, _month_text(m), g, measure, v] for (t, m, g, measure), v in values.items()]


# --- Delta path -----------------------------------------------------------------------------


def note_change(changed: Iterable[tuple[object, dict]]) -> None:
    """`rehab.audit`'s change listener: the enrolments whose contribution the audited
    changes (object, changes) may have changed are brought up to date in their transaction:
    an enrolment's own, a goal's or exit evaluation's (the sub-goals), and a participant's
    when a field the contributions read changed (`PARTICIPANT_FIELDS`)."""
    enrolment_ids: set[int] = set()
    participant_ids: set[int] = set()
    for obj, changes in changed:
        if isinstance(obj, Enrolment):
            enrolment_ids.add(obj.pk)
        elif isinstance(obj, Goal | ExitEvaluation | Placement | WaitingListEntry):
            enrolment_ids.add(obj.enrolment_id)
        elif isinstance(obj, Participant) and PARTICIPANT_FIELDS & set(changes):
            participant_ids.add(obj.pk)
    if participant_ids:
        enrolment_ids.update(
            Enrolment.objects.filter(participant_id__in=participant_ids).values_list(
                "pk", flat=True
            )
        )
    enrolments_changed({pk for pk in enrolment_ids if pk is not None})


def source_models() -> tuple[type, ...]:
    """The models an enrolment's contribution reads (`_fields_with_modules`)."""
    return (Enrolment, Participant, Goal, ExitEvaluation, Placement, WaitingListEntry)


# The participant's fields an enrolment's contribution reads.
PARTICIPANT_FIELDS = {"gender", "kommun", "birth_date", "birth_year"}


# No savepoint: a failure here fails the write it belongs to.
@transaction.atomic(savepoint=False)
def enrolments_changed(enrolment_ids: Iterable[int]) -> None:
    """Bring the aggregate rows of these enrolments' teams up to date with what the
    enrolments contribute now: the difference from their last applied contributions, added
    in place. Call it after the write, in its transaction."""
    ids = sorted(set(enrolment_ids))
    # An import's thousands of enrolments in chunks: the work is the batch's, whatever the
    # length of the teams' history (a rebuild of the teams, as before, read all of it).
    for first in range(0, len(ids), BULK):
        _chunk_changed(ids[first : first + BULK])


def _chunk_changed(ids: list[int]) -> None:
    rows = _fields_with_modules(Enrolment.objects.filter(pk__in=ids))
    new = {row["pk"]: contribution(row) for row in rows}
    teams = {row["team_id"] for row in rows}
    filled = set(
        AggregateFillState.objects.select_for_update()
        .filter(team_id__in=sorted(teams))
        .order_by("team_id")
        .values_list("team_id", flat=True)
    )
    if not filled:
        return  # no team of theirs is filled yet: its first read computes everything
    old = {
        c.enrolment_id: _stored(c.entries)
        for c in EnrolmentContribution.objects.filter(enrolment_id__in=ids)
    }
    deltas: dict[Key, int] = defaultdict(int)
    changed = []
    for pk in ids:
        before, after = old.get(pk, {}), new.get(pk, {})
        if before == after:
            continue
        changed.append(pk)
        for key in before.keys() | after.keys():
            deltas[key] += after.get(key, 0) - before.get(key, 0)
    _add(with_all_time({key: d for key, d in deltas.items() if d and key[0] in filled}))
    EnrolmentContribution.objects.bulk_create(
        [
            EnrolmentContribution(enrolment_id=pk, entries=_storable(new[pk]))
            for pk in changed
            if pk in new
        ],
        update_conflicts=True,
        unique_fields=["enrolment"],
        update_fields=["entries"],
    )


def _add(deltas: dict[Key, int]) -> None:
    """Add each delta to its row, creating the rows that do not exist yet: one
    INSERT … ON CONFLICT DO UPDATE SET value = value + the delta (PostgreSQL, and SQLite
    since 3.24) per ADD_BATCH rows, linear in the deltas (an UPDATE with a CASE per row was
    quadratic in an import's). The caller holds the teams' fill-state locks."""
    if not deltas:
        return
    table = connection.ops.quote_name(MonthlyCount._meta.db_table)
    columns = [
        connection.ops.quote_name(MonthlyCount._meta.get_field(name).column)
        for name in ("team", "month", "gender", "measure", "value")
    ]
    value = columns[-1]
    items = sorted(deltas.items())
    with connection.cursor() as cursor:
        for first in range(0, len(items), ADD_BATCH):
            batch = items[first : first + ADD_BATCH]
            params = []
            for (team_id, month, gender, measure), d in batch:
                params += [
                    team_id,
                    connection.ops.adapt_datefield_value(month),
                    gender,
                    measure,
                    d,
                ]
            rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            # Only quoted names of the model and placeholders are put in the text.
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {rows} "  # noqa: S608  # nosec B608
                f"ON CONFLICT ({', '.join(columns[:4])}) "
                f"DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
            )
            cursor.execute(sql, params)


# --- Rebuild and the guard ------------------------------------------------------------------


def compute_teams(team_ids) -> tuple[dict[Key, int], dict[int, dict[Key, int]]]:
    """The teams' aggregate rows from scratch, the sum of their enrolments' contributions
    (one query), and the contributions."""
    by_enrolment = contributions(Enrolment.objects.filter(team_id__in=list(team_ids)))
    totals: dict[Key, int] = defaultdict(int)
    for values in by_enrolment.values():
        for key, value in values.items():
            totals[key] += value
    return with_all_time({key: value for key, value in totals.items() if value}), by_enrolment


def compute_team(team_id: int) -> dict[Key, int]:
    """One team's aggregate rows from scratch."""
    return compute_teams([team_id])[0]


@transaction.atomic
def rebuild_teams(team_ids) -> int:
    """The teams' aggregate rows and contributions from scratch, their fill states locked
    and set to the unaudited-write version read before computing (so that a write past the
    services that commits meanwhile leaves them stale for the next read); the number of rows.
    A fixed number of statements however many teams (the inserts batched by the database's
    limit on variables)."""
    team_ids = sorted(set(team_ids))
    if not team_ids:
        return 0
    unaudited = freshness.unaudited_token()
    AggregateFillState.objects.bulk_create(
        [AggregateFillState(team_id=t) for t in team_ids], ignore_conflicts=True
    )
    locked = AggregateFillState.objects.select_for_update().filter(team_id__in=team_ids)
    list(locked.order_by("team_id").values_list("team_id", flat=True))
    totals, by_enrolment = compute_teams(team_ids)
    MonthlyCount.objects.filter(team_id__in=team_ids).delete()
    MonthlyCount.objects.bulk_create(
        MonthlyCount(team_id=t, month=m, gender=g, measure=measure, value=value)
        for (t, m, g, measure), value in sorted(totals.items())
    )
    EnrolmentContribution.objects.filter(enrolment__team_id__in=team_ids).delete()
    EnrolmentContribution.objects.bulk_create(
        EnrolmentContribution(enrolment_id=pk, entries=_storable(values))
        for pk, values in by_enrolment.items()
        if values
    )
    AggregateFillState.objects.filter(team_id__in=team_ids).update(
        unaudited_token=unaudited, definition=DEFINITION, filled_at=timezone.now()
    )
    if len(totals) >= ANALYZE_AFTER:
        _analyze()
    return len(totals)


# A rebuild that writes this many rows has the planner's statistics refreshed at once.
ANALYZE_AFTER = 10_000


def _analyze() -> None:
    """Refresh PostgreSQL's statistics of the aggregate rows after a large rebuild: until
    autovacuum gets to it, the planner reads the table as it was (empty, after a first fill)
    and scans a team's whole history instead of the read's months (37 ms instead of 12 ms
    at 100 000 participants). Not an error where the role does not own the table (a
    warning) nor on SQLite (its planner needs no statistics for these indexes)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {MonthlyCount._meta.db_table}")


def _current(team_ids):
    """The fill states of `team_ids` at the current unaudited-write version and definition."""
    unaudited = DataVersion.objects.filter(pk=freshness.UNAUDITED).values("token")
    return AggregateFillState.objects.filter(
        team_id__in=team_ids,
        unaudited_token=Coalesce(Subquery(unaudited), 0),
        definition=DEFINITION,
    )


# The teams found current in the computation under way (`checked_once`), or None.
_checked = contextvars.ContextVar("aggregates_checked_teams", default=None)


@contextlib.contextmanager
def checked_once():
    """Within it, `ensure_current` checks each team once: a page that reads the aggregates
    several times (the dashboard: two periods, the months, the modules, the forecast) pays
    the guard's query once."""
    token = _checked.set(set())
    try:
        yield
    finally:
        _checked.reset(token)


def ensure_current(team_ids: Iterable[int]) -> list[int]:
    """Rebuild the teams of `team_ids` never filled or filled before the last write past the
    services, all at once; the teams rebuilt. One query when all are current (none when
    `checked_once` has seen them)."""
    team_ids = sorted(set(team_ids))
    checked = _checked.get()
    if checked is not None and checked.issuperset(team_ids):
        return []
    current = set(_current(team_ids).values_list("team_id", flat=True))
    stale = [t for t in team_ids if t not in current]
    if stale:
        rebuild_teams(stale)
    if checked is not None:
        checked.update(team_ids)
    return stale


def rebuild(team_ids=None) -> int:
    """Every team's aggregates (or `team_ids`') from scratch; the number of rows written."""
    if team_ids is None:
        team_ids = list(Team.objects.values_list("pk", flat=True))
    return rebuild_teams(team_ids)


def stored_rows(team_id: int) -> dict[Key, int]:
    """A team's aggregate rows as stored (the zeros that deltas leave behind left out)."""
    return {
        (t, m, g, measure): value
        for t, m, g, measure, value in MonthlyCount.objects.filter(team_id=team_id)
        .exclude(value=0)
        .values_list("team_id", "month", "gender", "measure", "value")
    }


# --- Read -----------------------------------------------------------------------------------


def _team_ids(teams) -> list[int]:
    """The ids of `teams` (teams or ids), sorted."""
    return sorted({t.pk if isinstance(t, Team) else t for t in teams})


def _with_events(team_ids, days: list[tuple[date, date]]):
    """`_fields` of the teams' enrolments that start or exit on one of the `days` (first,
    last): one query, indexed by team and date."""
    on_days = Q()
    for first, last in days:
        on_days |= Q(start_date__range=(first, last)) | Q(exit_date__range=(first, last))
    return _fields(Enrolment.objects.filter(on_days, team_id__in=team_ids))


@dataclass(frozen=True)
class Flows:
    """The teams' flows for a period, per (gender, measure): `before` its first day (the
    stock measures and the breakdowns', whose sums are the opening stocks) and `within` it."""

    before: dict[tuple[str, str], int]
    within: dict[tuple[str, str], int]


def period_flows(teams, date_from: date, date_to: date, *, catch_up: bool = True) -> Flows:
    """The flows of any period: its whole months and everything before its first month from
    the aggregate rows (the guard's query, which rebuilds the stale teams first, and one
    read), and the days of a month it starts or ends inside (the first days of its first
    month before it starts, its own days there, and those of its last month) from the
    enrolments with an event on those days (one query, indexed by team and date).
    `catch_up=False` reads the rows as they are, without the guard."""
    if date_from > date_to:
        raise ValueError("The period ends before it starts.")
    # No event is dated after LAST_DAY (the forms' and imports' dates end far before), and
    # the month after December 9999 is no date.
    date_to = min(date_to, LAST_DAY)
    date_from = min(date_from, date_to)
    team_ids = _team_ids(teams)
    first_month = month_of(date_from)
    first_whole = first_month if date_from.day == 1 else next_month(first_month)
    after_last = next_month(month_of(date_to))
    end_whole = after_last if day_before(after_last) == date_to else month_of(date_to)
    if first_whole >= end_whole:  # no whole month: every day of the period directly
        first_whole = end_whole = after_last
        own = [(date_from, date_to)]
    else:
        own = [(date_from, day_before(first_whole))] if date_from != first_whole else []
        if end_whole != after_last:
            own.append((end_whole, date_to))
    head = (first_month, day_before(date_from)) if date_from != first_month else None

    if catch_up:
        ensure_current(team_ids)
    before, within = _read(team_ids, first_month, first_whole, end_whole)
    days = [head, *own] if head else own
    if days:
        for row in _with_events(team_ids, days):
            parts = [(before, head)] if head else []
            parts += [(within, between) for between in own]
            for target, between in parts:
                for (_t, _m, gender, measure), value in contribution(row, between).items():
                    target[(gender, measure)] += value
    return Flows(before=dict(before), within=dict(within))


def _all_time_and_since(team_ids, measures, since: date):
    """The teams' rows of `measures` summed per month, gender and measure: their all-time
    totals and the months from `since` on. Two grouped queries in one UNION ALL, each a range
    of the (measure, month) index: with an OR of the two months PostgreSQL scans the table."""
    rows = MonthlyCount.objects.filter(team_id__in=team_ids, measure__in=list(measures))
    grouped = [
        part.values_list("month", "gender", "measure").annotate(n=Sum("value")).order_by()
        for part in (rows.filter(month=ALL_TIME), rows.filter(month__gte=since))
    ]
    return grouped[0].union(grouped[1], all=True)


def monthly(teams, since: date, as_of: date, measures: tuple[str, ...] = ("start", "exit")):
    """Each measure's flows per month and gender from the month `since` to the one of
    `as_of`, that one up to `as_of` only, and their sums before `since`: ({(month, gender,
    measure): value}, {(gender, measure): value}). One query over the aggregate rows (after
    the guard's, one more when a team is stale) and one for the enrolments with an event in
    `as_of`'s month up to it."""
    team_ids = _team_ids(teams)
    since, last = month_of(since), month_of(as_of)
    ensure_current(team_ids)
    by_month: dict[tuple[date, str, str], int] = defaultdict(int)
    before: dict[tuple[str, str], int] = defaultdict(int)
    for month, gender, measure, n in _all_time_and_since(team_ids, measures, since):
        if month == ALL_TIME:
            before[(gender, measure)] += n
            continue
        before[(gender, measure)] -= n  # the all-time total less the months from `since` on
        if month < last:
            by_month[(month, gender, measure)] += n
    for row in _with_events(team_ids, [(last, as_of)]):
        for (_t, month, gender, measure), value in contribution(row, (last, as_of)).items():
            if measure in measures:
                by_month[(month, gender, measure)] += value
    return dict(by_month), dict(before)


def module_stocks(teams, module_ids, as_of: date) -> dict[tuple[str, int], int]:
    """Each module's places taken ("p") and waiting list ("w") at the end of `as_of`:
    {(kind, module): n}. The all-time totals of their flows less those of the months from a
    month boundary on (one query over the aggregate rows of the modules' teams), and the
    flows of the days between that boundary and `as_of` (one query over the placements and
    the waiting-list entries, indexed by module and date): the boundary is the start of
    `as_of`'s month or of the next, whichever is nearer, so that few days are read."""
    team_ids = _team_ids(teams)
    module_ids = sorted(set(module_ids))
    result: dict[tuple[str, int], int] = defaultdict(int)
    if not module_ids:
        return result
    ensure_current(team_ids)
    measures = {
        module_measure(kind, m, event): (kind, m, 1 if event == "start" else -1)
        for kind in ("p", "w")
        for m in module_ids
        for event in ("start", "end")
    }
    month = month_of(as_of)
    after = next_month(month)
    if (as_of - month).days < (day_before(after) - as_of).days:
        # The months before `as_of`'s, and its days up to `as_of` added.
        since, days, sign = month, (month, as_of), 1
    else:
        # Every month up to `as_of`'s, and its days after `as_of` taken away.
        since, days, sign = after, (day_after(as_of), day_before(after)), -1
    for row_month, _gender, measure, n in _all_time_and_since(team_ids, list(measures), since):
        kind, module_id, event_sign = measures[measure]
        # The all-time total less the months from `since` on.
        result[(kind, module_id)] += event_sign * (n if row_month == ALL_TIME else -n)
    if days[0] <= days[1]:
        for kind, module_id, starts, ends in _module_events(team_ids, module_ids, days):
            result[(kind, module_id)] += sign * (starts - ends)
    return result


def _module_events(team_ids, module_ids, days: tuple[date, date]):
    """(kind, module, starts, ends) of the placements ("p") and waiting-list entries ("w")
    of the teams' valid enrolments that start or end on `days` (an end counted on its own
    day, never before the start, as in `contribution`). The spans are found by two ranges
    of a (module, date) index each, in one query; each span's enrolment is checked by its
    primary key in the select list, where a join (or a filter, which PostgreSQL turns into
    one) made it read every enrolment."""
    counted_enrolment = Exists(
        Enrolment.objects.filter(
            pk=OuterRef("enrolment_id"), team_id__in=team_ids, registered_in_error=False
        )
    )
    spans = []
    for kind, model, first, last in (
        ("p", Placement, "start_date", "end_date"),
        ("w", WaitingListEntry, "added_date", "removed_date"),
    ):
        candidates = (
            model.objects.filter(module_id__in=module_ids)
            .annotate(counted=counted_enrolment)
            .order_by()
        )
        # The UNION also drops a span found by both ranges.
        spans += [
            candidates.filter(**{f"{field}__range": days}).values_list(
                "pk", Value(kind), "module_id", "counted", first, last
            )
            for field in (first, last)
        ]
    counted: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for _pk, kind, module_id, is_counted, day, until in spans[0].union(*spans[1:]):
        if not is_counted:
            continue
        if days[0] <= day <= days[1]:
            counted[(kind, module_id)][0] += 1
        if until is not None and days[0] <= max(until, day) <= days[1]:
            counted[(kind, module_id)][1] += 1
    return [(kind, module_id, n[0], n[1]) for (kind, module_id), n in counted.items()]


def module_breakdown(
    teams, date_from: date, date_to: date, modules: list[int], *, catch_up: bool = True
) -> dict:
    """The module breakdown of `tables._module_breakdown` for the period, {module id (of
    `modules`) or None (no module): {"active__<column>": n, "new__…": n, "exits__…": n}},
    from the rectangles of reporting/board/held.py: the nearest whole months (one query),
    and for the days between them and the period's ends, the enrolments with an event on
    those days counted again directly (two queries more). A period with no whole month
    nearby is counted directly from its enrolments (two queries)."""
    team_ids = _team_ids(teams)
    # As `period_flows`: no event is dated after LAST_DAY, and there are no months after it.
    date_to = min(date_to, LAST_DAY)
    date_from = min(date_from, date_to)
    if catch_up:
        ensure_current(team_ids)
    first = month_of(date_from)
    if (date_from - first).days * 2 > _month_days(first):
        first = next_month(first)
    after = next_month(month_of(date_to))
    last_day = day_before(after)
    if (last_day - date_to).days * 2 > _month_days(month_of(date_to)):
        last_day = day_before(month_of(date_to))
    counts: dict[tuple, int] = defaultdict(int)
    if first > last_day:
        rows = _fields_with_modules(
            Enrolment.objects.in_period(date_from, date_to).filter(team_id__in=team_ids)
        )
        for row in rows:
            for cell in held.cells(row, date_from, date_to):
                counts[cell] += 1
    else:
        rows = MonthlyCount.objects.filter(team_id__in=team_ids)
        counts.update(held.read(rows, first, month_of(last_day), ALL_TIME, modules))
        days = []
        if date_from != first:
            days.append((min(date_from, first), day_before(max(date_from, first))))
        if date_to != last_day:
            days.append((day_after(min(date_to, last_day)), max(date_to, last_day)))
        if days:
            for row in _fields_with_modules(_with_any_event(team_ids, days)):
                for cell in held.cells(row, first, last_day):
                    counts[cell] -= 1
                for cell in held.cells(row, date_from, date_to):
                    counts[cell] += 1
    result: dict = {}
    for (module, code, gender), n in counts.items():
        if not n:
            continue
        values = result.setdefault(None if module == held.NO_MODULE else module, {})
        measure = held.CODES[code]
        for column in (gender, TOTAL) if gender in GENDERS else (TOTAL,):
            key = f"{measure}__{column}"
            values[key] = values.get(key, 0) + n
    return result


def _month_days(month: date) -> int:
    return (next_month(month) - month).days


def _with_any_event(team_ids, days: list[tuple[date, date]]):
    """The teams' enrolments that start or exit on `days`, or whose placement starts or
    ends on them: their ids found by index ranges (one query, a UNION), then the enrolments
    by primary key (an OR of the conditions made PostgreSQL read every enrolment)."""
    parts = []
    for first, last in days:
        for field in ("start_date", "exit_date"):
            parts.append(
                Enrolment.objects.filter(
                    team_id__in=team_ids, **{f"{field}__range": (first, last)}
                ).values_list("pk")
            )
        for field in ("start_date", "end_date"):
            parts.append(
                Placement.objects.filter(**{f"{field}__range": (first, last)}).values_list(
                    "enrolment_id"
                )
            )
    ids = sorted({pk for (pk,) in parts[0].order_by().union(*(p.order_by() for p in parts[1:]))})
    # (`or [0]`: the same queries whatever the days hold, as the pages' counts are tested.)
    return Enrolment.objects.filter(pk__in=ids or [0], team_id__in=team_ids)


def table_result(teams, date_from: date, date_to: date, *, catch_up: bool = True) -> dict:
    """The sums of `tables._table_result` for the period, from `period_flows`."""
    return as_table_result(period_flows(teams, date_from, date_to, catch_up=catch_up))


def _read(team_ids, first_month: date, first_whole: date, end_whole: date):
    """The teams' flows before `first_month` (those of the stocks and the breakdowns: their
    all-time totals less the months from `first_month` on) and in the whole months from
    `first_whole` up to `end_whole` (excluded), as ({(gender, measure): n} before, within):
    two grouped queries
    in one UNION ALL, the all-time rows and the months from `first_month` on, each a range
    of an index (with an OR of the two months PostgreSQL scans every month of the teams)."""
    stocks = Q(measure__in=STOCK_SOURCES) | Q(measure__startswith=BREAKDOWN_PREFIX)
    rows = MonthlyCount.objects.filter(team_id__in=team_ids).order_by()
    ever = (
        rows.filter(stocks, month=ALL_TIME)
        .values_list("gender", "measure")
        .annotate(ever=Sum("value"), since=Value(0), within=Value(0))
    )
    later = (
        rows.filter(month__gte=first_month)
        .exclude(measure__startswith=MODULE_PREFIXES[0])
        .exclude(measure__startswith=MODULE_PREFIXES[1])
        .exclude(measure__startswith=held.PREFIX)
        .values_list("gender", "measure")
        .annotate(
            ever=Value(0),
            since=Sum("value", filter=stocks),
            within=Sum("value", filter=Q(month__gte=first_whole, month__lt=end_whole)),
        )
    )
    before: dict[tuple[str, str], int] = defaultdict(int)
    within: dict[tuple[str, str], int] = defaultdict(int)
    for gender, measure, ever_n, since_n, within_n in ever.union(later, all=True):
        # The all-time total less the months from `first_month` on.
        before[(gender, measure)] += (ever_n or 0) - (since_n or 0)
        within[(gender, measure)] += within_n or 0
    return before, within


def breakdown_counts(flows: Flows, dimension: str) -> dict[str, dict[str, int]]:
    """Per value of the breakdown's dimension, the measures of `tables._breakdown_row`:
    "active__<column>" (active during the period: the stock before it and its starts),
    "new__<column>" and "exits__<column>". Only the values with someone active in the
    period, as the direct computation groups them."""
    prefix = f"{BREAKDOWN_PREFIX}{dimension}:"
    found: dict[str, dict[str, int]] = {}
    for source, part in ((flows.before, "before"), (flows.within, "within")):
        for (gender, measure), value in source.items():
            if not measure.startswith(prefix) or not value:
                continue
            key, event = measure[len(prefix) :].rsplit(":", 1)
            values = found.setdefault(key, defaultdict(int))
            sign = 1 if event == "start" else -1
            columns = (gender, TOTAL) if gender in GENDERS else (TOTAL,)
            for column in columns:
                if part == "before":
                    values[f"active__{column}"] += sign * value
                else:
                    if event == "start":
                        values[f"active__{column}"] += value
                    values[f"{'new' if event == 'start' else 'exits'}__{column}"] += value
    return {key: dict(values) for key, values in found.items() if values.get(f"active__{TOTAL}")}


def as_table_result(flows: Flows) -> dict:
    """The sums of `tables._table_result` from a period's flows."""
    before, within = flows.before, flows.within
    result = {}
    for column in GENDERS:

        def flow(measure, column=column):
            return within.get((column, measure), 0)

        def stock(suffix, column=column):
            return before.get((column, f"start{suffix}"), 0) - before.get(
                (column, f"exit{suffix}"), 0
            )

        exits = flow("exit")
        values = {
            "aktiva_vid_periodens_start": stock(""),
            "nya_under_perioden": flow("start"),
            "aktiva_under_perioden": stock("") + flow("start"),
            "avslut_totalt": exits,
            **{code: flow(f"exit:{code}") for code in OUTCOME_KEYS},
            "days": flow("exit_days") if exits else None,
            "months_n": stock("_months_n") + flow("start_months_n"),
            "stegforflyttning__num": flow("exit_step"),
            "stegforflyttning__den": exits,
            "arbete_eller_studier__num": sum(flow(f"exit:{code}") for code in WORK_OUTCOMES),
            "arbete_eller_studier__den": exits,
            "okat_valmaende__num": flow("exit_better"),
            "okat_valmaende__den": flow("exit_both"),
        }
        values["months"] = stock("_months") + flow("start_months") if values["months_n"] else None
        for name, value in values.items():
            result[f"{name}__{column}"] = value
    for name in {key.rsplit("__", 1)[0] for key in result}:
        parts = [result[f"{name}__{c}"] for c in GENDERS if result[f"{name}__{c}"] is not None]
        result[f"{name}__{TOTAL}"] = sum(parts) if parts else None
    return result
