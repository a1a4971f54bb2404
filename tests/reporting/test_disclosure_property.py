"""Property tests of `suppress_linked` against SPEC §11, with an exact checker.

The checker (`derivable_cells`) is a reader with unlimited patience: it knows every equation of
the page, every shown number, that "<T" is 1 to T − 1 and that "–" is some count ≥ 0, and
asks an integer program (scipy's `milp`, HiGHS) whether a withheld cell could take any other
value than its true one. A cell is safe when some integer solution of the page puts it below
or above its true value; it leaks when none does. Every integer solution found on the way
also clears the other withheld cells it moves, so most cells cost no program of their own.

The checker is tested on its own first (a suppressor that hides every non-zero count must
pass, one that shows all but one cell of a sum, or only applies the primary rule, must
fail); then `suppress_linked` is run on three kinds of generated pages: small random tables
with breakdowns, the real board table of random enrolment histories, and dashboard-like
month balances.
"""

from __future__ import annotations

import datetime
import itertools

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from reporting import disclosure
from reporting.disclosure import BALANCE, COMPLEMENT, HIDDEN, TOTAL_FIRST, suppress_linked

# (total, [parts], AT_LEAST): the parts add up to at least the total (a before → after matrix
# of income sources, several at once). Spelt here until the new disclosure module is merged.
AT_LEAST = getattr(disclosure, "AT_LEAST", "at_least")

GENDERS = ("K", "M", "X")
TOTAL = "total"
COLUMNS = (*GENDERS, TOTAL)
HEADLINE_ROWS = (
    "aktiva_under_perioden",
    "aktiva_vid_periodens_start",
    "nya_under_perioden",
    "avslut_totalt",
)
BOARD_HEADLINES = frozenset(("t", k, TOTAL) for k in HEADLINE_ROWS)

PURE = hsettings(max_examples=60, deadline=None, database=None)

# --- The checker ----------------------------------------------------------------------------


def _terms(equation):
    """An equation as {key: coefficient}, the sum of which is 0 (at most 0 for AT_LEAST)."""
    total, parts, mode = equation
    coefficients: dict = {}
    if mode == BALANCE:
        half = len(parts) // 2
        assert total is None and len(parts) == 2 * half, equation
        signed = [(p, 1) for p in parts[:half]] + [(p, -1) for p in parts[half:]]
    else:
        signed = [(total, 1)] + [(p, -1) for p in parts]
    for key, sign in signed:
        coefficients[key] = coefficients.get(key, 0) + sign
    return coefficients


def holds(counts, equation) -> bool:
    value = sum(c * counts[k] for k, c in _terms(equation).items())
    return value <= 0 if equation[2] == AT_LEAST else value == 0


def _bounds_of(text, threshold, cap):
    if text.isdigit():
        return int(text), int(text)
    if text == f"<{threshold}":
        return 1, threshold - 1
    assert text == HIDDEN, f"unexpected label {text!r}"
    return 0, cap


class _Component:
    """The reader's integer program for a set of withheld cells that share (in)equalities,
    with the shown numbers moved to the right-hand side."""

    def __init__(self, keys, true, lb, ub, rows, lows, highs):
        self.keys = keys
        self.true, self.lb, self.ub = np.array(true), np.array(lb), np.array(ub)
        self.a = np.array(rows) if rows else np.zeros((0, len(keys)))
        self.low, self.high = np.array(lows), np.array(highs)

    def valid(self, x) -> bool:
        """An exact integer check of a solution the solver returned."""
        if np.any(x < self.lb) or np.any(x > self.ub):
            return False
        values = self.a @ x
        return bool(np.all(values >= self.low) and np.all(values <= self.high))

    def solve(self, c):
        """An integer solution minimising c·x, or None."""
        constraints = [LinearConstraint(self.a, self.low, self.high)] if len(self.a) else []
        result = milp(
            c,
            integrality=np.ones(len(self.keys)),
            bounds=Bounds(self.lb, self.ub),
            constraints=constraints,
        )
        if result.x is None:
            return None
        x = np.round(result.x)
        return x if self.valid(x) else None

    def pinned(self, candidates, rng) -> list:
        """The candidates that no integer solution moves off their true value."""
        n = len(self.keys)
        index = {k: i for i, k in enumerate(self.keys)}
        open_ = {k for k in candidates if k in index}

        def clear(x):
            nonlocal open_
            if x is not None:
                open_ = {k for k in open_ if x[index[k]] == self.true[index[k]]}

        for _ in range(2):  # two random directions move most cells at once
            if open_:
                clear(self.solve(rng.uniform(-1, 1, n)))
        pinned = []
        for key in sorted(open_, key=str):
            if key not in open_:
                continue
            i = index[key]
            for direction in (1, -1):
                if key not in open_:
                    break
                if self.true[i] <= self.lb[i] if direction == 1 else self.true[i] >= self.ub[i]:
                    continue
                c = np.zeros(n)
                c[i] = direction
                clear(self.solve(c))
            if key in open_:
                open_.discard(key)
                pinned.append(key)
        return pinned


