"""What a viewer sees of a board table: exact numbers for the admin of every team in it,
and for everyone else (förbund officers) the disclosure-controlled view of SPEC §11.

Suppression is applied here once, on the server; the page and every export (CSV, Excel,
PDF) render the same `BoardView`. A cell is an int or Decimal where it is shown, a string
("<5" or "–") where it is withheld, and None where there is nothing to show (a mean without
values). A cell becomes text with `common.cells.cell_text` (kind PLAIN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from common.cells import Cell, is_withheld
from reporting.board.tables import (
    COLUMNS,
    GENDERS,
    OUTCOME_KEYS,
    TOTAL,
    BoardTable,
    month_label,
    percent,
)
from reporting.disclosure import (
    AT_LEAST,
    COMPLEMENT,
    DEFAULT_THRESHOLD,
    HIDDEN,
    TOTAL_FIRST,
    as_cell,
    ratio_disclosed,
    small_label,
    suppress_linked,
)

COLUMN_HEADINGS = {"K": "K", "M": "M", "X": "X", TOTAL: "Totalt"}
# A breakdown's columns: active, new and exits, each per gender and in total. The active
# columns keep their plain keys ("K" … "total"), new and exits are "new_K" … "exits_total".
BREAKDOWN_GROUPS = [("active", "Aktiva"), ("new", "Nya"), ("exits", "Avslut")]
BREAKDOWN_COLUMNS = [
    (
        c if measure == "active" else f"{measure}_{c}",
        f"{heading} {'totalt' if c == TOTAL else c}",
    )
    for measure, heading in BREAKDOWN_GROUPS
    for c in COLUMNS
]
# Columns of a matrix's margins per gender: at start (its rows), at exit (its columns).
MARGIN_SIDES = [("row", "Vid start"), ("col", "Vid avslut")]


def legend(threshold: int = DEFAULT_THRESHOLD) -> str:
    return (
        f"Antal från 1 till {threshold - 1} visas som ”{small_label(threshold)}”. ”–” betyder "
        "att värdet döljs eftersom ett dolt antal annars skulle kunna räknas fram. "
        "Medelvärden och andelar visas bara när de bygger på minst "
        f"{threshold} inskrivningar."
    )


@dataclass(frozen=True)
class ViewRow:
    key: str
    heading: str
    unit: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class ViewTarget:
    key: str
    heading: str
    definition: str
    target_pct: int | None
    cells: dict[str, Cell]
    detail: str | None
    reached: bool | None


@dataclass(frozen=True)
class ViewBreakdown:
    key: str
    heading: str
    category: str
    rows: list[tuple[str, list[Cell]]]


@dataclass(frozen=True)
class ViewMatrix:
    key: str
    heading: str
    labels: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    col_totals: list[Cell]
    total: Cell
    additive: bool
    # Per category: at start K, M, X, total, then at exit K, M, X, total.
    margins: list[tuple[str, list[Cell]]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """ "Försörjning" of "Försörjning före → efter"."""
        return self.heading.split(" ")[0]

    @property
    def rows(self) -> list[tuple[str, list[Cell], Cell]]:
        return list(zip(self.labels, self.cells, self.row_totals, strict=True))


@dataclass(frozen=True)
class ViewConsultations:
    """Rows of (agency, cells per month and the agency's total), then the total row."""

    headings: list[str]
    rows: list[tuple[str, list[Cell]]]
    total: tuple[str, list[Cell]]


@dataclass(frozen=True)
class ViewCaseMeetings:
    """Per measure (meetings held, participants discussed): its heading, rows of (agency,
    cells per month and the period's total), then the total row."""

    headings: list[str]
    blocks: list[tuple[str, list[tuple[str, list[Cell]]], tuple[str, list[Cell]]]]


@dataclass(frozen=True)
class ViewFollowUp:
    """One interval after exit: followed up, in work or studies, and the share (%)."""

    months: int
    label: str
    followed: dict[str, Cell]
    work: dict[str, Cell]
    share: dict[str, Cell]


@dataclass(frozen=True)
class BoardView:
    exact: bool
    rows: list[ViewRow]
    targets: list[ViewTarget]
    breakdowns: list[ViewBreakdown]
    matrices: list[ViewMatrix]
    threshold: int = DEFAULT_THRESHOLD
    consultations: ViewConsultations | None = None
    followups: list[ViewFollowUp] = field(default_factory=list)
    case_meetings: ViewCaseMeetings | None = None

    @property
    def legend(self) -> str:
        return "" if self.exact else legend(self.threshold)


# The board table's headline totals (SPEC §11.2): never hidden when they are T or more.
HEADLINES = frozenset(
    ("t", key, TOTAL)
    for key in (
        "aktiva_under_perioden",
        "aktiva_vid_periodens_start",
        "nya_under_perioden",
        "avslut_totalt",
    )
)
# The base of each mean in the table, where the page shows it.
MEAN_BASES = {"genomstromningstid_dagar_snitt": "avslut_totalt"}


def present(table: BoardTable, *, exact: bool, threshold: int = DEFAULT_THRESHOLD) -> BoardView:
    counts, equations = linked_counts(table)
    shown = (
        dict(counts)
        if exact
        else {
            k: as_cell(v)
            for k, v in suppress_linked(
                counts, equations, threshold=threshold, headlines=HEADLINES
            ).items()
        }
    )
    return view_of(table, shown, exact=exact, threshold=threshold)


def view_of(
    table: BoardTable, shown: dict, *, exact: bool, threshold: int = DEFAULT_THRESHOLD
) -> BoardView:
    """The table as shown, from `shown`: the cells of `linked_counts` as the page shows
    them (suppressed with whatever else the page holds)."""
    rows = []
    for row in table.rows:
        if row.is_mean:
            base = MEAN_BASES.get(row.key)
            hidden_base = {
                c: base is not None and is_withheld(shown[("t", base, c)]) for c in COLUMNS
            }
            cells = _means(row.values, row.bases, exact, hidden_base, threshold=threshold)
        else:
            cells = {c: shown[("t", row.key, c)] for c in COLUMNS}
        rows.append(ViewRow(row.key, row.heading, row.unit, cells))
    targets = [_target(target, exact, shown, threshold=threshold) for target in table.targets]
    breakdowns = [
        ViewBreakdown(
            b.key,
            b.heading,
            b.category,
            [
                (r.label, [shown[("b", b.key, r.key, c)] for c, _h in BREAKDOWN_COLUMNS])
                for r in b.rows
            ],
        )
        for b in table.breakdowns
    ]
    matrices = []
    for m in table.matrices:
        size = len(m.labels)
        matrices.append(
            ViewMatrix(
                key=m.key,
                heading=m.heading,
                labels=m.labels,
                cells=[[shown[("m", m.key, i, j)] for j in range(size)] for i in range(size)],
                row_totals=[shown[("m", m.key, "row", i)] for i in range(size)],
                col_totals=[shown[("m", m.key, "col", j)] for j in range(size)],
                total=shown[("t", "avslut_totalt", TOTAL)],
                additive=m.additive,
                margins=[
                    (
                        label,
                        [
                            shown[_margin_key(m.key, side, i, c)]
                            for side, _h in MARGIN_SIDES
                            for c in COLUMNS
                        ],
                    )
                    for i, label in enumerate(m.labels)
                ],
            )
        )
    return BoardView(
        exact,
        rows,
        targets,
        breakdowns,
        matrices,
        threshold,
        consultations=present_consultations(table.consultations, shown),
        followups=[present_followup(f, shown, exact, threshold) for f in table.followups],
        case_meetings=present_case_meetings(table.case_meetings, shown),
    )


def _margin_key(matrix: str, side: str, i: int, column: str) -> tuple:
    """The key of a matrix margin's count ("row" at start, "col" at exit) for one gender; the
    total's is the matrix's own row or column total."""
    key = ("m", matrix, side, i)
    return key if column == TOTAL else (*key, column)


def _month_key(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def present_consultations(consultations, shown) -> ViewConsultations:
    """The consultations per agency and month as the viewer may see them (`shown`: the
    values of `linked_counts`' keys ("c", agency, month), exact or disclosure-controlled)."""
    keys = [_month_key(m) for m in consultations.months]
    return ViewConsultations(
        headings=[month_label(*m) for m in consultations.months] + ["Totalt"],
        rows=[
            (label, [shown[("c", code, k)] for k in [*keys, TOTAL]])
            for code, label in consultations.agencies
        ],
        total=("Totalt", [shown[("c", TOTAL, k)] for k in [*keys, TOTAL]]),
    )


def present_case_meetings(case_meetings, shown) -> ViewCaseMeetings | None:
    """The case meetings per month and agency as the viewer may see them (`shown`: the values
    of `linked_counts`' keys ("cm", measure, agency, month), exact or disclosure-controlled);
    None where the teams hold no case meetings."""
    if case_meetings is None:
        return None
    keys = [*(_month_key(m) for m in case_meetings.months), TOTAL]
    return ViewCaseMeetings(
        headings=[month_label(*m) for m in case_meetings.months] + ["Totalt"],
        blocks=[
            (
                heading,
                [
                    (label, [shown[("cm", measure, code, k)] for k in keys])
                    for code, label in case_meetings.agencies
                ],
                ("Totalt", [shown[("cm", measure, TOTAL, k)] for k in keys]),
            )
            for measure, heading in case_meetings.MEASURES
        ],
    )


def share_cell(numerator: int, denominator: int, counts: list[Cell], exact, threshold) -> Cell:
    """A share in percent as the viewer may see it: for aggregate users only where its base
    is T or more and none of its counts (numerator, base and the rest, all counts of the
    page) is withheld (SPEC §11.4); None where the base is 0."""
    if not denominator:
        return None
    hidden = any(is_withheld(c) for c in counts)
    if not exact and not ratio_disclosed(numerator, denominator, threshold, hidden=hidden):
        return HIDDEN
    return percent(numerator, denominator)


def present_followup(followup, shown, exact, threshold=DEFAULT_THRESHOLD) -> ViewFollowUp:
    m = followup.months
    followed = {c: shown[("f", m, "followed", c)] for c in COLUMNS}
    work = {c: shown[("f", m, "work", c)] for c in COLUMNS}
    share = {
        c: share_cell(
            followup.work[c],
            followup.followed[c],
            [work[c], followed[c], shown[("f", m, "other", c)]],
            exact,
            threshold,
        )
        for c in COLUMNS
    }
    return ViewFollowUp(m, followup.label, followed, work, share)


def linked_counts(table: BoardTable):
    """Every count of the table as one system of sums, for `suppress_linked`."""
    counts: dict = {}
    equations: list = []
    for row in table.rows:
        if row.is_mean:
            continue
        for c in COLUMNS:
            counts[("t", row.key, c)] = row.values[c]
        equations.append(
            (("t", row.key, TOTAL), [("t", row.key, g) for g in GENDERS], TOTAL_FIRST)
        )
    for c in COLUMNS:
        equations.append(
            (
                ("t", "aktiva_under_perioden", c),
                [("t", "aktiva_vid_periodens_start", c), ("t", "nya_under_perioden", c)],
                COMPLEMENT,
            )
        )
        equations.append(
            (("t", "avslut_totalt", c), [("t", code, c) for code in OUTCOME_KEYS], COMPLEMENT)
        )

    totals_of = {
        **{c: ("t", "aktiva_under_perioden", c) for c in COLUMNS},
        **{f"new_{c}": ("t", "nya_under_perioden", c) for c in COLUMNS},
        **{f"exits_{c}": ("t", "avslut_totalt", c) for c in COLUMNS},
    }
    for b in table.breakdowns:
        for r in b.rows:
            values = {
                **r.active,
                **{f"new_{c}": r.new[c] for c in COLUMNS},
                **{f"exits_{c}": r.exits[c] for c in COLUMNS},
            }
            for c, _heading in BREAKDOWN_COLUMNS:
                counts[("b", b.key, r.key, c)] = values[c]
            equations.append(
                (
                    ("b", b.key, r.key, TOTAL),
                    [("b", b.key, r.key, g) for g in GENDERS],
                    TOTAL_FIRST,
                )
            )
            for measure in ("new", "exits"):
                equations.append(
                    (
                        ("b", b.key, r.key, f"{measure}_{TOTAL}"),
                        [("b", b.key, r.key, f"{measure}_{g}") for g in GENDERS],
                        TOTAL_FIRST,
                    )
                )
        for c, _heading in BREAKDOWN_COLUMNS:
            equations.append((totals_of[c], [("b", b.key, r.key, c) for r in b.rows], COMPLEMENT))

    _link_targets(table, counts, equations)
    grand = ("t", "avslut_totalt", TOTAL)
    for m in table.matrices:
        size = len(m.labels)
        for i in range(size):
            counts[("m", m.key, "row", i)] = m.row_totals[i]
            counts[("m", m.key, "col", i)] = m.col_totals[i]
            for j in range(size):
                counts[("m", m.key, i, j)] = m.cells[i][j]
        rows = [("m", m.key, "row", i) for i in range(size)]
        cols = [("m", m.key, "col", j) for j in range(size)]
        if m.additive:
            for i in range(size):
                row_cells = [("m", m.key, i, j) for j in range(size)]
                col_cells = [("m", m.key, j, i) for j in range(size)]
                equations.append((rows[i], row_cells, COMPLEMENT))
                equations.append((cols[i], col_cells, COMPLEMENT))
            equations.append((grand, rows, COMPLEMENT))
            equations.append((grand, cols, COMPLEMENT))
        else:
            _link_income_matrix(m.key, size, rows, cols, grand, equations)
        # The margins per gender: K + M + X = the margin (each exit has one gender), and each
        # gender's margins add up to that gender's exits (at least, for income sources).
        margins = {"row": m.row_totals_by_gender, "col": m.col_totals_by_gender}
        for side, by_gender in margins.items():
            for i in range(size):
                for g in GENDERS:
                    counts[_margin_key(m.key, side, i, g)] = by_gender[g][i]
                equations.append(
                    (
                        _margin_key(m.key, side, i, TOTAL),
                        [_margin_key(m.key, side, i, g) for g in GENDERS],
                        TOTAL_FIRST,
                    )
                )
            for g in GENDERS:
                margin = [_margin_key(m.key, side, i, g) for i in range(size)]
                exits = ("t", "avslut_totalt", g)
                equations.append((exits, margin, COMPLEMENT if m.additive else AT_LEAST))
                if not m.additive:
                    equations.extend((key, [exits], AT_LEAST) for key in margin)

    _link_consultations(counts, equations, table.consultations)
    _link_case_meetings(counts, equations, table.case_meetings)
    _link_followups(counts, equations, table.followups)
    return counts, equations


def _link_income_matrix(key, size, rows, cols, grand, equations):
    """Income sources may be several at once (every exit has at least one, "saknas"
    included): a cell is at most its row's and its column's total, a row or column of cells
    adds up to at least its total, a total is at most the exits and they add up to at least
    the exits."""
    for i in range(size):
        row_cells = [("m", key, i, j) for j in range(size)]
        col_cells = [("m", key, j, i) for j in range(size)]
        equations.append((rows[i], row_cells, AT_LEAST))
        equations.append((cols[i], col_cells, AT_LEAST))
        equations.append((rows[i], [grand], AT_LEAST))
        equations.append((cols[i], [grand], AT_LEAST))
        for j in range(size):
            equations.append((("m", key, i, j), [rows[i]], AT_LEAST))
            equations.append((("m", key, i, j), [cols[j]], AT_LEAST))
    equations.append((grand, rows, AT_LEAST))
    equations.append((grand, cols, AT_LEAST))


def _link_consultations(counts, equations, consultations):
    """("c", agency, month), ("c", agency, TOTAL), ("c", TOTAL, month) and ("c", TOTAL,
    TOTAL): the months add up to each agency's total, the agencies to each month's, and both
    to the grand total."""
    months = [_month_key(m) for m in consultations.months]
    agencies = [code for code, _label in consultations.agencies]
    for code in agencies:
        for month, key in zip(consultations.months, months, strict=True):
            counts[("c", code, key)] = consultations.count(code, month)
        counts[("c", code, TOTAL)] = consultations.agency_total(code)
        equations.append((("c", code, TOTAL), [("c", code, k) for k in months], COMPLEMENT))
    for month, key in zip(consultations.months, months, strict=True):
        counts[("c", TOTAL, key)] = consultations.month_total(month)
        equations.append((("c", TOTAL, key), [("c", a, key) for a in agencies], COMPLEMENT))
    counts[("c", TOTAL, TOTAL)] = consultations.total
    equations.append((("c", TOTAL, TOTAL), [("c", a, TOTAL) for a in agencies], COMPLEMENT))
    equations.append((("c", TOTAL, TOTAL), [("c", TOTAL, k) for k in months], COMPLEMENT))


def _link_case_meetings(counts, equations, case_meetings):
    """("cm", measure, agency | TOTAL, month | TOTAL) for meetings and participants discussed:
    each row's months add up to its period total. A meeting has one agency or more, so an
    agency's cell is at most the total's of its month (or period) and the agencies' cells add
    up to at least it."""
    if case_meetings is None:
        return
    months = [_month_key(m) for m in case_meetings.months]
    agencies = [code for code, _label in case_meetings.agencies]
    for measure, _heading in case_meetings.MEASURES:
        for code in (TOTAL, *agencies):
            for month, key in zip(case_meetings.months, months, strict=True):
                counts[("cm", measure, code, key)] = case_meetings.count(measure, code, month)
            counts[("cm", measure, code, TOTAL)] = case_meetings.period_total(measure, code)
            equations.append(
                (
                    ("cm", measure, code, TOTAL),
                    [("cm", measure, code, k) for k in months],
                    COMPLEMENT,
                )
            )
        for key in (*months, TOTAL):
            total = ("cm", measure, TOTAL, key)
            parts = [("cm", measure, code, key) for code in agencies]
            equations.append((total, parts, AT_LEAST))
            equations.extend((part, [total], AT_LEAST) for part in parts)


def _link_followups(counts, equations, followups):
    """("f", months, "followed" | "work", column) per interval after exit, K + M + X = total.
    Those followed up and not in work or studies ("other") are not on the page, but the page
    tells them (followed − work), so they are a count of the system too: followed = work +
    other."""
    for f in followups:
        m = f.months
        values = {
            "followed": f.followed,
            "work": f.work,
            "other": {c: f.followed[c] - f.work[c] for c in COLUMNS},
        }
        for measure, by_column in values.items():
            for c in COLUMNS:
                counts[("f", m, measure, c)] = by_column[c]
            equations.append(
                (("f", m, measure, TOTAL), [("f", m, measure, g) for g in GENDERS], TOTAL_FIRST)
            )
        for c in COLUMNS:
            equations.append(
                (("f", m, "followed", c), [("f", m, "work", c), ("f", m, "other", c)], COMPLEMENT)
            )


# A target's share gives away its numerator and the rest of its base wherever the base is
# shown, so both are counts of the page: ("s", target, "num" | "rest" | "den", column).
# Step movement and work or studies are shares of the period's exits; work or studies'
# numerator is the exits to work plus those to studies.
EXIT_BASED = ("stegforflyttning", "arbete_eller_studier")
NUMERATOR_PARTS = {"arbete_eller_studier": ("arbete", "studier")}


def target_base(key: str, column: str) -> tuple:
    return ("t", "avslut_totalt", column) if key in EXIT_BASED else ("s", key, "den", column)


def _link_targets(table, counts, equations):
    for target in table.targets:
        for c in COLUMNS:
            counts[("s", target.key, "num", c)] = target.numerators[c]
            counts[("s", target.key, "rest", c)] = target.denominators[c] - target.numerators[c]
            if target.key not in EXIT_BASED:
                counts[("s", target.key, "den", c)] = target.denominators[c]
            equations.append(
                (
                    target_base(target.key, c),
                    [("s", target.key, "num", c), ("s", target.key, "rest", c)],
                    COMPLEMENT,
                )
            )
            parts = NUMERATOR_PARTS.get(target.key)
            if parts:
                equations.append(
                    (("s", target.key, "num", c), [("t", p, c) for p in parts], COMPLEMENT)
                )
        for part in ("num", "rest", *(() if target.key in EXIT_BASED else ("den",))):
            equations.append(
                (
                    ("s", target.key, part, TOTAL),
                    [("s", target.key, part, g) for g in GENDERS],
                    TOTAL_FIRST,
                )
            )


def give_way(cells: dict[str, Cell], bases: dict[str, int]) -> dict[str, Cell]:
    """Where a single gender's value (a mean) is withheld, the total and the others would
    give it away: the smallest other gender shown gives way (is withheld too), so that the
    total stays (SPEC §11.2)."""
    withheld = [g for g in GENDERS if cells[g] == HIDDEN]
    others = [
        g for g in GENDERS if bases.get(g) and not is_withheld(cells[g]) and cells[g] is not None
    ]
    if (
        len(withheld) == 1
        and others
        and cells[TOTAL] is not None
        and not is_withheld(cells[TOTAL])
    ):
        smallest = min(others, key=lambda g: bases[g])
        cells = {**cells, smallest: HIDDEN}
    return cells


def _means(values, bases, exact, hidden_base, *, threshold=DEFAULT_THRESHOLD) -> dict[str, Cell]:
    """Means for aggregate users only where based on at least T enrolments and on a base
    the page shows (SPEC §11.4); where one gender's is withheld, another's gives way."""
    if exact:
        return dict(values)
    cells: dict[str, Cell] = {}
    for c in COLUMNS:
        if not bases[c]:
            cells[c] = None
        elif bases[c] < threshold or hidden_base[c]:
            cells[c] = HIDDEN
        else:
            cells[c] = values[c]
    return give_way(cells, bases)


def _target(target, exact, shown, *, threshold=DEFAULT_THRESHOLD) -> ViewTarget:
    cells: dict[str, Cell] = {}
    for c in COLUMNS:
        counts = [shown[target_base(target.key, c)]]
        counts += [shown[("s", target.key, part, c)] for part in ("num", "rest")]
        cells[c] = share_cell(
            target.numerators[c], target.denominators[c], counts, exact, threshold
        )
    detail = None
    if exact:
        detail = f"{target.numerators[TOTAL]} av {target.denominators[TOTAL]}"
    reached = target.reached if isinstance(cells[TOTAL], Decimal) else None
    return ViewTarget(
        key=target.key,
        heading=target.heading,
        definition=target.definition,
        target_pct=target.target_pct,
        cells=cells,
        detail=detail,
        reached=reached,
    )
