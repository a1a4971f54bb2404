"""What förbund users see of a board table: counts 1–4 as "<5", no suppressed cell derivable
through a sum, means and shares only on at least 5 enrolments."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.board.presentation import linked_counts, present
from reporting.board.tables import (
    COLUMNS,
    GENDERS,
    OUTCOME_KEYS,
    ROWS,
    BoardTable,
    Breakdown,
    BreakdownRow,
    Consultations,
    FollowUp,
    Matrix,
    Row,
    Target,
    board_table,
)
from reporting.disclosure import (
    COMPLEMENT,
    HIDDEN,
    SMALL,
    TOTAL_FIRST,
    ratio_disclosed,
    suppress_linked,
    suppress_table,
)
from tests.reporting.conftest import enrol

# --- The engine ---------------------------------------------------------------------------


def test_a_single_row_matches_suppress_table():
    for cells in ([1, 7, 0], [5, 6, 7], [2, 0, 0], [3, 2, 0], [0, 0, 0], [4, 9, 12]):
        counts = dict(enumerate(cells))
        counts["total"] = sum(cells)
        shown = suppress_linked(counts, [("total", [0, 1, 2], TOTAL_FIRST)])
        expected_cells, expected_total = suppress_table(cells)
        assert [shown[i] for i in range(3)] == expected_cells
        assert shown["total"] == expected_total


def test_complement_hides_the_smallest_other_part_not_the_total():
    counts = {"a": 2, "b": 0, "c": 30, "d": 9, "total": 41}
    shown = suppress_linked(counts, [("total", ["a", "b", "c", "d"], COMPLEMENT)])
    assert shown == {"a": SMALL, "b": "0", "c": "30", "d": HIDDEN, "total": "41"}


def test_complement_hides_the_total_when_no_part_is_left():
    # Margins of the income matrix are not exact sums (several sources at once).
    counts = {"a": 3, "b": 0, "total": 8}
    shown = suppress_linked(counts, [("total", ["a", "b"], COMPLEMENT)])
    assert shown == {"a": SMALL, "b": "0", "total": HIDDEN}


def test_a_total_hidden_by_another_sum_gets_one_of_its_parts_hidden_too():
    counts = {"a": 6, "b": 7, "row": 13, "c": 2, "column": 15}
    equations = [
        ("row", ["a", "b"], TOTAL_FIRST),
        ("column", ["row", "c"], COMPLEMENT),
    ]
    shown = suppress_linked(counts, equations)
    assert shown == {"a": HIDDEN, "b": "7", "row": HIDDEN, "c": SMALL, "column": "15"}


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [(0, 10, True), (10, 10, True), (5, 10, True), (2, 10, False), (8, 10, False), (0, 4, False)],
)
def test_a_share_is_shown_only_when_no_part_of_it_is_small(numerator, denominator, shown):
    assert ratio_disclosed(numerator, denominator) is shown


# --- Property: no hidden cell is the only hidden one in any sum ---------------------------


def _hidden(text):
    return text in (SMALL, HIDDEN)


def _check(counts, equations, shown):
    for key, value in counts.items():
        if 1 <= value <= 4:
            assert shown[key] == SMALL
        elif not _hidden(shown[key]):
            assert shown[key] == str(value)
    for total, parts, mode in equations:
        hidden = [p for p in [total, *parts] if _hidden(shown[p])]
        assert len(hidden) != 1, (total, parts, shown)
        if mode == TOTAL_FIRST and any(_hidden(shown[p]) for p in parts):
            assert _hidden(shown[total])


small_counts = st.integers(min_value=0, max_value=12)


@st.composite
def board_tables(draw):
    """A random table shaped like the board's, with consistent sums."""
    by_outcome = {o: {g: draw(small_counts) for g in GENDERS} for o in OUTCOME_KEYS}
    at_start = {g: draw(small_counts) for g in GENDERS}
    new = {g: draw(small_counts) for g in GENDERS}

    def with_total(cells):
        return {**cells, "total": sum(cells.values())}

    exits = with_total({g: sum(by_outcome[o][g] for o in OUTCOME_KEYS) for g in GENDERS})
    active = with_total({g: at_start[g] + new[g] for g in GENDERS})
    counts = {
        "aktiva_under_perioden": active,
        "aktiva_vid_periodens_start": with_total(at_start),
        "nya_under_perioden": with_total(new),
        "avslut_totalt": exits,
        **{o: with_total(by_outcome[o]) for o in OUTCOME_KEYS},
    }
    rows = [
        Row(
            key,
            heading,
            unit,
            counts[key] if key in counts else dict.fromkeys(COLUMNS),
            dict.fromkeys(COLUMNS, 0),
        )
        for key, heading, unit in ROWS
    ]
    # One breakdown splitting the active enrolments, new and exits into two categories.
    first = {g: draw(st.integers(0, active[g])) for g in GENDERS}
    second = {g: active[g] - first[g] for g in GENDERS}
    new_first = {g: draw(st.integers(0, new[g])) for g in GENDERS}
    new_second = {g: new[g] - new_first[g] for g in GENDERS}
    exits_first = {g: draw(st.integers(0, exits[g])) for g in GENDERS}
    exits_second = {g: exits[g] - exits_first[g] for g in GENDERS}
    breakdown = Breakdown(
        "kommun",
        "Per kommun",
        "Kommun",
        [
            BreakdownRow(
                "a", "A", with_total(first), with_total(new_first), with_total(exits_first)
            ),
            BreakdownRow(
                "b", "B", with_total(second), with_total(new_second), with_total(exits_second)
            ),
        ],
    )
    # A 2×2 occupation matrix over the exits, drawn per gender.
    by_gender = {}
    for g in GENDERS:
        n = exits[g]
        a = draw(st.integers(0, n))
        b = draw(st.integers(0, n - a))
        c = draw(st.integers(0, n - a - b))
        by_gender[g] = [[a, b], [c, n - a - b - c]]
    cells = [[sum(by_gender[g][i][j] for g in GENDERS) for j in range(2)] for i in range(2)]
    matrix = Matrix(
        "sysselsattning",
        "S",
        ["x", "y"],
        ["X", "Y"],
        cells,
        [sum(row) for row in cells],
        [cells[0][j] + cells[1][j] for j in range(2)],
        exits["total"],
        True,
        row_totals_by_gender={g: [sum(row) for row in m] for g, m in by_gender.items()},
        col_totals_by_gender={
            g: [m[0][j] + m[1][j] for j in range(2)] for g, m in by_gender.items()
        },
    )
    target = Target("t", "T", "", dict.fromkeys(COLUMNS, 0), dict.fromkeys(COLUMNS, 0), 80)
    months = [(2024, 1), (2024, 2)]
    consultations = Consultations(
        months=months,
        agencies=[("AF", "Arbetsförmedlingen"), ("FK", "Försäkringskassan")],
        counts={(a, m): draw(small_counts) for a in ("AF", "FK") for m in months},
    )
    followed = {g: draw(st.integers(0, exits[g])) for g in GENDERS}
    work = {g: draw(st.integers(0, followed[g])) for g in GENDERS}
    followup = FollowUp(3, "3 månader", with_total(followed), with_total(work))
    return BoardTable(
        [],
        date(2024, 1, 1),
        date(2024, 6, 30),
        rows,
        [target],
        [breakdown],
        [matrix],
        consultations,
        [followup],
    )


