"""The board's tables (SPEC §9), computed in the database.

`board_table` runs a fixed number of queries whatever the number of enrolments: one
conditional aggregation for the table and the targets, one per breakdown, one for the
before → after matrices, one for the module names, one for the consultations per agency and
month and one for the follow-ups after exit. Every statistic leaves out enrolments registered
in error.

The population of every measure is "active during the period": start ≤ to and (no exit or
exit ≥ from). Exits within the period, new enrolments and those active at the period's start
are all subsets of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    TruncMonth,
)
from django.db.models.lookups import Exact, LessThan

from common.months import MONTH_NAMES
from modules.models import Module, Placement
from referrals.models import Consultation
from rehab.models import (
    INCOME_BITS,
    Agency,
    CaseMeeting,
    Enrolment,
    ExitFollowUp,
    ExitOutcome,
    Goal,
    IncomeSource,
    Kommun,
    Occupation,
    Referrer,
    Team,
)
from reporting.board import aggregates
from reporting.board.columns import (
    AGE_BANDS,
    COLUMNS,
    GENDERS,
    MATRICES,
    OUTCOME_KEYS,
    TOTAL,
    age_band_of,
    days,
    matrix_flows,
)

ONE_DECIMAL = Decimal("0.1")

# SPEC §9, in the order of the table and of tests/data/examples/board_2024H1_expected.csv.
# (key, Swedish heading, unit)
ROWS = [
    ("aktiva_under_perioden", "Antal aktiva under perioden", "antal"),
    ("aktiva_vid_periodens_start", "Antal aktiva vid periodens ingång", "antal"),
    ("nya_under_perioden", "Antal nya under perioden", "antal"),
    ("avslut_totalt", "Antal avslut totalt", "antal"),
    (ExitOutcome.TIDIGT_AVHOPP.value, "Varav tidiga avhopp", "antal"),
    (ExitOutcome.ARBETE.value, "Antal i arbete", "antal"),
    (ExitOutcome.STUDIER.value, "Antal i studier", "antal"),
    (ExitOutcome.ANNAN_REHAB.value, "Antal till annan arbetslivsinriktad rehab", "antal"),
    (ExitOutcome.MEDICINSK_REHAB.value, "Antal till medicinsk rehab", "antal"),
    (ExitOutcome.ERSATTNING.value, "Antal till aktivitets- eller sjukersättning", "antal"),
    (ExitOutcome.ANNAT.value, "Antal till annat, t.ex. social praktik", "antal"),
    ("genomstromningstid_dagar_snitt", "Genomströmningstid i snitt", "dagar"),
    (
        "tid_utan_arbete_manader_snitt",
        "Tid utan arbete eller studier före start i snitt",
        "månader",
    ),
]
MEAN_KEYS = {"genomstromningstid_dagar_snitt", "tid_utan_arbete_manader_snitt"}

# REBUS's targets, used where a team has not set its own (Team.target_*_pct).
TARGETS = [
    ("stegforflyttning", "Stegförflyttning", "target_step_pct"),
    ("arbete_eller_studier", "Arbete eller studier", "target_work_pct"),
    ("okat_valmaende", "Ökat välmående", "target_wellbeing_pct"),
]
TARGET_DEFINITIONS = {
    "stegforflyttning": "Avslutade med minst ett uppnått delmål, av alla avslutade",
    "arbete_eller_studier": "Avslutade till arbete eller studier, av alla avslutade",
    "okat_valmaende": (
        "Avslutade som skattar sitt välmående högre vid avslut än vid start, "
        "av avslutade med båda skattningarna"
    ),
}

# Follow-ups after exit (SPEC §8) that count as "in work or studies": förvärvsarbete and
# studier. Occupation has no separate code for subsidised employment (lönebidrag,
# nystartsjobb …): it is förvärvsarbete, as the exit outcome `arbete` is work "subsidised or
# not". Arbetssökande and övrigt are neither.
WORK_OR_STUDIES = (Occupation.ARBETE.value, Occupation.STUDIER.value)

NO_MODULE = "Ingen modul"
MISSING = "saknas"
MISSING_LABEL = "Uppgift saknas"


def round_half_away(value: Decimal) -> Decimal:
    """One decimal, halves away from zero (2.25 → 2.3, −2.25 → −2.3)."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def mean(total: int | None, n: int) -> Decimal | None:
    """The mean of n values summing to `total`, rounded to one decimal; None for n = 0."""
    if not n:
        return None
    return round_half_away(Decimal(total or 0) / Decimal(n))


