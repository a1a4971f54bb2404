"""The §9 table and its targets from one hand-written SQL query: the yardstick for
reporting.board.tables. Grouped by gender; the total column is the sum of the three groups."""

import re
from datetime import date
from decimal import Decimal

from django.db import connection

from reporting.board.tables import (
    COLUMNS,
    GENDERS,
    MEAN_KEYS,
    OUTCOME_KEYS,
    ROWS,
    TARGETS,
    TOTAL,
    mean,
)

COUNT_KEYS = [key for key, _heading, _unit in ROWS if key not in MEAN_KEYS]


def _sql(team_count: int) -> str:
    days = (
        "(e.exit_date - e.start_date)"
        if connection.vendor == "postgresql"
        else "CAST(julianday(e.exit_date) - julianday(e.start_date) AS INTEGER)"
    )
    false = "false" if connection.vendor == "postgresql" else "0"
    exits = "e.exit_date <= %(to)s"
    outcome_sums = ",\n".join(
        f"  SUM(CASE WHEN {exits} AND e.exit_outcome = '{code}' THEN 1 ELSE 0 END)"
        for code in OUTCOME_KEYS
    )
    teams = ", ".join(["%s"] * team_count)
    return f"""
SELECT p.gender,
  COUNT(*),
  SUM(CASE WHEN e.start_date < %(from)s THEN 1 ELSE 0 END),
  SUM(CASE WHEN e.start_date >= %(from)s THEN 1 ELSE 0 END),
  SUM(CASE WHEN {exits} THEN 1 ELSE 0 END),
{outcome_sums},
  SUM(CASE WHEN {exits} THEN {days} END),
  SUM(e.months_without_work),
  COUNT(e.months_without_work),
  SUM(CASE WHEN {exits} AND EXISTS (
        SELECT 1 FROM rehab_goal g
        WHERE g.enrolment_id = e.id AND g.parent_id IS NOT NULL AND g.status = 'achieved'
      ) THEN 1 ELSE 0 END),
  SUM(CASE WHEN {exits} AND e.exit_outcome IN ('arbete', 'studier') THEN 1 ELSE 0 END),
  SUM(CASE WHEN {exits} AND e.wellbeing_start IS NOT NULL AND e.wellbeing_exit IS NOT NULL
           AND e.wellbeing_exit > e.wellbeing_start THEN 1 ELSE 0 END),
  SUM(CASE WHEN {exits} AND e.wellbeing_start IS NOT NULL AND e.wellbeing_exit IS NOT NULL
           THEN 1 ELSE 0 END)
FROM rehab_enrolment e
JOIN rehab_participant p ON p.id = e.participant_id
WHERE e.team_id IN ({teams})
  AND e.registered_in_error = {false}
  AND e.start_date <= %(to)s
  AND (e.exit_date IS NULL OR e.exit_date >= %(from)s)
GROUP BY p.gender
""".replace("%(from)s", ":from").replace("%(to)s", ":to")


def raw_table(team_ids: list[int], date_from: date, date_to: date) -> dict:
    """{row key: {column: value}} for the §9 rows, and {("target", key): {column: (numerator,
    denominator)}} for the targets."""
    teams = iter(team_ids)
    text, params = [], []
    values = {":from": date_from, ":to": date_to}
    for part in re.split(r"(:from|:to|%s)", _sql(len(team_ids))):
        if part in (":from", ":to", "%s"):
            text.append("%s")
            params.append(values[part] if part in values else next(teams))
        else:
            text.append(part)
    text = "".join(text)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        fetched = cursor.fetchall()
    width = 4 + len(OUTCOME_KEYS) + 3 + 4
    sums = {g: [0] * width for g in GENDERS}
    for gender, *values in fetched:
        sums[gender] = [v or 0 for v in values]
    sums[TOTAL] = [sum(sums[g][i] for g in GENDERS) for i in range(width)]
    rows = {}
    for column in COLUMNS:
        v = sums[column]
        counts = dict(zip(COUNT_KEYS, v[: len(COUNT_KEYS)], strict=True))
        rest = v[len(COUNT_KEYS) :]
        days, months, months_n, step, work, wellbeing, both = rest
        for key in COUNT_KEYS:
            rows.setdefault(key, {})[column] = counts[key]
        rows.setdefault("genomstromningstid_dagar_snitt", {})[column] = mean(
            int(days), counts["avslut_totalt"]
        )
        rows.setdefault("tid_utan_arbete_manader_snitt", {})[column] = mean(months, months_n)
        exits = counts["avslut_totalt"]
        for key, num, den in (
            ("stegforflyttning", step, exits),
            ("arbete_eller_studier", work, exits),
            ("okat_valmaende", wellbeing, both),
        ):
            target = rows.setdefault(("target", key), {})
            target[column] = (num, den)
    return rows


def same_numbers(table, raw) -> bool:
    """Whether reporting.board.tables and the raw query agree on every cell and target."""
    for row in table.rows:
        for column in COLUMNS:
            ours = row.values[column]
            theirs = raw[row.key][column]
            if isinstance(ours, Decimal) or isinstance(theirs, Decimal):
                if ours != theirs:
                    return False
            elif (ours or 0) != (theirs or 0):
                return False
    for target in table.targets:
        for column in COLUMNS:
            if (target.numerators[column], target.denominators[column]) != raw[
                ("target", target.key)
            ][column]:
                return False
    return len(table.targets) == len(TARGETS)
