"""The dashboards' figures as the page, the chart data and the CSV files show them.

Each builder takes counts already disclosure-controlled by reporting/dashboards/dashboard.py
(`shown`: an int where a count is shown, "<5" or "–" where it is withheld) and lays them out as one
`Figure`: a chart with the table behind it. Derived figures (shares, means, medians) are
withheld here where they rest on fewer people than the threshold or on a withheld count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from common.cells import COUNT, MEAN, MONEY, PERCENT, Cell, cell_text
from rehab.models import ExitOutcome, Referrer
from reporting.board.tables import COLUMNS, GENDERS, TOTAL, mean, percent
from reporting.disclosure import DEFAULT_THRESHOLD, HIDDEN, small_label

MONTH_NAMES = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
GENDER_HEADINGS = {"K": "Kvinnor", "M": "Män", "X": "Annat / ej angivet", TOTAL: "Totalt"}


def legend(threshold: int = DEFAULT_THRESHOLD) -> str:
    return (
        f"Antal från 1 till {threshold - 1} visas som ”{small_label(threshold)}”. ”–” betyder "
        "att värdet döljs eftersom ett dolt antal annars skulle kunna räknas fram. "
        f"Medelvärden, medianer och andelar visas bara när de bygger på minst {threshold} "
        "personer."
    )


FIGURE_KEYS = [
    "aktiva",
    "inflode-och-avslut",
    "belaggning",
    "vantelista",
    "avslutsorsaker",
    "mal",
    "uppfoljning-efter-avslut",
    "remisser",
    "konsultationer",
    "budget",
]


# --- Result types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str = COUNT
    chart: bool = True
    stack: str | None = None


@dataclass(frozen=True)
class Figure:
    """One chart with its table: rows of (label, cells), cells already disclosure-controlled
    (an int/Decimal where shown, "<5" or "–" where withheld, None where there is no value)."""

    key: str
    title: str
    intro: str
    category: str
    columns: list[Column]
    rows: list[tuple[str, list[Cell]]]
    chart_type: str = "bar"
    stacked: bool = False
    y_label: str = "Antal"
    footnote: str = ""

    def table(self) -> list[tuple[str, list[str]]]:
        return [
            (label, [cell_text(c, col.kind) for c, col in zip(cells, self.columns, strict=True)])
            for label, cells in self.rows
        ]

    def csv_rows(self) -> list[list[str]]:
        rows = [[self.category, *(col.heading for col in self.columns)]]
        for label, cells in self.rows:
            rows.append(
                [
                    label,
                    *(
                        cell_text(c, col.kind, for_csv=True)
                        for c, col in zip(cells, self.columns, strict=True)
                    ),
                ]
            )
        return rows

    def chart_data(self) -> dict:
        """What static/js/dashboard.js draws: numbers where shown, null where withheld (the
        label then says "<5" or "–"), never the true value of a withheld cell."""
        datasets = []
        for i, col in enumerate(self.columns):
            if not col.chart:
                continue
            values, texts = [], []
            for _label, cells in self.rows:
                cell = cells[i]
                values.append(_chart_number(cell))
                texts.append(cell_text(cell, col.kind))
            datasets.append(
                {"label": col.heading, "data": values, "text": texts, "stack": col.stack}
            )
        return {
            "type": self.chart_type,
            "labels": [label for label, _cells in self.rows],
            "datasets": datasets,
            "stacked": self.stacked,
            "yLabel": self.y_label,
            "money": any(col.kind == MONEY for col in self.columns if col.chart),
            "percent": any(col.kind == PERCENT for col in self.columns if col.chart),
        }


# --- Formatting -----------------------------------------------------------------------------


def _chart_number(cell: Cell):
    if cell is None or isinstance(cell, str):
        return None
    if isinstance(cell, Decimal):
        return float(cell)
    return cell


def month_label(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


def as_days(value) -> int:
    """A summed or single duration as whole days (a timedelta on both backends; None
    when nothing was summed)."""
    if value is None:
        return 0
    return value.days if hasattr(value, "days") else int(value)


# --- The figures ----------------------------------------------------------------------------


REFERRAL_MEASURES = ("n", "decided", "started")


def _gender_columns(kind: str = COUNT, stack: str | None = None, prefix: str = ""):
    return [
        Column(f"{prefix}{GENDER_HEADINGS[c]}", kind, chart=c != TOTAL, stack=stack)
        for c in COLUMNS
    ]


def active_figure(shown, points, as_of, today) -> Figure:
    rows = []
    for i, day in enumerate(points):
        label = day.isoformat()
        if i == len(points) - 1 and day == today:
            label = f"{label} (i dag)"
        rows.append((label, [shown[("a", i, c)] for c in COLUMNS]))
    return Figure(
        key="aktiva",
        title="Aktiva deltagare",
        intro=(
            "Pågående inskrivningar vid varje månads slut de senaste 24 månaderna och den "
            f"{as_of.isoformat()}. Den som avslutas en månads sista dag räknas inte som aktiv "
            "vid månadens slut."
        ),
        category="Datum",
        columns=[
            *(Column(GENDER_HEADINGS[g]) for g in GENDERS),
            Column(GENDER_HEADINGS[TOTAL]),
        ],
        rows=rows,
        chart_type="line",
    )


def flow_figure(shown, flows) -> Figure:
    rows = [
        (
            month_label(f["year"], f["month"]),
            [
                *(shown[("n", f["month"], c)] for c in COLUMNS),
                *(shown[("x", f["month"], c)] for c in COLUMNS),
            ],
        )
        for f in flows
    ]
    rows.append(
        (
            "Hela perioden",
            [
                *(shown[("t", "nya_under_perioden", c)] for c in COLUMNS),
                *(shown[("t", "avslut_totalt", c)] for c in COLUMNS),
            ],
        )
    )
    columns = [
        *_gender_columns(stack="nya", prefix="Nya: "),
        *_gender_columns(stack="avslut", prefix="Avslut: "),
    ]
    figure = Figure(
        key="inflode-och-avslut",
        title="Inflöde och avslut per månad",
        intro="Nya inskrivningar och avslut per månad, uppdelat på kön.",
        category="Månad",
        columns=columns,
        rows=rows,
        stacked=True,
    )
    return figure


def _module_label(module, several) -> str:
    return f"{module.name} ({module.team.name})" if several else module.name


def occupancy_figure(shown, modules, several) -> Figure:
    rows = []
    for module in modules:
        occupied = shown[("occ", module.pk)]
        share = None
        free = None
        if module.capacity:
            if isinstance(occupied, int):
                share = percent(occupied, module.capacity)
                free = max(module.capacity - occupied, 0)
            else:
                # Free places or the share would give the withheld count away.
                share = free = HIDDEN
        rows.append((_module_label(module, several), [module.capacity, occupied, free, share]))
    return Figure(
        key="belaggning",
        title="Beläggning per modul",
        intro=(
            "Upptagna platser (pågående modulplaceringar) mot modulens kapacitet. "
            "Moduler utan kapacitetstak har ingen ledig-kolumn."
        ),
        category="Modul",
        columns=[
            Column("Kapacitet"),
            Column("Upptagna platser"),
            Column("Lediga platser", chart=False),
            Column("Beläggning", PERCENT, chart=False),
        ],
        rows=rows,
        footnote="" if rows else "Teamen har inga moduler.",
    )


def waiting_figure(shown, modules, several) -> Figure:
    rows = [(_module_label(module, several), [shown[("wait", module.pk)]]) for module in modules]
    if rows:
        rows.append(("Totalt", [shown[("wait", TOTAL)]]))
    return Figure(
        key="vantelista",
        title="Väntelista per modul",
        intro="Antal som står på väntelistan till en modul.",
        category="Modul",
        columns=[Column("På väntelistan")],
        rows=rows,
        footnote="" if rows else "Teamen har inga moduler.",
    )


def outcome_figure(shown) -> Figure:
    rows = [
        (label, [shown[("t", code, c)] for c in COLUMNS]) for code, label in ExitOutcome.choices
    ]
    rows.append(("Avslut totalt", [shown[("t", "avslut_totalt", c)] for c in COLUMNS]))
    return Figure(
        key="avslutsorsaker",
        title="Avslutsorsaker",
        intro="Periodens avslut per avslutsorsak (SPEC §8), uppdelat på kön.",
        category="Avslutsorsak",
        columns=_gender_columns(stack="kon"),
        rows=rows,
        stacked=True,
    )


def target_figure(targets) -> Figure:
    """The board's targets (`reporting.board.presentation.ViewTarget`s) as the page shows
    them."""
    rows = []
    for target in targets:
        rows.append(
            (
                target.heading,
                [
                    target.cells[TOTAL],
                    Decimal(target.target_pct) if target.target_pct is not None else None,
                    target.cells["K"],
                    target.cells["M"],
                    target.cells["X"],
                ],
            )
        )
    return Figure(
        key="mal",
        title="Mål och utfall",
        intro=(
            "Andel av periodens avslutade: stegförflyttning (minst ett uppnått delmål), "
            "arbete eller studier, och ökat välmående (av dem med båda skattningarna)."
        ),
        category="Mål",
        columns=[
            Column("Utfall", PERCENT),
            Column("Mål", PERCENT),
            Column("Utfall kvinnor", PERCENT, chart=False),
            Column("Utfall män", PERCENT, chart=False),
            Column("Utfall annat / ej angivet", PERCENT, chart=False),
        ],
        rows=rows,
        y_label="Procent",
    )


def followup_figure(followups) -> Figure:
    """Of the period's exits, those followed up 3, 6 and 12 months after exit and those then
    in work or studies (`reporting.board.presentation.ViewFollowUp`s, already as the page
    may show them)."""
    rows = [
        (
            f.label,
            [
                f.followed[TOTAL],
                f.work[TOTAL],
                f.share[TOTAL],
                *(f.share[g] for g in GENDERS),
            ],
        )
        for f in followups
    ]
    return Figure(
        key="uppfoljning-efter-avslut",
        title="Uppföljning efter avslut",
        intro=(
            "Av periodens avslutade: de som följts upp 3, 6 och 12 månader efter avslutet, och "
            "hur många av dem som då arbetade (med eller utan stöd) eller studerade."
        ),
        category="Efter avslut",
        columns=[
            Column("Uppföljda"),
            Column("I arbete eller studier"),
            Column("Andel i arbete eller studier", PERCENT, chart=False),
            *(
                Column(f"Andel {GENDER_HEADINGS[g].lower()}", PERCENT, chart=False)
                for g in GENDERS
            ),
        ],
        rows=rows,
    )


def consultation_figure(consultations) -> Figure:
    """Consultations per month, stacked by agency (a
    `reporting.board.presentation.ViewConsultations`, already as the page may show it: rows
    per agency there, one row per month here)."""
    labels = consultations.headings[:-1]
    by_agency = [cells for _label, cells in consultations.rows]
    totals = consultations.total[1]
    rows = [
        (label, [*(cells[j] for cells in by_agency), totals[j]]) for j, label in enumerate(labels)
    ]
    rows.append(("Hela perioden", [*(cells[-1] for cells in by_agency), totals[-1]]))
    return Figure(
        key="konsultationer",
        title="Konsultationer per myndighet",
        intro=(
            "Konsultationer som teamet gett handläggare under perioden, per månad och "
            "myndighet. De räknas bara, utan personuppgifter."
        ),
        category="Månad",
        columns=[
            *(Column(label, stack="myndighet") for label, _cells in consultations.rows),
            Column("Totalt", chart=False),
        ],
        rows=rows,
        stacked=True,
    )


def _wait_mean(stats_row, measure, base: Cell, exact, threshold) -> Cell:
    n = stats_row.get(measure, 0) if stats_row else 0
    if not n:
        return None
    if not exact and (not isinstance(base, int) or n < threshold):
        return HIDDEN
    return mean(as_days(stats_row.get(f"{measure}_days")), n)


def _wait_median(medians, measure, group, n, base: Cell, exact, threshold) -> Cell:
    if not n:
        return None
    if not exact and (not isinstance(base, int) or n < threshold):
        return HIDDEN
    return medians[measure].get(group)


def referral_figure(shown, referrals, exact, *, threshold: int = DEFAULT_THRESHOLD) -> Figure:
    """Referrals per source with the waiting times to decision and to start; where the scope
    has an En väg in entry, also the introductory conversations and the mean days to them
    (SPEC §13 rule 4). Every count is the page's suppressed one, and a mean is withheld where
    its count is hidden or under the threshold."""
    rows_in = referrals["rows"]
    medians = referrals["medians"]
    with_intro = referrals.get("intro", False)
    waits = ("decided", "started", "intro") if with_intro else ("decided", "started")
    groups = [(code, label) for code, label in Referrer.choices] + [(TOTAL, "Totalt")]
    means: dict[str, dict[str, Cell]] = {w: {} for w in waits}
    rows = []
    for group, label in groups:
        if group == TOTAL:
            stats = {m: sum(r.get(m, 0) for r in rows_in.values()) for m in ("n", *waits)}
            for w in waits:
                stats[f"{w}_days"] = sum(as_days(r.get(f"{w}_days")) for r in rows_in.values())
        else:
            stats = rows_in.get(group, {})
        cells = [shown[("r", m, group)] for m in REFERRAL_MEASURES]
        bases = {"decided": cells[1], "started": cells[2]}
        if with_intro:
            bases["intro"] = shown[("r", "intro", group)]
        for measure, base in bases.items():
            n = stats.get(measure, 0)
            means[measure][group] = (
                _wait_mean(stats, measure, base, exact, threshold),
                _wait_median(medians, measure, group, n, base, exact, threshold)
                if measure in medians
                else None,
            )
        rows.append((label, cells, bases.get("intro"), group))
    # A total mean would give a withheld source's mean away through the shown ones.
    if not exact:
        for by_group in means.values():
            withheld = any(by_group[g][0] == HIDDEN for g, _label in groups if g != TOTAL)
            if withheld and by_group[TOTAL][0] is not None:
                by_group[TOTAL] = (HIDDEN, HIDDEN)
    table_rows = []
    for label, cells, intro_cell, group in rows:
        values = [
            *cells,
            means["decided"][group][0],
            means["decided"][group][1],
            means["started"][group][0],
            means["started"][group][1],
        ]
        if with_intro:
            values += [intro_cell, means["intro"][group][0]]
        table_rows.append((label, values))
    columns = [
        Column("Mottagna"),
        Column("Beslutade", chart=False),
        Column("Inskrivna", chart=False),
        Column("Dagar till beslut, medel", MEAN, chart=False),
        Column("Dagar till beslut, median", MEAN, chart=False),
        Column("Dagar till start, medel", MEAN, chart=False),
        Column("Dagar till start, median", MEAN, chart=False),
    ]
    intro_text = ""
    if with_intro:
        columns += [
            Column("Introduktionssamtal", chart=False),
            Column("Dagar till introduktionssamtal, medel", MEAN, chart=False),
        ]
        intro_text = (
            " För En väg in visas också hur många som haft introduktionssamtal och väntetiden dit."
        )
    return Figure(
        key="remisser",
        title="Remisser per remittent och väntetider",
        intro=(
            "Remisser mottagna under perioden per remittent, hur många som fått beslut och "
            "hur många som lett till inskrivning, med väntetiden i dagar från mottagen remiss "
            "till beslut och till start." + intro_text
        ),
        category="Remittent",
        columns=columns,
        rows=table_rows,
    )


def straight_line(budget: Decimal, months: int) -> Decimal:
    """The year's budget spread evenly: what `months` months of it are, to the öre."""
    return (budget * months / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def budget_figure(followups, year: int, as_of: date) -> Figure | None:
    """Cumulative actual per month against a straight line for the year's budget, summed
    over the teams' follow-ups (money, not people: nothing to suppress)."""
    if not followups:
        return None
    budget = sum((f.total.budget for f in followups), Decimal(0))
    by_month: dict[int, Decimal] = {}
    for followup in followups:
        for month, actual, _cumulative in followup.monthly:
            number = month if isinstance(month, int) else month.month
            by_month[number] = by_month.get(number, Decimal(0)) + actual
    rows = []
    cumulative = Decimal(0)
    for number in range(1, 13):
        straight = straight_line(budget, number)
        if number <= as_of.month:
            cumulative += by_month.get(number, Decimal(0))
            actual_cell: Cell = cumulative
            month_cell: Cell = by_month.get(number, Decimal(0))
        else:
            actual_cell = month_cell = None
        rows.append((month_label(year, number), [month_cell, actual_cell, straight]))
    return Figure(
        key="budget",
        title="Budgetförbrukning",
        intro=(
            f"Ackumulerat utfall per månad mot en rak linje för årets budget "
            f"({cell_text(budget, MONEY)})."
        ),
        category="Månad",
        columns=[
            Column("Utfall under månaden", MONEY, chart=False),
            Column("Ackumulerat utfall", MONEY),
            Column("Budget, rak linje", MONEY),
        ],
        rows=rows,
        chart_type="line",
        y_label="Kronor",
    )