def percent(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return round_half_away(Decimal(numerator * 100) / Decimal(denominator))


# --- Result types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One measure of §9: counts, or means with the number of enrolments behind each."""

    key: str
    heading: str
    unit: str
    values: dict[str, int | Decimal | None]
    bases: dict[str, int] = field(default_factory=dict)

    @property
    def is_mean(self) -> bool:
        return self.key in MEAN_KEYS


@dataclass(frozen=True)
class Target:
    key: str
    heading: str
    definition: str
    numerators: dict[str, int]
    denominators: dict[str, int]
    target_pct: int | None

    def pct(self, column: str = TOTAL) -> Decimal | None:
        return percent(self.numerators[column], self.denominators[column])

    @property
    def reached(self) -> bool | None:
        pct = self.pct()
        if pct is None or self.target_pct is None:
            return None
        return pct >= self.target_pct


@dataclass(frozen=True)
class BreakdownRow:
    """Active, new and exits of one category, each per gender and in total."""

    key: str
    label: str
    active: dict[str, int]
    new: dict[str, int]
    exits: dict[str, int]


@dataclass(frozen=True)
class Breakdown:
    key: str
    heading: str
    category: str
    rows: list[BreakdownRow]


@dataclass(frozen=True)
class Matrix:
    """Before → after counts over the period's exits. `additive` when each exit falls in
    exactly one row and one column (occupation); income sources may be several at once."""

    key: str
    heading: str
    keys: list[str]
    labels: list[str]
    cells: list[list[int]]
    row_totals: list[int]
    col_totals: list[int]
    total: int
    additive: bool
    # The margins per gender: {"K": [count per category], …}, before (rows) and after (columns).
    row_totals_by_gender: dict[str, list[int]] = field(default_factory=dict)
    col_totals_by_gender: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Consultations:
    """Consultations (SPEC §5: counted, never personal) per agency and calendar month of the
    period. `months` are (year, month) from the period's first month to its last."""

    months: list[tuple[int, int]]
    agencies: list[tuple[str, str]]
    counts: dict[tuple[str, tuple[int, int]], int]

    def count(self, agency: str, month: tuple[int, int]) -> int:
        return self.counts.get((agency, month), 0)

    def agency_total(self, agency: str) -> int:
        return sum(self.count(agency, m) for m in self.months)

    def month_total(self, month: tuple[int, int]) -> int:
        return sum(self.count(a, month) for a, _label in self.agencies)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CaseMeetings:
    """A samverkansteam's case meetings (SPEC §13 rule 11: counted per month and agency,
    never personal): per calendar month of the period, the meetings held and the participants
    discussed at them (a participant counts once per meeting), in total and for each agency
    present. A meeting has one agency or more, so a month's agencies add up to at least its
    total."""

    MEASURES = (("meetings", "Ärendemöten"), ("discussed", "Diskuterade deltagare"))

    months: list[tuple[int, int]]
    agencies: list[tuple[str, str]]
    # (measure, agency code or TOTAL, (year, month)) → count
    counts: dict[tuple[str, str, tuple[int, int]], int]

    def count(self, measure: str, agency: str, month: tuple[int, int]) -> int:
        return self.counts.get((measure, agency, month), 0)

    def period_total(self, measure: str, agency: str) -> int:
        return sum(self.count(measure, agency, m) for m in self.months)


@dataclass(frozen=True)
class FollowUp:
    """Of the period's exits, those followed up `months` after exit, and of them those in
    work or studies then, per gender and in total."""

    months: int
    label: str
    followed: dict[str, int]
    work: dict[str, int]

    def pct(self, column: str = TOTAL) -> Decimal | None:
        return percent(self.work[column], self.followed[column])


@dataclass(frozen=True)
class BoardTable:
    teams: list[Team]
    date_from: date
    date_to: date
    rows: list[Row]
    targets: list[Target]
    breakdowns: list[Breakdown]
    matrices: list[Matrix]
    consultations: Consultations
    followups: list[FollowUp]
    # Only where one of the teams holds case meetings (or held them in the period).
    case_meetings: CaseMeetings | None = None

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)


