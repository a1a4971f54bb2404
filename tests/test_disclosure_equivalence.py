"""The fast `reporting.disclosure.suppress_linked` gives exactly the labels of the frozen
reference (tests/disclosure_reference.py, the implementation before it was made faster):
on the dashboard's own linked systems of generated enrolment histories, and on random
linked systems (sums, balances, "at least" rows, small counts, thresholds, headlines)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import caches
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from reporting import disclosure
from reporting.disclosure import AT_LEAST, BALANCE, COMPLEMENT, TOTAL_FIRST
from tests import disclosure_reference as reference
from tests.reporting.test_disclosure_property import month_balances, small_tables


def assert_same(counts, equations, threshold, headlines=frozenset(), *, cached=True):
    expected = reference._suppress_linked(counts, equations, threshold, headlines)
    got = disclosure._suppress_linked(counts, equations, threshold, headlines)
    # Bit for bit: the same keys in the same order with the same labels.
    assert list(got.items()) == list(expected.items())
    if not cached:
        return expected
    caches["default"].clear()
    assert disclosure.suppress_linked(
        counts, equations, threshold=threshold, headlines=headlines
    ) == dict(expected)
    return expected


# --- The dashboard's systems ----------------------------------------------------------------


def _dashboard_systems(rehab_team, monkeypatch):
    """The (counts, equations, threshold, headlines) `dashboard` hands to `suppress_linked`
    for one team and for all the förbund's teams, 2024, on histories of the demo's
    generator."""
    from demo import cases
    from rehab.models import Team
    from reporting.dashboards import dashboard as page
    from reporting.scopes import Scope

    built = cases.build(
        n=50,
        seed=4711,
        teams=[rehab_team],
        handledare=[None],
        today=datetime.date(2024, 12, 31),
        notes_per_enrolment=0,
        years=2,
    )
    cases.save(built)
    systems = []

    def record(counts, equations, threshold=disclosure.DEFAULT_THRESHOLD, headlines=frozenset()):
        systems.append((dict(counts), list(equations), threshold, frozenset(headlines)))
        # The page needs labels; the test compares the two implementations afterwards.
        return {key: disclosure.suppress(value, threshold) for key, value in counts.items()}

    monkeypatch.setattr(page, "suppress_linked", record)
    teams = list(Team.objects.filter(forbund=rehab_team.forbund))
    scopes = [
        Scope(
            key="team", label="", forbund=rehab_team.forbund, team=rehab_team, teams=[rehab_team]
        ),
        Scope(key="all", label="Alla", forbund=rehab_team.forbund, team=None, teams=teams),
    ]
    for scope in scopes:
        page.dashboard(scope, 2024, exact=False, today=datetime.date(2025, 3, 1))
    return systems


@pytest.mark.django_db
def test_the_dashboards_systems_get_the_same_labels(rehab_team, monkeypatch):
    systems = _dashboard_systems(rehab_team, monkeypatch)
    assert len(systems) == 2
    for counts, equations, threshold, headlines in systems:
        labels = assert_same(counts, equations, threshold, headlines, cached=False)
        # A real page: small counts and secondary suppression both happen.
        assert any(text == disclosure.small_label(threshold) for text in labels.values())
        assert any(text == disclosure.HIDDEN for text in labels.values())
    counts, equations, _threshold, headlines = systems[0]
    assert_same(counts, equations, 7, headlines, cached=False)


# --- Random linked systems ------------------------------------------------------------------

COUNT = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def linked_systems(draw):
    """Base cells, and relations over them: sums (a new total cell, or an existing cell as
    the total where it fits), balances a + b = c + d, "at least" rows, and now and then a
    relation the counts do not satisfy; some totals are headlines."""
    threshold = draw(st.integers(3, 10))
    counts = {("c", i): draw(COUNT) for i in range(draw(st.integers(1, 14)))}
    equations, totals = [], []
    for j in range(draw(st.integers(0, 12))):
        keys = list(counts)
        kind = draw(st.sampled_from(["sum", "sum", "sum", "balance", "at_least", "loose"]))
        parts = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True))
        if kind == "balance" and len(keys) >= 3:
            a, b, c = draw(st.permutations(keys))[:3]
            d = ("d", j)
            counts[d] = max(counts[a] + counts[b] - counts[c], 0)
            equations.append((None, [a, b, c, d], BALANCE))
        elif kind == "at_least":
            total = ("t", j)
            counts[total] = draw(st.integers(0, sum(counts[p] for p in parts)))
            equations.append((total, parts, AT_LEAST))
            totals.append(total)
        elif kind == "loose":  # a relation the counts need not satisfy
            total = draw(st.sampled_from(keys))
            mode = draw(st.sampled_from([COMPLEMENT, AT_LEAST, TOTAL_FIRST]))
            equations.append((total, parts, mode))
        else:
            total = ("t", j)
            counts[total] = sum(counts[p] for p in parts)
            equations.append((total, parts, draw(st.sampled_from([TOTAL_FIRST, COMPLEMENT]))))
            totals.append(total)
    headlines = (
        frozenset(draw(st.lists(st.sampled_from(totals), unique=True))) if totals else frozenset()
    )
    return counts, equations, threshold, headlines


RANDOM = hsettings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@RANDOM
@given(linked_systems())
def test_random_linked_systems_get_the_same_labels(system):
    assert_same(*system)


@hsettings(max_examples=15, deadline=None, database=None)
@given(small_tables(), st.booleans())
def test_board_like_tables_get_the_same_labels(page, headlines):
    counts, equations, threshold = page
    chosen = (
        frozenset(k for k in counts if k[0] == "t" and k[2] == "total")
        if headlines
        else frozenset()
    )
    assert_same(counts, equations, threshold, chosen)


@hsettings(max_examples=10, deadline=None, database=None)
@given(month_balances())
def test_month_balances_get_the_same_labels(page):
    assert_same(*page)