def _components(counts, equations, shown, threshold, inequalities):
    """The page's withheld cells in independent components, each with its (in)equalities."""
    cap = 10 * max([*counts.values(), 1]) + 10
    bounds = {k: _bounds_of(shown[k], threshold, cap) for k in counts}
    for k, (low, high) in bounds.items():
        assert low <= counts[k] <= high, f"{k}={counts[k]} does not fit {shown[k]!r}"
    withheld = [k for k in counts if not shown[k].isdigit()]
    relations = [(_terms(e), -np.inf if e[2] == AT_LEAST else 0.0) for e in equations]
    for smaller, larger in inequalities:
        terms: dict = {}
        for k in smaller:
            terms[k] = terms.get(k, 0) + 1
        for k in larger:
            terms[k] = terms.get(k, 0) - 1
        relations.append((terms, -np.inf))
    parent = {k: k for k in withheld}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    reduced = []
    for terms, low in relations:
        constant = sum(c * int(shown[k]) for k, c in terms.items() if shown[k].isdigit())
        free = {k: c for k, c in terms.items() if not shown[k].isdigit() and c}
        if not free:
            assert low <= constant <= 0, "the shown numbers break a relation"
            continue
        first = next(iter(free))
        for k in free:
            parent[find(k)] = find(first)
        reduced.append((free, low - constant if low != -np.inf else low, -constant))
    groups: dict = {}
    for k in withheld:
        groups.setdefault(find(k), []).append(k)
    by_root: dict = {root: [] for root in groups}
    for free, low, high in reduced:
        by_root[find(next(iter(free)))].append((free, low, high))
    for root, keys in groups.items():
        index = {k: i for i, k in enumerate(keys)}
        rows, lows, highs = [], [], []
        for free, low, high in by_root[root]:
            row = np.zeros(len(keys))
            for k, c in free.items():
                row[index[k]] = c
            rows.append(row)
            lows.append(low)
            highs.append(high)
        yield _Component(
            keys,
            [counts[k] for k in keys],
            [bounds[k][0] for k in keys],
            [bounds[k][1] for k in keys],
            rows,
            lows,
            highs,
        )


def derivable_cells(counts, equations, shown, threshold, inequalities=(), candidates=None):
    """The withheld keys (of `candidates`, all by default) whose value the page pins to its
    true value."""
    rng = np.random.default_rng(0)
    pinned = []
    for component in _components(counts, equations, shown, threshold, inequalities):
        wanted = component.keys if candidates is None else set(candidates)
        pinned += component.pinned(wanted, rng)
    order = {k: i for i, k in enumerate(counts)}
    return sorted(pinned, key=order.get)


def assert_not_derivable(counts, equations, shown, threshold, inequalities=()):
    pinned = derivable_cells(counts, equations, shown, threshold, inequalities)
    assert not pinned, "derivable: " + ", ".join(
        f"{k}={counts[k]} shown {shown[k]!r}" for k in pinned
    )


def headline_pins(counts, equations, headlines, threshold, inequalities=()) -> list:
    """Small counts (1 to T − 1) that the headlines of T or more alone would pin, with
    every other cell withheld ("<T" for a small one, "–" for the rest): where there are
    any, a headline may give way (SPEC §11, 2)."""
    shown = {}
    for key, value in counts.items():
        if key in headlines and value >= threshold:
            shown[key] = str(value)
        elif 1 <= value < threshold:
            shown[key] = f"<{threshold}"
        else:
            shown[key] = HIDDEN
    small = [k for k, v in counts.items() if 1 <= v < threshold]
    return derivable_cells(counts, equations, shown, threshold, inequalities, candidates=small)