# --- Queries --------------------------------------------------------------------------------


def _period_filters(date_from: date, date_to: date) -> dict[str, Q]:
    exits = Q(exit_date__lte=date_to)
    filters = {
        "aktiva_under_perioden": Q(),
        "aktiva_vid_periodens_start": Q(start_date__lt=date_from),
        "nya_under_perioden": Q(start_date__gte=date_from),
        "avslut_totalt": exits,
    }
    for code in OUTCOME_KEYS:
        filters[code] = exits & Q(exit_outcome=code)
    return filters


def gender_q(column: str) -> Q:
    return Q() if column == TOTAL else Q(participant__gender=column)


def active_enrolments(teams, date_from: date, date_to: date):
    """Enrolments active during the period: the population of every measure."""
    return Enrolment.objects.in_period(date_from, date_to).filter(team__in=teams)


_days = days


def board_table(*, teams, date_from: date, date_to: date) -> BoardTable:
    """The §9 table for the teams (one, or all of a förbund) and the period [from, to].

    Module breakdown: each enrolment counts under the module of its latest placement held
    during the period (started on or before `to` and not ended before `from`), which is the
    placement open at the period's end, or for those who left or moved, the last one they had
    in the period. Enrolments without a placement in the period count as "Ingen modul".

    Age band: age at enrolment start, from the birth date where known, else the age reached
    during the start year (birth year only, e.g. anonymous participants).
    """
    teams = list(teams)
    active = active_enrolments(teams, date_from, date_to)
    filters = _period_filters(date_from, date_to)
    flows = aggregates.period_flows(teams, date_from, date_to)
    rows, targets = table_rows_and_targets(aggregates.as_table_result(flows), teams)
    exits = active.filter(filters["avslut_totalt"])
    return BoardTable(
        teams=teams,
        date_from=date_from,
        date_to=date_to,
        rows=rows,
        targets=targets,
        breakdowns=breakdowns_from(flows, teams, date_from, date_to),
        matrices=matrices_from(flows),
        consultations=_consultations(teams, date_from, date_to),
        followups=_followups(exits),
        case_meetings=_case_meetings(teams, date_from, date_to),
    )


def table_and_targets(teams, date_from: date, date_to: date):
    """The §9 rows and the targets from the aggregate tables (reporting/board/aggregates.py:
    one query over the teams' monthly rows, and for a period that starts or ends inside a
    month one more for the enrolments with an event on its odd days). The direct computation
    from the enrolments (`_table_and_targets`) gives the same numbers."""
    return table_rows_and_targets(aggregates.table_result(teams, date_from, date_to), teams)


def _table_and_targets(active, filters, teams):
    """The direct computation of `table_and_targets`, from the enrolments."""
    return table_rows_and_targets(_table_result(active, filters), teams)


