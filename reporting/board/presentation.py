"""What a viewer sees of a board table: exact numbers for the admin of every team in it,
and for everyone else (förbund officers) the disclosure-controlled view of SPEC §11.

Suppression is applied here once, on the server; the page and every export (CSV, Excel,
PDF) render the same `BoardView`. A cell is an int or Decimal where it is shown, a string
("<5" or "–") where it is withheld, and None where there is nothing to show (a mean without
values). A cell becomes text with `common.cells.cell_text` (kind PLAIN).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from common.cells import Cell
from reporting.board.tables import COLUMNS, GENDERS, OUTCOME_KEYS, TOTAL, BoardTable
from reporting.disclosure import (
    COMPLEMENT,
    DEFAULT_THRESHOLD,
    HIDDEN,
    TOTAL_FIRST,
    as_cell,
    ratio_disclosed,
    small_label,
    suppress_linked,
)

BREAKDOWN_COLUMNS = [
    ("K", "Aktiva K"),
    ("M", "Aktiva M"),
    ("X", "Aktiva X"),
    (TOTAL, "Aktiva totalt"),
    ("new", "Nya"),
    ("exits", "Avslut"),
]
COLUMN_HEADINGS = {"K": "K", "M": "M", "X": "X", TOTAL: "Totalt"}


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

    @property
    def rows(self) -> list[tuple[str, list[Cell], Cell]]:
        return list(zip(self.labels, self.cells, self.row_totals, strict=True))


@dataclass(frozen=True)
class BoardView:
    exact: bool
    rows: list[ViewRow]
    targets: list[ViewTarget]
    breakdowns: list[ViewBreakdown]
    matrices: list[ViewMatrix]
    threshold: int = DEFAULT_THRESHOLD

    @property
    def legend(self) -> str:
        return "" if self.exact else legend(self.threshold)


def present(table: BoardTable, *, exact: bool, threshold: int = DEFAULT_THRESHOLD) -> BoardView:
    counts, equations = linked_counts(table)
    shown = (
        dict(counts)
        if exact
        else {
            k: as_cell(v)
            for k, v in suppress_linked(counts, equations, threshold=threshold).items()
        }
    )
    rows = []
    for row in table.rows:
        if row.is_mean:
            cells = _means(row.values, row.bases, exact, threshold=threshold)
        else:
            cells = {c: shown[("t", row.key, c)] for c in COLUMNS}
        rows.append(ViewRow(row.key, row.heading, row.unit, cells))
    targets = [_target(target, exact, threshold=threshold) for target in table.targets]
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
            )
        )
    return BoardView(exact, rows, targets, breakdowns, matrices, threshold)


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
        "new": ("t", "nya_under_perioden", TOTAL),
        "exits": ("t", "avslut_totalt", TOTAL),
    }
    for b in table.breakdowns:
        for r in b.rows:
            values = {**r.active, "new": r.new, "exits": r.exits}
            for c, _heading in BREAKDOWN_COLUMNS:
                counts[("b", b.key, r.key, c)] = values[c]
            equations.append(
                (
                    ("b", b.key, r.key, TOTAL),
                    [("b", b.key, r.key, g) for g in GENDERS],
                    TOTAL_FIRST,
                )
            )
        for c, _heading in BREAKDOWN_COLUMNS:
            equations.append((totals_of[c], [("b", b.key, r.key, c) for r in b.rows], COMPLEMENT))

    grand = ("t", "avslut_totalt", TOTAL)
    for m in table.matrices:
        size = len(m.labels)
        for i in range(size):
            counts[("m", m.key, "row", i)] = m.row_totals[i]
            counts[("m", m.key, "col", i)] = m.col_totals[i]
            for j in range(size):
                counts[("m", m.key, i, j)] = m.cells[i][j]
        # Income sources may be several at once, so there the sums below are not exact: they
        # still protect, since a margin with a single non-zero cell would reveal that cell.
        for i in range(size):
            row_cells = [("m", m.key, i, j) for j in range(size)]
            col_cells = [("m", m.key, j, i) for j in range(size)]
            equations.append((("m", m.key, "row", i), row_cells, COMPLEMENT))
            equations.append((("m", m.key, "col", i), col_cells, COMPLEMENT))
        equations.append((grand, [("m", m.key, "row", i) for i in range(size)], COMPLEMENT))
        equations.append((grand, [("m", m.key, "col", i) for i in range(size)], COMPLEMENT))
    return counts, equations


def _means(values, bases, exact, *, threshold=DEFAULT_THRESHOLD) -> dict[str, Cell]:
    """Means for aggregate users only where based on at least `threshold` enrolments; the
    total mean is withheld too when a gender's is, since the total and the other means would
    reveal it."""
    if exact:
        return dict(values)
    cells: dict[str, Cell] = {}
    for g in GENDERS:
        cells[g] = values[g] if bases[g] >= threshold or not bases[g] else HIDDEN
    withheld = any(cells[g] == HIDDEN for g in GENDERS)
    if not bases[TOTAL]:
        cells[TOTAL] = None
    else:
        cells[TOTAL] = HIDDEN if withheld or bases[TOTAL] < threshold else values[TOTAL]
    return cells


def _target(target, exact, *, threshold=DEFAULT_THRESHOLD) -> ViewTarget:
    cells: dict[str, Cell] = {}
    for c in COLUMNS:
        num, den = target.numerators[c], target.denominators[c]
        if not den:
            cells[c] = None
        elif exact or ratio_disclosed(num, den, threshold=threshold):
            cells[c] = target.pct(c)
        else:
            cells[c] = HIDDEN
    if not exact and any(cells[g] == HIDDEN for g in GENDERS) and cells[TOTAL] is not None:
        cells[TOTAL] = HIDDEN
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