def check_disclosure(
    counts, equations, shown, threshold, headlines=frozenset(), inequalities=(), exact=()
):
    """Every property of SPEC §11 for one page. `exact`: the equations that really hold
    (all of them by default); the others are what `inequalities` describe."""
    exact = exact or equations
    # (d) the generator: the true counts satisfy the page's relations.
    for equation in exact:
        assert holds(counts, equation), f"generator: {equation} fails"
    for smaller, larger in inequalities:
        assert sum(counts[k] for k in smaller) <= sum(counts[k] for k in larger)
    assert set(shown) == set(counts)
    for key, text in shown.items():
        value = counts[key]
        if text.isdigit():
            # (a) no small count as digits, (b) every shown number is the true one.
            assert not 1 <= value < threshold, f"{key}={value} shown"
            assert int(text) == value, f"{key}={value} shown as {text}"
        elif text == f"<{threshold}":
            assert 1 <= value < threshold, f"{key}={value} labelled {text}"
        else:
            assert text == HIDDEN, f"{key}: {text!r}"
    # (c) the headlines of T or more stay, unless the headlines alone would pin a small count.
    gone = [h for h in headlines if counts[h] >= threshold and not shown[h].isdigit()]
    if gone:
        pins = headline_pins(counts, exact, headlines, threshold, inequalities)
        note(f"headlines withheld: {gone}; small counts they alone would pin: {pins}")
        assert pins, f"headlines withheld without need: {gone}"
        for headline in gone:  # and each one withheld is needed: shown, something leaks
            back = {**shown, headline: str(counts[headline])}
            assert derivable_cells(counts, exact, back, threshold, inequalities), (
                f"{headline} withheld without need"
            )
        event("headline withheld (justified)")
    else:
        event("every headline of T or more shown")
    # (3) no withheld cell is determined by the page.
    assert_not_derivable(counts, exact, shown, threshold, inequalities)


# --- Two suppressors to test the checker with ----------------------------------------------


def hide_all_nonzero(counts, equations, threshold):
    return {k: HIDDEN if v else "0" for k, v in counts.items()}


def primary_only(counts, equations, threshold):
    return {k: f"<{threshold}" if 1 <= v < threshold else str(v) for k, v in counts.items()}


def all_but_one(counts, equations, threshold):
    """Everything shown but one non-zero part of the first sum that has one."""
    shown = {k: str(v) for k, v in counts.items()}
    for _total, parts, mode in equations:
        if mode == BALANCE:
            continue
        nonzero = [p for p in parts if counts[p]]
        if nonzero:
            shown[nonzero[0]] = HIDDEN
            return shown, nonzero[0]
    return shown, None


# --- Small random tables --------------------------------------------------------------------

COUNT = st.one_of(st.integers(0, 6), st.integers(0, 12))


def _split(draw, value, n):
    """`value` as n non-negative parts."""
    cuts = sorted(draw(st.lists(st.integers(0, value), min_size=n - 1, max_size=n - 1)))
    edges = [0, *cuts, value]
    return [b - a for a, b in itertools.pairwise(edges)]


@st.composite
def small_tables(draw):
    """A board-like page: the four headline measures and 1–3 outcomes by K/M/X/total, with
    active = at start + new and exits = the outcomes, and 0–2 breakdowns whose rows split the
    table's active (by gender and total), new and exits."""
    threshold = draw(st.integers(3, 10))
    n_outcomes = draw(st.integers(1, 3))
    outcomes = [f"o{j}" for j in range(n_outcomes)]
    values: dict[str, dict[str, int]] = {k: {} for k in (*HEADLINE_ROWS, *outcomes)}
    for g in GENDERS:
        start, new = draw(COUNT), draw(COUNT)
        values["aktiva_vid_periodens_start"][g] = start
        values["nya_under_perioden"][g] = new
        values["aktiva_under_perioden"][g] = start + new
        for o in outcomes:
            values[o][g] = draw(COUNT)
        values["avslut_totalt"][g] = sum(values[o][g] for o in outcomes)
    counts, equations = {}, []
    for row, by_gender in values.items():
        for g in GENDERS:
            counts[("t", row, g)] = by_gender[g]
        counts[("t", row, TOTAL)] = sum(by_gender.values())
        equations.append((("t", row, TOTAL), [("t", row, g) for g in GENDERS], TOTAL_FIRST))
    for c in COLUMNS:
        equations.append(
            (
                ("t", "aktiva_under_perioden", c),
                [("t", "aktiva_vid_periodens_start", c), ("t", "nya_under_perioden", c)],
                COMPLEMENT,
            )
        )
        equations.append((("t", "avslut_totalt", c), [("t", o, c) for o in outcomes], COMPLEMENT))
    for b in range(draw(st.integers(0, 2))):
        n_rows = draw(st.integers(2, 4))
        split = {
            g: _split(draw, counts[("t", "aktiva_under_perioden", g)], n_rows) for g in GENDERS
        }
        split["new"] = _split(draw, counts[("t", "nya_under_perioden", TOTAL)], n_rows)
        split["exits"] = _split(draw, counts[("t", "avslut_totalt", TOTAL)], n_rows)
        split[TOTAL] = [sum(split[g][r] for g in GENDERS) for r in range(n_rows)]
        for r in range(n_rows):
            for c, parts in split.items():
                counts[("b", b, r, c)] = parts[r]
            equations.append((("b", b, r, TOTAL), [("b", b, r, g) for g in GENDERS], TOTAL_FIRST))
        totals_of = {
            **{c: ("t", "aktiva_under_perioden", c) for c in COLUMNS},
            "new": ("t", "nya_under_perioden", TOTAL),
            "exits": ("t", "avslut_totalt", TOTAL),
        }
        for c, total in totals_of.items():
            equations.append((total, [("b", b, r, c) for r in range(n_rows)], COMPLEMENT))
    return counts, equations, threshold


