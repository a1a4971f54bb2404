"""What förbund users see of a board table: counts 1–4 as "<5", no suppressed cell derivable
through a sum, means and shares only on at least 5 enrolments."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.board.presentation import present
from reporting.board.tables import (
    GENDERS,
    board_table,
)
from reporting.disclosure import (
    AT_LEAST,
    COMPLEMENT,
    HIDDEN,
    SMALL,
    TOTAL_FIRST,
    ratio_disclosed,
    suppress_linked,
)
from tests.reporting.conftest import enrol

# --- The engine ---------------------------------------------------------------------------


def test_a_row_hides_its_smallest_other_part_and_keeps_its_total():
    counts = {0: 1, 1: 7, 2: 0, "total": 8}
    shown = suppress_linked(counts, [("total", [0, 1, 2], TOTAL_FIRST)])
    # Hiding the 0 would not do: the 1 could then only move up, and the 7 would have to
    # move down, so the 0 and the 7 are both candidates; the 0 is the smallest.
    assert shown[0] == SMALL
    assert shown["total"] == "8"
    assert [shown[1], shown[2]].count(HIDDEN) == 1


def test_no_part_is_hidden_where_two_small_ones_protect_each_other():
    counts = {"a": 2, "b": 3, "c": 9, "total": 14}
    shown = suppress_linked(counts, [("total", ["a", "b", "c"], COMPLEMENT)])
    assert shown == {"a": SMALL, "b": SMALL, "c": "9", "total": "14"}


def test_parts_before_totals_and_the_smallest_first():
    counts = {"a": 2, "c": 30, "d": 9, "total": 41}
    shown = suppress_linked(counts, [("total", ["a", "c", "d"], COMPLEMENT)])
    assert shown == {"a": SMALL, "c": "30", "d": HIDDEN, "total": "41"}


def test_a_headline_stays_and_a_part_gives_way():
    counts = {"a": 6, "b": 7, "row": 13, "c": 2, "column": 15}
    equations = [
        ("row", ["a", "b"], TOTAL_FIRST),
        ("column", ["row", "c"], COMPLEMENT),
    ]
    shown = suppress_linked(counts, equations, headlines=frozenset({"column"}))
    assert shown["c"] == SMALL
    assert shown["column"] == "15"
    assert shown["row"] == HIDDEN
    assert [shown["a"], shown["b"]].count(HIDDEN) == 1


def test_headlines_that_alone_pin_a_small_count_give_way():
    # active = at start + new: with both totals shown, new (3) would be their difference.
    counts = {"active": 20, "start": 17, "new": 3}
    shown = suppress_linked(
        counts, [("active", ["start", "new"], COMPLEMENT)], headlines=frozenset(counts)
    )
    assert shown["new"] == SMALL
    assert HIDDEN in (shown["active"], shown["start"])


def test_a_small_count_pinned_by_its_label_is_relabelled():
    # Threshold 3: the exits (2) are "<3" and so are two outcomes of 1; together they
    # would say 1 + 1 = 2. One outcome is shown as "–" (it may be 0) instead.
    counts = {"exits": 2, "o1": 1, "o2": 1, "o3": 0}
    shown = suppress_linked(counts, [("exits", ["o1", "o2", "o3"], COMPLEMENT)], threshold=3)
    assert shown["exits"] in ("<3", HIDDEN)
    assert HIDDEN in shown.values()


def test_a_threshold_of_seven_labels_small_counts_so():
    counts = {"a": 6, "b": 7, "total": 13}
    shown = suppress_linked(counts, [("total", ["a", "b"], COMPLEMENT)], threshold=7)
    assert shown == {"a": "<7", "b": HIDDEN, "total": "13"}


def test_at_least_relations_protect_with_room_to_move():
    # An income matrix row: cells at most the row's total, the cells adding up to at least
    # it. A 2 beside an 8 under a total of 8 can move without breaking either.
    counts = {"row": 8, "x": 2, "y": 8}
    equations = [
        ("row", ["x", "y"], AT_LEAST),
        ("x", ["row"], AT_LEAST),
        ("y", ["row"], AT_LEAST),
    ]
    shown = suppress_linked(counts, equations)
    assert shown == {"row": "8", "x": SMALL, "y": "8"}


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [(0, 10, True), (10, 10, True), (5, 10, True), (2, 10, False), (8, 10, False), (0, 4, False)],
)
def test_a_share_is_shown_only_when_no_part_of_it_is_small(numerator, denominator, shown):
    assert ratio_disclosed(numerator, denominator) is shown


# The no-derivation rule itself is checked by solving, on random tables and histories, in
# tests/reporting/test_disclosure_property.py.


# --- The view of a real table -------------------------------------------------------------


@pytest.mark.django_db
def test_example_for_forbund_hides_small_counts_and_thin_means(example):
    table = board_table(teams=[example], date_from=date(2024, 1, 1), date_to=date(2024, 6, 30))
    view = present(table, exact=False)
    rows = {r.key: r.cells for r in view.rows}
    # The headline total stays (SPEC §11.2): the two small counts protect each other.
    assert rows["aktiva_under_perioden"] == {"K": 5, "M": SMALL, "X": SMALL, "total": 10}
    assert rows["annan_arbetslivsinriktad_rehab"] == {"K": 0, "M": 0, "X": 0, "total": 0}
    # Three, two and one exits: no gender's duration mean is shown; the total's, over six
    # exits, is (the three hidden means cannot be told apart from it).
    durations = rows["genomstromningstid_dagar_snitt"]
    assert [durations[g] for g in GENDERS] == [HIDDEN] * 3
    assert durations["total"] == Decimal("252.5")
    # Five women with a value: their mean is shown, the men's three and the one X's are
    # not; two withheld means cannot be told apart through the total, so it stays.
    assert rows["tid_utan_arbete_manader_snitt"] == {
        "K": Decimal("21.2"),
        "M": HIDDEN,
        "X": HIDDEN,
        "total": Decimal("17.2"),
    }
    targets = {t.key: t.cells for t in view.targets}
    # Two of six exits to work or studies: a small count, so the share is withheld; none of
    # the six with a sub-goal reached: 0 and 6 are no small counts, so 0 % is shown.
    assert set(targets["arbete_eller_studier"].values()) == {HIDDEN}
    assert targets["stegforflyttning"] == {"K": HIDDEN, "M": HIDDEN, "X": HIDDEN, "total": 0}
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