def _table_result(active, filters) -> dict:
    """The sums behind the §9 table and the targets, per gender and in total, keyed
    "<measure>__<column>" (`table_rows_and_targets` turns them into rows). The aggregate
    tables give the same dict for whole months (reporting/board/aggregates.py)."""
    exits = filters["avslut_totalt"]
    duration = ExpressionWrapper(F("exit_date") - F("start_date"), output_field=DurationField())
    achieved_subgoal = Exists(
        Goal.objects.filter(
            enrolment=OuterRef("pk"), parent__isnull=False, status=Goal.Status.ACHIEVED
        )
    )
    both_scores = Q(wellbeing_start__isnull=False, wellbeing_exit__isnull=False)
    target_filters = {
        "stegforflyttning": (exits & Q(achieved_subgoal), exits),
        "arbete_eller_studier": (
            exits & Q(exit_outcome__in=[ExitOutcome.ARBETE, ExitOutcome.STUDIER]),
            exits,
        ),
        "okat_valmaende": (
            exits & both_scores & Q(wellbeing_exit__gt=F("wellbeing_start")),
            exits & both_scores,
        ),
    }
    has_months = Q(months_without_work__isnull=False)
    # One row per gender, summed into the total here: a quarter of the aggregates (and of the
    # step-movement subqueries) that one column per gender and total would need.
    aggregates = {}
    for key, condition in filters.items():
        aggregates[key] = Count("pk", filter=condition)
    aggregates["days"] = Sum(duration, filter=exits)
    aggregates["months"] = Sum("months_without_work", filter=has_months)
    aggregates["months_n"] = Count("pk", filter=has_months)
    for key, (numerator, denominator) in target_filters.items():
        aggregates[f"{key}__num"] = Count("pk", filter=numerator)
        aggregates[f"{key}__den"] = Count("pk", filter=denominator)
    grouped = {
        values.pop("participant__gender"): values
        for values in active.values("participant__gender").annotate(**aggregates).order_by()
    }
    result = {}
    for name in aggregates:
        total = None
        for column in GENDERS:
            value = grouped.get(column, {}).get(name)
            if name == "days":
                value = _days(value) if value is not None else None
            result[f"{name}__{column}"] = (
                value if value is not None else (None if name in ("days", "months") else 0)
            )
            if value is not None:
                total = (total or 0) + value
        result[f"{name}__{TOTAL}"] = (
            total if total is not None else (None if name in ("days", "months") else 0)
        )
    return result


def table_rows_and_targets(result: dict, teams) -> tuple[list[Row], list[Target]]:
    """The §9 rows and the targets from the sums of `_table_result`."""
    rows = []
    for key, heading, unit in ROWS:
        if key == "genomstromningstid_dagar_snitt":
            bases = {c: result[f"avslut_totalt__{c}"] for c in COLUMNS}
            values = {c: mean(_days(result[f"days__{c}"]), bases[c]) for c in COLUMNS}
        elif key == "tid_utan_arbete_manader_snitt":
            bases = {c: result[f"months_n__{c}"] for c in COLUMNS}
            values = {c: mean(result[f"months__{c}"], bases[c]) for c in COLUMNS}
        else:
            bases = {}
            values = {c: result[f"{key}__{c}"] for c in COLUMNS}
        rows.append(Row(key=key, heading=heading, unit=unit, values=values, bases=bases))

    targets = [
        Target(
            key=key,
            heading=heading,
            definition=TARGET_DEFINITIONS[key],
            numerators={c: result[f"{key}__num__{c}"] for c in COLUMNS},
            denominators={c: result[f"{key}__den__{c}"] for c in COLUMNS},
            target_pct=_common_target(teams, attribute),
        )
        for key, heading, attribute in TARGETS
    ]
    return rows, targets


def _common_target(teams, attribute) -> int | None:
    """The teams' target value; None when the teams have set different ones."""
    values = {getattr(team, attribute) for team in teams}
    return values.pop() if len(values) == 1 else None


BREAKDOWN_MEASURES = {
    "active": "aktiva_under_perioden",
    "new": "nya_under_perioden",
    "exits": "avslut_totalt",
}


def _breakdown_aggregates(filters):
    return {
        f"{measure}__{c}": Count("pk", filter=filters[key] & gender_q(c))
        for measure, key in BREAKDOWN_MEASURES.items()
        for c in COLUMNS
    }


def _breakdown_row(key, label, values) -> BreakdownRow:
    by_measure = {
        measure: {c: values.get(f"{measure}__{c}", 0) for c in COLUMNS}
        for measure in BREAKDOWN_MEASURES
    }
    return BreakdownRow(key=str(key), label=label, **by_measure)


def _grouped(queryset, group_field, filters) -> dict:
    aggregates = _breakdown_aggregates(filters)
    return {
        values.pop(group_field): values
        for values in queryset.values(group_field).annotate(**aggregates).order_by(group_field)
    }