@st.composite
def month_balances(draw):
    """A dashboard-like page: active at each of 3–12 month ends, and each month's new and
    exits, by gender and total, with a_i + x_i = a_(i−1) + n_i; the months' new and exits add
    up to the period's. Every month end's total is a headline, as are the period's new and
    exits."""
    threshold = draw(st.integers(3, 10))
    months = draw(st.integers(3, 12))
    counts, equations = {}, []
    for g in GENDERS:
        active = draw(st.integers(0, 15))
        counts[("a", 0, g)] = active
        for i in range(1, months):
            new = draw(st.integers(0, 4))
            gone = draw(st.integers(0, min(4, active + new)))
            active += new - gone
            counts[("n", i, g)], counts[("x", i, g)], counts[("a", i, g)] = new, gone, active
    for kind, first in (("a", 0), ("n", 1), ("x", 1)):
        for i in range(first, months):
            counts[(kind, i, TOTAL)] = sum(counts[(kind, i, g)] for g in GENDERS)
            equations.append(((kind, i, TOTAL), [(kind, i, g) for g in GENDERS], TOTAL_FIRST))
    for i in range(1, months):
        for c in COLUMNS:
            terms = [("a", i, c), ("x", i, c), ("a", i - 1, c), ("n", i, c)]
            equations.append((None, terms, BALANCE))
    for row, kind in (("nya_under_perioden", "n"), ("avslut_totalt", "x")):
        for c in COLUMNS:
            counts[("t", row, c)] = sum(counts[(kind, i, c)] for i in range(1, months))
            equations.append((("t", row, c), [(kind, i, c) for i in range(1, months)], COMPLEMENT))
    for row in ("nya_under_perioden", "avslut_totalt"):
        equations.append((("t", row, TOTAL), [("t", row, g) for g in GENDERS], TOTAL_FIRST))
    headlines = frozenset(
        [("a", i, TOTAL) for i in range(months)]
        + [("t", "nya_under_perioden", TOTAL), ("t", "avslut_totalt", TOTAL)]
    )
    return counts, equations, threshold, headlines


# --- The checker on its own -----------------------------------------------------------------


def test_checker_finds_a_margin_leak():
    counts = {"t": 9, "a": 2, "b": 7}
    equations = [("t", ["a", "b"], COMPLEMENT)]
    shown = primary_only(counts, equations, 5)
    assert derivable_cells(counts, equations, shown, 5) == ["a"]
    assert derivable_cells(counts, equations, {**shown, "b": HIDDEN}, 5) == []


def test_checker_combines_equations():
    """A 2 × 2 table with margins: a rectangle of hidden cells can shift by one around the
    cycle; an L of three cannot, though no single equation has only one hidden cell."""
    counts = {"a": 3, "b": 6, "c": 7, "d": 8, "r1": 9, "r2": 15, "c1": 10, "c2": 14, "t": 24}
    equations = [
        ("r1", ["a", "b"], COMPLEMENT),
        ("r2", ["c", "d"], COMPLEMENT),
        ("c1", ["a", "c"], COMPLEMENT),
        ("c2", ["b", "d"], COMPLEMENT),
        ("t", ["r1", "r2"], COMPLEMENT),
    ]
    shown = {k: str(v) for k, v in counts.items()}
    rectangle = {**shown, "a": "<5", "b": HIDDEN, "c": HIDDEN, "d": HIDDEN}
    assert derivable_cells(counts, equations, rectangle, 5) == []
    ell = {**rectangle, "d": "8", "r1": HIDDEN}
    assert set(derivable_cells(counts, equations, ell, 5)) == {"a", "b", "c", "r1"}


