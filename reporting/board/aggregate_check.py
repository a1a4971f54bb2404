"""Compares the board's aggregate tables (aggregates.py) with the direct computation from the
enrolments (tables.py): `check_aggregates` and the tests."""

from __future__ import annotations

from datetime import date

from reporting.board import aggregates, tables


def direct_rows(teams, date_from: date, date_to: date):
    """The §9 rows and targets computed from the enrolments (the board's direct path)."""
    teams = list(teams)
    active = tables.active_enrolments(teams, date_from, date_to)
    filters = tables._period_filters(date_from, date_to)
    return tables.table_rows_and_targets(tables._table_result(active, filters), teams)


def aggregate_rows(teams, date_from: date, date_to: date, *, catch_up: bool = True):
    """The same rows and targets from the aggregate tables."""
    teams = list(teams)
    result = aggregates.table_result(teams, date_from, date_to, catch_up=catch_up)
    return tables.table_rows_and_targets(result, teams)


def breakdowns(teams, date_from: date, date_to: date, *, catch_up: bool = True):
    """The four breakdowns (per kommun, referrer, module and age band), direct and from the
    aggregates: (direct, aggregated)."""
    teams = list(teams)
    active = tables.active_enrolments(teams, date_from, date_to)
    filters = tables._period_filters(date_from, date_to)
    flows = aggregates.period_flows(teams, date_from, date_to, catch_up=catch_up)
    direct = tables.direct_breakdowns(active, filters, teams, date_from, date_to)
    aggregated = tables.breakdowns_from(flows, teams, date_from, date_to)
    return direct, aggregated


def differences(teams, date_from: date, date_to: date, *, catch_up: bool = True) -> list[str]:
    """Where the aggregates and the direct computation disagree for the period, in words
    (empty when they agree). `catch_up=False` compares the rows as they are, without the
    guard's rebuild."""
    d_rows, d_targets = direct_rows(teams, date_from, date_to)
    a_rows, a_targets = aggregate_rows(teams, date_from, date_to, catch_up=catch_up)
    found = []
    for d, a in zip(d_rows, a_rows, strict=True):
        if (d.values, d.bases) != (a.values, a.bases):
            found.append(f"{d.key}: direkt {d.values}, aggregat {a.values}")
    for d, a in zip(d_targets, a_targets, strict=True):
        if (d.numerators, d.denominators) != (a.numerators, a.denominators):
            found.append(
                f"{d.key}: direkt {d.numerators}/{d.denominators}, "
                f"aggregat {a.numerators}/{a.denominators}"
            )
    for d, a in zip(*breakdowns(teams, date_from, date_to, catch_up=catch_up), strict=True):
        if d != a:
            found.append(f"{d.key}: direkt {d.rows}, aggregat {a.rows}")
    for d, a in zip(*matrices(teams, date_from, date_to, catch_up=catch_up), strict=True):
        if d != a:
            found.append(f"{d.key}: direkt {d}, aggregat {a}")
    return found


def matrices(teams, date_from: date, date_to: date, *, catch_up: bool = True):
    """The before → after matrices, direct and from the aggregates: (direct, aggregated)."""
    teams = list(teams)
    exits = tables.active_enrolments(teams, date_from, date_to).filter(
        tables._period_filters(date_from, date_to)["avslut_totalt"]
    )
    flows = aggregates.period_flows(teams, date_from, date_to, catch_up=catch_up)
    return tables._matrices(exits), tables.matrices_from(flows)


def periods(year: int) -> list[tuple[date, date]]:
    """The whole-month periods `check_aggregates` compares in a year: each month, both
    halves and the year."""
    months = [date(year, m, 1) for m in range(1, 13)]
    result = [(m, aggregates.day_before(aggregates.next_month(m))) for m in months]
    result += [
        (date(year, 1, 1), date(year, 6, 30)),
        (date(year, 7, 1), date(year, 12, 31)),
        (date(year, 1, 1), date(year, 12, 31)),
    ]
    return result