def _age_at_start():
    """Age in whole years on the enrolment's start date; from the birth year alone (the age
    reached during the start year) where the birth date is unknown."""
    birth_date = F("participant__birth_date")
    start_day = ExtractMonth("start_date") * 100 + ExtractDay("start_date")
    birthday = ExtractMonth(birth_date) * 100 + ExtractDay(birth_date)
    before_birthday = Case(
        When(LessThan(start_day, birthday), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # With no birth date the comparison is NULL, so the case gives 0.
    birth_year = Coalesce(
        ExtractYear(birth_date), F("participant__birth_year"), output_field=IntegerField()
    )
    return ExtractYear("start_date") - birth_year - before_birthday


def breakdowns_from(flows, teams, date_from, date_to) -> list[Breakdown]:
    """The four breakdowns: per kommun, referrer and age band from the period's aggregate
    flows (`aggregates.breakdown_counts`), per module from the aggregates' rectangles of
    periods (`aggregates.module_breakdown`, reporting/board/held.py: the module held during
    the period depends on both its ends). `direct_breakdowns` computes all four from the
    enrolments, with the same numbers."""
    by_id = aggregates.breakdown_counts(flows, "kommun")
    by_name: dict = {}
    # The direct computation groups and orders by the kommun's name, in the database's
    # collation: so do the names here.
    # (`or [0]`: one query whatever the data, as the page's query count is tested.)
    names = Kommun.objects.filter(pk__in=[int(k) for k in by_id] or [0]).order_by("name")
    for pk, name in names.values_list("pk", "name"):
        summed = by_name.setdefault(name, {})
        for measure, value in by_id[str(pk)].items():
            summed[measure] = summed.get(measure, 0) + value
    by_band = aggregates.breakdown_counts(flows, "aldersgrupp")
    return _four_breakdowns(
        by_name,
        aggregates.breakdown_counts(flows, "remittent"),
        {band: by_band.get(str(i), {}) for i, band in enumerate(AGE_BANDS)},
        _aggregated_module_breakdown(teams, date_from, date_to),
    )


def _four_breakdowns(by_kommun, by_referrer, by_band, module_breakdown) -> list[Breakdown]:
    """The breakdowns in the table's order, from the counts per kommun name, referrer code
    and age band (`_breakdown_row`'s measures)."""
    return [
        Breakdown(
            "kommun",
            "Per kommun",
            "Kommun",
            [_breakdown_row(name, name, values) for name, values in by_kommun.items()],
        ),
        Breakdown(
            "remittent",
            "Per remittent",
            "Remittent",
            [
                _breakdown_row(code, label, by_referrer.get(code, {}))
                for code, label in Referrer.choices
            ],
        ),
        module_breakdown,
        Breakdown(
            "aldersgrupp",
            "Per åldersgrupp",
            "Åldersgrupp vid start",
            [_breakdown_row(band, band, by_band.get(band, {})) for band in AGE_BANDS],
        ),
    ]


def direct_breakdowns(active, filters, teams, date_from, date_to) -> list[Breakdown]:
    """The four breakdowns computed from the enrolments (the aggregates' check)."""
    by_kommun = _grouped(
        active.annotate(kommun_name=F("participant__kommun__name")), "kommun_name", filters
    )
    # Grouped by age (a few dozen groups), then summed into bands: the age expression runs
    # once per row instead of once per band boundary (SQLite evaluates date parts in Python).
    by_band = {}
    for age, values in _grouped(active.annotate(age=_age_at_start()), "age", filters).items():
        band = age_band_of(age)
        summed = by_band.setdefault(band, {})
        for name, value in values.items():
            summed[name] = summed.get(name, 0) + value
    return _four_breakdowns(
        by_kommun,
        _grouped(active, "referrer", filters),
        by_band,
        _module_breakdown(active, filters, teams, date_from, date_to),
    )


def _module_breakdown(active, filters, teams, date_from, date_to) -> Breakdown:
    held = Placement.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=date_from),
        enrolment=OuterRef("pk"),
        start_date__lte=date_to,
    ).order_by("-start_date", "-pk")
    by_module = _grouped(
        active.annotate(module_held=Subquery(held.values("module_id")[:1])),
        "module_held",
        filters,
    )
    return _module_rows(
        by_module, teams, Module.objects.filter(team__in=teams).select_related("team")
    )


