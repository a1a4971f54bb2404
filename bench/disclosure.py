"""`python -m bench.disclosure`: how much of a page SPEC §11's disclosure control shows, under
the old rule and the new one, and what the new one costs.

    python -m bench.disclosure [--repeat 5] [--threshold 5] [--synthetic-n 130]
                               [--participants 60]

It builds its own SQLite database (bench/out/disclosure.sqlite3; the demo and `make bench`
databases are never touched): `seed_demo` as `make run` does (60 participants), and a
synthetic team of the demo's generator with about 45 active in 2024. For each page — the
board tables of Rehabteamet (H1 2024 and the year 2024), the steering group's 2024 dashboard
(the whole förbund: board table, 24 month ends, monthly flows, modules, referrals, last year)
and the synthetic team's board tables — it prints the share of the page's counts shown as
numbers and how many headlines are shown, before (`legacy_suppress_linked`, the rule of
commit 37c5ea3) and after (`reporting.disclosure.suppress_linked`), and the median time of
the new rule per page (its result cache emptied before every run).

Last it times the solver itself on the steering group's 2024 dashboard of Rehabteamet (the
system `reporting.dashboards.dashboard.dashboard` hands to `suppress_linked`), before (the
frozen reference, tests/disclosure_reference.py) and after (reporting/disclosure.py): the
median over the runs, the number of HiGHS solves, and whether the labels are the same.
`--participants 200` gives the demo-size page (`seed_demo --participants 200`).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DATABASE = OUT / "disclosure.sqlite3"
SYNTHETIC_TEAM = "Syntetteamet"
PERIODS = {
    "H1 2024": (datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)),
    "2024": (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
}


def setup_django():
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The old rule (reporting/disclosure.py at 37c5ea3), for the comparison ------------------

LEGACY_SMALL = "<5"
LEGACY_HIDDEN = "–"
TOTAL_FIRST = "total_first"
COMPLEMENT = "complement"
BALANCE = "balance"
AT_LEAST = "at_least"


def _legacy_suppress(count: int) -> str:
    return LEGACY_SMALL if 1 <= count < 5 else str(count)


def legacy_suppress_linked(counts: dict, equations: list[tuple]) -> dict:
    """The rule before SPEC §11's rewrite, verbatim: counts 1 to 4 as "<5"; then, until
    nothing changes, a total hidden as soon as a part is (TOTAL_FIRST), and where exactly
    one cell of a sum or balance is hidden the smallest non-zero part still shown too."""
    shown = {key: _legacy_suppress(value) for key, value in counts.items()}
    hidden = {key for key, text in shown.items() if text == LEGACY_SMALL}
    changed = True
    while changed:
        changed = False
        for total, parts, mode in equations:
            hidden_parts = [p for p in parts if p in hidden]
            if mode == BALANCE:
                if len(hidden_parts) != 1:
                    continue
                candidate = _smallest_visible(counts, parts, hidden)
            elif mode == TOTAL_FIRST and hidden_parts:
                if total in hidden:
                    continue
                candidate = total
            else:
                if len(hidden_parts) + (total in hidden) != 1:
                    continue
                candidate = _complement(counts, total, parts, hidden)
            if candidate is None:
                continue
            hidden.add(candidate)
            shown[candidate] = LEGACY_HIDDEN
            changed = True
    return shown


def _smallest_visible(counts, terms, hidden):
    visible = [t for t in terms if t not in hidden]
    nonzero = sorted((t for t in visible if counts[t]), key=lambda t: counts[t])
    if nonzero:
        return nonzero[0]
    return visible[0] if visible else None


def _complement(counts, total, parts, hidden):
    visible = [p for p in parts if p not in hidden]
    nonzero = sorted((p for p in visible if counts[p]), key=lambda p: counts[p])
    if nonzero:
        return nonzero[0]
    if total not in hidden:
        return total
    return visible[0] if visible else None


def legacy_equations(equations):
    """The page's equations as the old rule had them: a non-additive matrix's "at least"
    sums as plain sums (as the old `linked_counts` wrote them), its one-term bounds (a cell
    at most its row's total) left out (the old one had none)."""
    result = []
    for total, parts, mode in equations:
        if mode == AT_LEAST:
            if len(parts) > 1:
                result.append((total, parts, COMPLEMENT))
            continue
        result.append((total, parts, mode))
    return result


# --- The data -------------------------------------------------------------------------------


def build(synthetic_n: int, participants: int = 60):
    from django.core.management import call_command

    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(DATABASE) + suffix).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    call_command(
        "seed_demo",
        participants=participants,
        password="bench-only-" + secrets.token_urlsafe(12),
        stdout=io.StringIO(),
    )
    _synthetic_team(synthetic_n)


