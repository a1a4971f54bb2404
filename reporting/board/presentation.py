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

from common.cells import Cell, is_withheld
from reporting.board.tables import COLUMNS, GENDERS, OUTCOME_KEYS, TOTAL, BoardTable
from reporting.disclosure import (
    AT_LEAST,
    COMPLEMENT,
    DEFAULT_THRESHOLD,
    HIDDEN,
    TOTAL_FIRST,
    as_cell,
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
            continue
        # Income sources may be several at once (every exit has at least one, "saknas"
        # included): a cell is at most its row's and its column's total, a row or column of
        # cells adds up to at least its total, and the totals to at least the exits.
        for i in range(size):
            row_cells = [("m", m.key, i, j) for j in range(size)]
            col_cells = [("m", m.key, j, i) for j in range(size)]
            equations.append((rows[i], row_cells, AT_LEAST))
            equations.append((cols[i], col_cells, AT_LEAST))
            equations.append((rows[i], [grand], AT_LEAST))
            equations.append((cols[i], [grand], AT_LEAST))
            for j in range(size):
                equations.append((("m", m.key, i, j), [rows[i]], AT_LEAST))
                equations.append((("m", m.key, i, j), [cols[j]], AT_LEAST))
        equations.append((grand, rows, AT_LEAST))
        equations.append((grand, cols, AT_LEAST))
    return counts, equations


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


def share_shown(shown: dict, key: str, column: str, denominator: int, threshold: int) -> bool:
    """SPEC §11.4: a share is shown where its base is T or more and shown, and neither its
    numerator nor the rest is withheld on the page."""
    return denominator >= threshold and not any(
        is_withheld(shown[cell])
        for cell in (
            target_base(key, column),
            ("s", key, "num", column),
            ("s", key, "rest", column),
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
        den = target.denominators[c]
        if not den:
            cells[c] = None
        elif exact or share_shown(shown, target.key, c, den, threshold):
            cells[c] = target.pct(c)
        else:
            cells[c] = HIDDEN
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