def _aggregated_module_breakdown(teams, date_from, date_to) -> Breakdown:
    modules = list(Module.objects.filter(team__in=teams).select_related("team"))
    # The caller's `flows` were read after the guard's catch-up: the rows are current.
    by_module = aggregates.module_breakdown(
        teams, date_from, date_to, [m.pk for m in modules], catch_up=False
    )
    return _module_rows(by_module, teams, modules)


def _module_rows(by_module: dict, teams, modules) -> Breakdown:
    """The module breakdown from the counts per module id (None: no module) in
    `_breakdown_row`'s measures: a row per module of the teams, and "Ingen modul"."""
    module_rows = []
    several_teams = len(teams) > 1
    for module in modules:
        label = f"{module.name} ({module.team.name})" if several_teams else module.name
        module_rows.append(_breakdown_row(module.pk, label, by_module.get(module.pk, {})))
    module_rows.append(_breakdown_row("ingen", NO_MODULE, by_module.get(None, {})))
    return Breakdown("modul", "Per modul", "Modul", module_rows)


def income_has(field_name: str, source: str) -> Q:
    """The enrolment's income bit set (at start or exit) includes `source`."""
    bit = INCOME_BITS[source]
    return Q(Exact(F(field_name).bitand(bit), bit))


def income_missing(field_name: str) -> Q:
    return Q(**{f"{field_name}__isnull": True}) | Q(**{field_name: 0})


def occupation_is(field_name: str, code: str) -> Q:
    return Q(**{field_name: code})


def occupation_missing(field_name: str) -> Q:
    return Q(**{field_name: ""}) | Q(**{f"{field_name}__isnull": True})


def income_categories(field_name: str) -> list[tuple[str, str, Q]]:
    return [
        *((code, label, income_has(field_name, code)) for code, label in IncomeSource.choices),
        (MISSING, MISSING_LABEL, income_missing(field_name)),
    ]


def occupation_categories(field_name: str) -> list[tuple[str, str, Q]]:
    return [
        *((code, label, occupation_is(field_name, code)) for code, label in Occupation.choices),
        (MISSING, MISSING_LABEL, occupation_missing(field_name)),
    ]


def _categories(kind: str, when: str):
    field_name = f"{kind}_{when}"
    return income_categories(field_name) if kind == "income" else occupation_categories(field_name)