def _synthetic_team(n: int):
    """A second rehab team with the demo's generator (demo/cases.py) over 2023–2024, 80
    participants give 44 active during 2024's first half, with Rehabteamet's three modules."""
    from demo import cases
    from modules.models import Module
    from rehab.models import Team

    rehab = Team.objects.get(name="Rehabteamet")
    team = Team.objects.create(
        forbund=rehab.forbund, name=SYNTHETIC_TEAM, kind=rehab.kind, huvudman=rehab.huvudman
    )
    team.kommuner.set(rehab.kommuner.all())
    for module in Module.objects.filter(team=rehab):
        module.pk = None
        module.team = team
        module.save()
    built = cases.build(
        n=n,
        seed=4711,
        teams=[team],
        handledare=[None],
        today=datetime.date(2024, 12, 31),
        notes_per_enrolment=0,
        years=2,
    )
    cases.save(built)


def pages():
    """(name, counts, equations, headlines, active in the period) of every page measured."""
    from rehab.models import Team
    from reporting.board.presentation import HEADLINES, linked_counts
    from reporting.board.tables import TOTAL, board_table

    result = []
    for team_name in ("Rehabteamet", SYNTHETIC_TEAM):
        team = Team.objects.get(name=team_name)
        for period, (date_from, date_to) in PERIODS.items():
            table = board_table(teams=[team], date_from=date_from, date_to=date_to)
            counts, equations = linked_counts(table)
            active = counts[("t", "aktiva_under_perioden", TOTAL)]
            result.append((f"board {team_name} {period}", counts, equations, HEADLINES, active))
    rehab = Team.objects.get(name="Rehabteamet")
    teams = list(Team.objects.filter(forbund=rehab.forbund).exclude(name=SYNTHETIC_TEAM))
    counts, equations, headlines = dashboard_page(teams, 2024)
    active = counts[("t", "aktiva_under_perioden", TOTAL)]
    result.append(
        ("dashboard förbund 2024 (steering group)", counts, equations, headlines, active)
    )
    return result


def dashboard_page(teams, year: int):
    """The dashboard's linked counts as `reporting.dashboards.dashboard.dashboard` builds
    them, and its headlines (the board's and active at each month's end)."""
    from reporting.board.presentation import HEADLINES, linked_counts
    from reporting.board.tables import TOTAL
    from reporting.dashboards import dashboard as d

    date_from, as_of = d.period(year, datetime.date.today())
    table = d.board_table(teams=teams, date_from=date_from, date_to=as_of)
    months = d._months_back(as_of, d.MONTHS_BACK)
    points = [min(d._month_end(y, m), as_of) for y, m in months]
    by_month = d.month_counts(teams, as_of)
    active = d.active_series(by_month, months)
    flows = d.monthly_flows(by_month, date_from, as_of)
    modules = d.module_load(teams, as_of)
    referrals = d.referral_stats(teams, date_from, as_of)
    ly_from, ly_as_of = d.same_period_last_year(date_from, as_of)
    ly_table = d.board_table(teams=teams, date_from=ly_from, date_to=ly_as_of)
    ly_modules = d.module_load(teams, ly_as_of)
    counts, equations = linked_counts(table)
    d._link_active(counts, equations, active)
    d._link_flows(counts, equations, flows, months)
    d._link_modules(counts, equations, modules)
    d._link_referrals(counts, equations, referrals["rows"])
    d._link_last_year(counts, equations, ly_table, ly_modules, points)
    headlines = HEADLINES | {("a", i, TOTAL) for i in range(len(points))}
    return counts, equations, headlines


def steering_group_system(year: int = 2024):
    """(counts, equations, threshold, headlines) of the steering group's dashboard of
    Rehabteamet for `year`, as `dashboard` hands them to `suppress_linked`."""
    from rehab.models import Team
    from reporting.dashboards import dashboard as d
    from reporting.disclosure import suppress
    from reporting.scopes import Scope

    team = Team.objects.get(name="Rehabteamet")
    systems = []

    def record(counts, equations, threshold=5, headlines=frozenset()):
        systems.append((dict(counts), list(equations), threshold, frozenset(headlines)))
        return {key: suppress(value, threshold) for key, value in counts.items()}

    scope = Scope(key="team", label=team.name, forbund=team.forbund, team=team, teams=[team])
    original, d.suppress_linked = d.suppress_linked, record
    try:
        d.dashboard(scope, year, exact=False, today=datetime.date(year + 1, 3, 1))
    finally:
        d.suppress_linked = original
    return systems[0]


