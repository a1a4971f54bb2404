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
    COMPLEMENT,
    HIDDEN,
    TOTAL_FIRST,
    as_cell,
    ratio_disclosed,
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
MIN_BASE = 5

LEGEND = (
    "Antal från 1 till 4 visas som ”<5”. ”–” betyder att värdet döljs eftersom ett dolt "
    "antal annars skulle kunna räknas fram. Medelvärden och andelar visas bara när de bygger "
    "på minst 5 inskrivningar."
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
    consultations: ViewConsultations | None = None
    followups: list[ViewFollowUp] = field(default_factory=list)

    @property
    def legend(self) -> str:
        return "" if self.exact else LEGEND


def present(table: BoardTable, *, exact: bool) -> BoardView:
    counts, equations = linked_counts(table)
    shown = (
        dict(counts)
        if exact
        else {k: as_cell(v) for k, v in suppress_linked(counts, equations).items()}
    )
    rows = []
    for row in table.rows:
        if row.is_mean:
            cells = _means(row.values, row.bases, exact)
        else:
            cells = {c: shown[("t", row.key, c)] for c in COLUMNS}
        rows.append(ViewRow(row.key, row.heading, row.unit, cells))
    targets = [_target(target, exact) for target in table.targets]
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
        consultations=present_consultations(table.consultations, shown),
        followups=[present_followup(f, shown, exact) for f in table.followups],
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


def share_cell(numerator: int, denominator: int, shown_num: Cell, shown_den: Cell, exact) -> Cell:
    """A share in percent as the viewer may see it: for aggregate users only where both
    counts are shown and `ratio_disclosed` holds (SPEC §11.4); None where the base is 0."""
    if not denominator:
        return None
    if exact:
        return percent(numerator, denominator)
    if is_withheld(shown_num) or is_withheld(shown_den):
        return HIDDEN
    if not ratio_disclosed(numerator, denominator):
        return HIDDEN
    return percent(numerator, denominator)


def present_followup(followup, shown, exact) -> ViewFollowUp:
    m = followup.months
    followed = {c: shown[("f", m, "followed", c)] for c in COLUMNS}
    work = {c: shown[("f", m, "work", c)] for c in COLUMNS}
    share = {
        c: share_cell(followup.work[c], followup.followed[c], work[c], followed[c], exact)
        for c in COLUMNS
    }
    # As for the targets: the total's share and the shown genders' would reveal a hidden one.
    if not exact and any(share[g] == HIDDEN for g in GENDERS) and share[TOTAL] is not None:
        share[TOTAL] = HIDDEN
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
        # The margins per gender: K + M + X = the margin, and each gender's margins add up
        # to that gender's exits (not exactly for income sources, as above).
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
                equations.append(
                    (
                        ("t", "avslut_totalt", g),
                        [_margin_key(m.key, side, i, g) for i in range(size)],
                        COMPLEMENT,
                    )
                )

    _link_consultations(counts, equations, table.consultations)
    _link_followups(counts, equations, table.followups)
    return counts, equations


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


def _means(values, bases, exact) -> dict[str, Cell]:
    """Means for aggregate users only where based on at least 5 enrolments; the total mean is
    withheld too when a gender's is, since the total and the other means would reveal it."""
    if exact:
        return dict(values)
    cells: dict[str, Cell] = {}
    for g in GENDERS:
        cells[g] = values[g] if bases[g] >= MIN_BASE or not bases[g] else HIDDEN
    withheld = any(cells[g] == HIDDEN for g in GENDERS)
    if not bases[TOTAL]:
        cells[TOTAL] = None
    else:
        cells[TOTAL] = HIDDEN if withheld or bases[TOTAL] < MIN_BASE else values[TOTAL]
    return cells


def _target(target, exact) -> ViewTarget:
    cells: dict[str, Cell] = {}
    for c in COLUMNS:
        num, den = target.numerators[c], target.denominators[c]
        if not den:
            cells[c] = None
        elif exact or ratio_disclosed(num, den):
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