def _matrices(exits) -> list[Matrix]:
    """The before → after matrices over `exits`, computed from the enrolments (the
    aggregates' check; the board reads `matrices_from` the period's flows)."""
    # One row per combination of values found (a few hundred at most), counted in the
    # database; each combination then adds its count to the cells it belongs to.
    combinations = list(
        exits.values(
            "income_start",
            "income_exit",
            "occupation_start",
            "occupation_exit",
            gender=F("participant__gender"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple, int] = {}
    total = 0
    for combination in combinations:
        n, gender = combination["n"], combination["gender"]
        total += n
        for key, value in matrix_flows(combination, gender).items():
            counts[key] = counts.get(key, 0) + value * n
    return _matrices_of(counts, total)


def matrices_from(flows) -> list[Matrix]:
    """The matrices from a period's flows (`aggregates.matrix_counts`); the exits' total is
    the §9 table's."""
    counts, total = aggregates.matrix_counts(flows)
    return _matrices_of(counts, total)


def _matrices_of(counts: dict[tuple, int], total: int) -> list[Matrix]:
    matrices = []
    for key, heading, kind, additive in MATRICES:
        before = _categories(kind, "start")
        size = len(before)
        cells = [[counts.get((key, "c", i, j), 0) for j in range(size)] for i in range(size)]
        rows_by_gender = {
            g: [counts.get((key, "r", i, g), 0) for i in range(size)] for g in GENDERS
        }
        cols_by_gender = {
            g: [counts.get((key, "k", j, g), 0) for j in range(size)] for g in GENDERS
        }
        # The totals count every exit, whatever its gender (one of K, M, X, as in the table).
        genders = {k[3] for k in counts if k[0] == key and k[1] in ("r", "k")}
        row_totals = [sum(counts.get((key, "r", i, g), 0) for g in genders) for i in range(size)]
        col_totals = [sum(counts.get((key, "k", j, g), 0) for g in genders) for j in range(size)]
        matrices.append(
            Matrix(
                key=key,
                heading=heading,
                keys=[code for code, _label, _q in before],
                labels=[label for _code, label, _q in before],
                cells=cells,
                row_totals=row_totals,
                col_totals=col_totals,
                total=total,
                additive=additive,
                row_totals_by_gender=rows_by_gender,
                col_totals_by_gender=cols_by_gender,
            )
        )
    return matrices


def month_label(year: int, month: int) -> str:
    """ "jan 2024": a month as a column heading."""
    return f"{MONTH_NAMES[month - 1][:3]} {year}"


def period_months(date_from: date, date_to: date) -> list[tuple[int, int]]:
    """The calendar months the period touches, (year, month), first to last."""
    months = []
    y, m = date_from.year, date_from.month
    while (y, m) <= (date_to.year, date_to.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _consultations(teams, date_from: date, date_to: date) -> Consultations:
    """Consultations of the teams dated within the period, per agency and month: one query."""
    grouped = (
        Consultation.objects.filter(team__in=teams, date__range=(date_from, date_to))
        .annotate(month=TruncMonth("date"))
        .values_list("agency", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(agency, (month.year, month.month)): n for agency, month, n in grouped}
    return Consultations(
        months=period_months(date_from, date_to),
        agencies=list(Referrer.choices),
        counts=counts,
    )


def _case_meetings(teams, date_from: date, date_to: date) -> CaseMeetings | None:
    """The teams' case meetings dated within the period, per month and agency present, and
    the participants discussed at them: one query, one row per meeting. None, without a
    query, where no team holds case meetings (the setting on the team)."""
    if not any(team.has_case_meetings for team in teams):
        return None
    rows = list(
        CaseMeeting.objects.filter(team__in=teams, date__range=(date_from, date_to))
        .values_list("pk", "date", "agencies")
        .annotate(discussed=Count("items"))
        .order_by()
    )
    counts: dict = {}
    for _pk, day, agencies, discussed in rows:
        month = (day.year, day.month)
        for agency in (TOTAL, *(a for a in Agency.values if a in (agencies or []))):
            for measure, n in (("meetings", 1), ("discussed", discussed)):
                key = (measure, agency, month)
                counts[key] = counts.get(key, 0) + n
    return CaseMeetings(
        months=period_months(date_from, date_to),
        agencies=list(Agency.choices),
        counts=counts,
    )


def _followups(exits) -> list[FollowUp]:
    """The follow-ups 3, 6 and 12 months after exit of the period's exits (`exits`, the
    population of `avslut_totalt`), whenever they were registered: one query. So a
    period's figures grow as its later follow-ups are recorded."""
    grouped = (
        ExitFollowUp.objects.filter(enrolment__in=exits.values("pk"))
        .values_list("months_after", "enrolment__participant__gender")
        .annotate(
            followed=Count("pk"),
            work=Count("pk", filter=Q(occupation__in=WORK_OR_STUDIES)),
        )
        .order_by()
    )
    by_interval: dict = {}
    for months, gender, followed, work in grouped:
        by_interval.setdefault(months, {})[gender] = (followed, work)
    result = []
    for months, label in ExitFollowUp.After.choices:
        found = by_interval.get(months, {})
        followed = {g: found.get(g, (0, 0))[0] for g in GENDERS}
        work = {g: found.get(g, (0, 0))[1] for g in GENDERS}
        followed[TOTAL], work[TOTAL] = sum(followed.values()), sum(work.values())
        result.append(FollowUp(months=months, label=label, followed=followed, work=work))
    return result