def test_checker_finds_a_balance_leak():
    counts = {"a1": 12, "x": 3, "a0": 10, "n": 5}
    equations = [(None, ["a1", "x", "a0", "n"], BALANCE)]
    shown = primary_only(counts, equations, 5)
    assert derivable_cells(counts, equations, shown, 5) == ["x"]
    assert derivable_cells(counts, equations, {**shown, "n": HIDDEN}, 5) == []


def test_checker_uses_the_labels_bounds():
    """ "<5" is 1 to 4: a hidden total of two "<5" parts at 8 is pinned at 4 + 4."""
    counts = {"t": 8, "a": 4, "b": 4}
    shown = {"t": "8", "a": "<5", "b": "<5"}
    equations = [("t", ["a", "b"], COMPLEMENT)]
    assert set(derivable_cells(counts, equations, shown, 5)) == {"a", "b"}
    assert derivable_cells(counts, equations, {**shown, "t": HIDDEN}, 5) == []


@PURE
@given(small_tables())
def test_checker_passes_hiding_every_nonzero_count(page):
    counts, equations, threshold = page
    shown = hide_all_nonzero(counts, equations, threshold)
    assert_not_derivable(counts, equations, shown, threshold)


@PURE
@given(small_tables())
def test_checker_catches_all_but_one_shown(page):
    counts, equations, threshold = page
    shown, hidden = all_but_one(counts, equations, threshold)
    if hidden is None:
        return
    assert derivable_cells(counts, equations, shown, threshold) == [hidden]


@PURE
@given(month_balances())
def test_checker_passes_hiding_every_nonzero_balance(page):
    counts, equations, threshold, _headlines = page
    shown = hide_all_nonzero(counts, equations, threshold)
    assert_not_derivable(counts, equations, shown, threshold)


# --- suppress_linked on generated pages ------------------------------------------------------


def _run(counts, equations, threshold, headlines):
    return suppress_linked(counts, equations, threshold=threshold, headlines=headlines)


@hsettings(PURE, max_examples=40)
@given(small_tables())
def test_small_tables(page):
    counts, equations, threshold = page
    shown = _run(counts, equations, threshold, BOARD_HEADLINES)
    check_disclosure(counts, equations, shown, threshold, BOARD_HEADLINES)


@hsettings(PURE, max_examples=30)
@given(month_balances())
def test_month_balances(page):
    counts, equations, threshold, headlines = page
    shown = _run(counts, equations, threshold, headlines)
    check_disclosure(counts, equations, shown, threshold, headlines)


# --- The real board table of random histories -------------------------------------------------

DAY0 = datetime.date(2023, 1, 1)
SPAN = 730  # two years: 2023 and 2024

enrolments = st.fixed_dictionaries(
    {
        "gender": st.sampled_from(["K", "K", "M", "M", "X"]),
        "start": st.integers(0, SPAN - 1),
        "length": st.one_of(st.none(), st.integers(1, 500)),
        "outcome": st.sampled_from(
            [
                "tidigt_avhopp",
                "arbete",
                "arbete",
                "studier",
                "annan_arbetslivsinriktad_rehab",
                "medicinsk_rehab",
                "aktivitets_eller_sjukersattning",
                "annat",
            ]
        ),
        "kommun": st.sampled_from(["Ludvika", "Ludvika", "Smedjebacken"]),
        "referrer": st.sampled_from(["EVI", "AF", "FK", "Region", "Kommun", "Egen"]),
        "age": st.integers(17, 70),
        "module": st.sampled_from([None, "Portalen", "Kompassen", "Passagen"]),
        "income_start": st.integers(0, 127),
        "income_exit": st.integers(0, 127),
        "occupation_start": st.sampled_from(
            ["", "forvarvsarbete", "studier", "arbetssokande", "ovrigt"]
        ),
        "occupation_exit": st.sampled_from(
            ["", "forvarvsarbete", "studier", "arbetssokande", "ovrigt"]
        ),
    }
)
PERIODS = {
    "H1 2024": (datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)),
    "2024": (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
}