def solver_speed(repeat: int) -> list[str]:
    """Before/after lines for the steering group's dashboard system."""
    import scipy.optimize

    from reporting import disclosure
    from tests import disclosure_reference

    counts, equations, threshold, headlines = steering_group_system()
    small = sum(1 for value in counts.values() if disclosure.is_small(value, threshold))
    lines = [
        f"=== solver: steering group's dashboard, Rehabteamet 2024 — {len(counts)} cells, "
        f"{len(equations)} equations, {small} small counts, T = {threshold} ===",
        f"  {'':<44}{'median ms':>10}{'min ms':>9}{'solves':>8}",
    ]
    milp = scipy.optimize.milp
    results = {}
    for name, module in (
        ("before (tests/disclosure_reference.py)", disclosure_reference),
        ("after (reporting/disclosure.py)", disclosure),
    ):
        solves = [0]

        def counted(*args, _solves=solves, **kwargs):
            _solves[0] += 1
            return milp(*args, **kwargs)

        scipy.optimize.milp = counted
        try:
            times = []
            for _ in range(repeat):
                solves[0] = 0
                start = time.perf_counter()
                results[name] = module._suppress_linked(counts, equations, threshold, headlines)
                times.append((time.perf_counter() - start) * 1000)
        finally:
            scipy.optimize.milp = milp
        lines.append(
            f"  {name:<44}{statistics.median(times):>10.1f}{min(times):>9.1f}{solves[0]:>8}"
        )
    before, after = results.values()
    same = list(before.items()) == list(after.items())
    lines.append(f"  the same labels, in the same order: {'yes' if same else 'NO'}")
    return lines


# --- Measuring ------------------------------------------------------------------------------


def shown_share(labels: dict) -> tuple[int, int]:
    return sum(1 for text in labels.values() if text.isdigit()), len(labels)


def headlines_shown(labels: dict, headlines) -> int:
    return sum(1 for h in headlines if labels[h].isdigit())


def derivable(counts, equations, labels, threshold) -> int:
    """How many withheld counts a reader could work out: the exact checker of the property
    tests (tests/reporting/test_disclosure_property.py, an integer programme per cell)."""
    from tests.reporting.test_disclosure_property import derivable_cells

    return len(derivable_cells(counts, equations, labels, threshold))


def timed(fn, repeat: int):
    from django.core.cache import caches

    times, result = [], None
    for _ in range(repeat):
        caches["default"].clear()  # suppress_linked keeps its results; measure the work
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the new rule")
    parser.add_argument("--threshold", type=int, default=5, help="T (the old rule is T = 5)")
    parser.add_argument(
        "--synthetic-n", type=int, default=80, help="participants of the synthetic team"
    )
    parser.add_argument(
        "--participants", type=int, default=60, help="seed_demo's participants (200: demo size)"
    )
    args = parser.parse_args(argv)
    setup_django()
    from reporting.disclosure import suppress_linked

    start = time.perf_counter()
    build(args.synthetic_n, args.participants)
    lines = [
        f"=== disclosure control (SPEC §11), T = {args.threshold} — {datetime.date.today()} ===",
        f"  data: seed_demo ({args.participants} participants) and {SYNTHETIC_TEAM} "
        f"({args.synthetic_n} participants) in {time.perf_counter() - start:.1f} s",
        "  shown = counts shown as numbers, of all the page's counts; headlines = headline "
        "totals shown, of the page's; derivable = withheld counts a reader can work out "
        "(exact check); before = the old rule (T = 5), after = the new one",
        f"  {'page':<42}{'active':>7}{'cells':>7}{'shown before':>15}{'shown after':>14}"
        f"{'headlines b/a':>15}{'ms after':>10}{'derivable b/a':>15}",
    ]
    for line in lines:
        print(line, flush=True)
    report = list(lines)
    for name, counts, equations, headlines, active in pages():
        before = legacy_suppress_linked(counts, legacy_equations(equations))
        ms, after = timed(
            lambda c=counts, e=equations, h=headlines: suppress_linked(
                c, e, threshold=args.threshold, headlines=h
            ),
            args.repeat,
        )
        b_shown, cells = shown_share(before)
        a_shown, _ = shown_share(after)
        line = (
            f"  {name:<42}{active:>7}{cells:>7}"
            f"{b_shown:>6} ({100 * b_shown / cells:4.1f} %)"
            f"{a_shown:>5} ({100 * a_shown / cells:4.1f} %)"
            f"{headlines_shown(before, headlines):>6} / {headlines_shown(after, headlines):<2}"
            f" of {len(headlines):<3}{ms:>7.1f}"
            f"{derivable(counts, equations, before, 5):>9} / "
            f"{derivable(counts, equations, after, args.threshold)}"
        )
        print(line, flush=True)
        report.append(line)
    for line in solver_speed(args.repeat):
        print(line, flush=True)
        report.append(line)
    path = OUT / "last-disclosure.txt"
    path.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"(written to {path})")


if __name__ == "__main__":
    main()