@settings(max_examples=150, deadline=None)
@given(board_tables())
def test_no_suppressed_cell_can_be_derived_through_one_sum(table):
    counts, equations = linked_counts(table)
    shown = suppress_linked(counts, equations)
    _check(counts, equations, shown)
    view = present(table, exact=False)
    for row in view.rows:
        for value in row.cells.values():
            assert not (isinstance(value, int) and 1 <= value <= 4)
    for value in _view_counts(view):
        assert not (isinstance(value, int) and 1 <= value <= 4)
    for followup in view.followups:
        for c, share in followup.share.items():
            if isinstance(share, Decimal):
                assert isinstance(followup.work[c], int)
                assert isinstance(followup.followed[c], int)
                assert ratio_disclosed(table.followups[0].work[c], table.followups[0].followed[c])


def _view_counts(view):
    """Every count cell of a view's breakdowns, matrices, consultations and follow-ups."""
    for breakdown in view.breakdowns:
        for _label, cells in breakdown.rows:
            yield from cells
    for matrix in view.matrices:
        for _label, cells in matrix.margins:
            yield from cells
    for _label, cells in [*view.consultations.rows, view.consultations.total]:
        yield from cells
    for followup in view.followups:
        yield from followup.followed.values()
        yield from followup.work.values()


# --- The view of a real table -------------------------------------------------------------


@pytest.mark.django_db
def test_example_for_forbund_hides_small_counts_and_thin_means(example):
    table = board_table(teams=[example], date_from=date(2024, 1, 1), date_to=date(2024, 6, 30))
    view = present(table, exact=False)
    rows = {r.key: r.cells for r in view.rows}
    assert rows["aktiva_under_perioden"] == {"K": 5, "M": SMALL, "X": SMALL, "total": HIDDEN}
    assert rows["annan_arbetslivsinriktad_rehab"] == {"K": 0, "M": 0, "X": 0, "total": 0}
    # Three, two and one exits: no duration mean is shown, nor the total that would reveal them.
    assert set(rows["genomstromningstid_dagar_snitt"].values()) == {HIDDEN}
    # Five women with a value: their mean is shown; the men's three and the total are not.
    assert rows["tid_utan_arbete_manader_snitt"] == {
        "K": Decimal("21.2"),
        "M": HIDDEN,
        "X": HIDDEN,
        "total": HIDDEN,
    }
    assert all(cell == HIDDEN or cell is None for t in view.targets for cell in t.cells.values())
    assert view.legend


@pytest.mark.django_db
def test_the_admin_view_is_exact(example):
    table = board_table(teams=[example], date_from=date(2024, 1, 1), date_to=date(2024, 6, 30))
    view = present(table, exact=True)
    rows = {r.key: r.cells for r in view.rows}
    assert rows["aktiva_under_perioden"] == {"K": 5, "M": 4, "X": 1, "total": 10}
    assert rows["genomstromningstid_dagar_snitt"]["X"] == Decimal("29.0")
    assert next(t for t in view.targets if t.key == "arbete_eller_studier").detail == "2 av 6"
    assert view.legend == ""


@pytest.mark.django_db
def test_means_and_shares_are_shown_to_forbund_on_five_or_more(rehab_team):
    for i in range(10):
        enrol(
            rehab_team,
            start=date(2023, 6, 1),
            exit=date(2024, 2, 1 + i),
            outcome="arbete" if i < 5 else "annat",
            gender="K" if i < 5 else "M",
            months_without_work=i,
        )
    table = board_table(teams=[rehab_team], date_from=date(2024, 1, 1), date_to=date(2024, 6, 30))
    view = present(table, exact=False)
    means = {r.key: r.cells for r in view.rows}
    assert means["tid_utan_arbete_manader_snitt"] == {
        "K": Decimal("2.0"),
        "M": Decimal("7.0"),
        "X": None,
        "total": Decimal("4.5"),
    }
    work = next(t for t in view.targets if t.key == "arbete_eller_studier")
    assert work.cells == {
        "K": Decimal("100.0"),
        "M": Decimal("0.0"),
        "X": None,
        "total": Decimal("50.0"),
    }
    assert work.detail is None