def _enrol_all(team, history):
    from modules.models import Module, Placement
    from modules.rules import add_months
    from rehab.models import Kommun
    from tests.reporting.conftest import enrol

    kommuner = {k.name: k for k in Kommun.objects.filter(name__in=["Ludvika", "Smedjebacken"])}
    modules = {m.name: m for m in Module.objects.filter(team=team)}
    for n, spec in enumerate(history):
        start = DAY0 + datetime.timedelta(days=spec["start"])
        exit_date = None
        if spec["length"] is not None:
            exit_date = start + datetime.timedelta(days=spec["length"])
            if exit_date > datetime.date(2024, 12, 31):
                exit_date = None
        birth = datetime.date(start.year - spec["age"], 1 + n % 12, 1 + n % 28)
        enrolment = enrol(
            team,
            start=start,
            exit=exit_date,
            outcome=spec["outcome"] if exit_date else "",
            gender=spec["gender"],
            birth=birth,
            referrer=spec["referrer"],
            participant__kommun=kommuner[spec["kommun"]],
            income_start=spec["income_start"],
            income_exit=spec["income_exit"] if exit_date else None,
            occupation_start=spec["occupation_start"],
            occupation_exit=spec["occupation_exit"] if exit_date else "",
        )
        if spec["module"]:
            module = modules[spec["module"]]
            Placement.objects.create(
                enrolment=enrolment,
                module=module,
                start_date=start,
                next_review_due=add_months(start, module.first_period),
                end_date=exit_date,
            )


def board_page(table):
    """`linked_counts` of a board table, with what holds split from what does not: a
    non-additive matrix (income sources, several at once) is tied by inequalities only —
    each cell at most its row's and column's total, each total at most its cells' sum and
    at most the exits, the exits at most the sum of the totals. The old `linked_counts`
    wrote those as sums (COMPLEMENT), which are left out here; the new one writes them as
    AT_LEAST, which are kept (the inequalities added here then repeat them)."""
    from reporting.board.presentation import linked_counts

    counts, equations = linked_counts(table)
    loose = {m.key for m in table.matrices if not m.additive}

    def in_loose(equation):
        total, parts, mode = equation
        on_loose = any(k and k[0] == "m" and k[1] in loose for k in [total, *parts])
        return on_loose and mode != AT_LEAST

    exact = [e for e in equations if not in_loose(e)]
    inequalities = []
    grand = ("t", "avslut_totalt", TOTAL)
    for m in table.matrices:
        if m.additive:
            continue
        size = len(m.labels)
        for i in range(size):
            row, col = ("m", m.key, "row", i), ("m", m.key, "col", i)
            inequalities += [([row], [grand]), ([col], [grand])]
            inequalities.append(([row], [("m", m.key, i, j) for j in range(size)]))
            inequalities.append(([col], [("m", m.key, j, i) for j in range(size)]))
            for j in range(size):
                inequalities.append(([("m", m.key, i, j)], [row]))
                inequalities.append(([("m", m.key, i, j)], [("m", m.key, "col", j)]))
        inequalities.append(([grand], [("m", m.key, "row", i) for i in range(size)]))
        inequalities.append(([grand], [("m", m.key, "col", i) for i in range(size)]))
    return counts, equations, exact, inequalities


@pytest.mark.django_db
@hsettings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # Sizes drawn first: Hypothesis's lists are short by default, a team is 30–50 active.
    history=st.integers(0, 90).flatmap(lambda n: st.lists(enrolments, min_size=n, max_size=n)),
    period=st.sampled_from(sorted(PERIODS)),
    threshold=st.sampled_from([3, 5, 5, 5, 7, 10]),
)
def test_board_tables_of_random_histories(rehab_team, history, period, threshold):
    from reporting.board.tables import board_table

    date_from, date_to = PERIODS[period]
    with transaction.atomic():
        _enrol_all(rehab_team, history)
        table = board_table(teams=[rehab_team], date_from=date_from, date_to=date_to)
        transaction.set_rollback(True)
    counts, equations, exact, inequalities = board_page(table)
    active = counts[("t", "aktiva_under_perioden", TOTAL)]
    event(f"active in the period: {'<20' if active < 20 else '20–39' if active < 40 else '40+'}")
    shown = _run(counts, equations, threshold, BOARD_HEADLINES)
    check_disclosure(
        counts,
        equations,
        shown,
        threshold,
        BOARD_HEADLINES,
        inequalities=inequalities,
        exact=exact,
    )
