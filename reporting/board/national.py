"""The national follow-up (Uppföljning Finsam): the period's counts in the shape it asks
for – participants started and ended by gender, and their income sources and occupation
before and after. One query with conditional aggregation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from reporting.board.tables import (
    COLUMNS,
    GENDERS,
    TOTAL,
    active_enrolments,
    gender_q,
    income_categories,
    occupation_categories,
)
from reporting.disclosure import (
    COMPLEMENT,
    DEFAULT_THRESHOLD,
    TOTAL_FIRST,
    as_cell,
    suppress_linked,
)

HEADER = ["avsnitt", "kod", "rubrik", "K", "M", "X", "total"]


@dataclass(frozen=True)
class NationalRow:
    section: str
    code: str
    heading: str
    values: dict[str, int]


@dataclass(frozen=True)
class NationalFollowUp:
    date_from: date
    date_to: date
    rows: list[NationalRow]


def _sections(date_from, date_to):
    """(section, group code, group filter, [(code, heading, condition)]) in export order."""
    started = Q(start_date__gte=date_from)
    ended = Q(exit_date__lte=date_to)
    return [
        (
            "deltagare",
            None,
            Q(),
            [
                ("aktiva", "Aktiva deltagare under perioden", Q()),
                ("startade", "Deltagare som startat under perioden", started),
                ("avslutade", "Deltagare som avslutat under perioden", ended),
            ],
        ),
        ("startade_forsorjning_vid_start", "startade", started, income_categories("income_start")),
        (
            "startade_sysselsattning_vid_start",
            "startade",
            started,
            occupation_categories("occupation_start"),
        ),
        (
            "avslutade_forsorjning_fore",
            "avslutade",
            ended,
            income_categories("income_start"),
        ),
        ("avslutade_forsorjning_efter", "avslutade", ended, income_categories("income_exit")),
        (
            "avslutade_sysselsattning_fore",
            "avslutade",
            ended,
            occupation_categories("occupation_start"),
        ),
        (
            "avslutade_sysselsattning_efter",
            "avslutade",
            ended,
            occupation_categories("occupation_exit"),
        ),
    ]


def national_followup(*, teams, date_from: date, date_to: date) -> NationalFollowUp:
    active = active_enrolments(list(teams), date_from, date_to)
    sections = _sections(date_from, date_to)
    aggregates = {}
    for s, (_section, _group, group_q, categories) in enumerate(sections):
        for k, (_code, _heading, condition) in enumerate(categories):
            for c in COLUMNS:
                aggregates[f"s{s}_{k}_{c}"] = Count("pk", filter=group_q & condition & gender_q(c))
    result = active.aggregate(**aggregates)
    rows = [
        NationalRow(
            section=section,
            code=code,
            heading=heading,
            values={c: result[f"s{s}_{k}_{c}"] for c in COLUMNS},
        )
        for s, (section, _group, _q, categories) in enumerate(sections)
        for k, (code, heading, _condition) in enumerate(categories)
    ]
    return NationalFollowUp(date_from=date_from, date_to=date_to, rows=rows)


def national_cells(
    report: NationalFollowUp, *, exact: bool, threshold: int = DEFAULT_THRESHOLD
) -> list[list]:
    """The export's rows with disclosure control for aggregate users: each row's total, and
    each occupation section's categories against the group they add up to. `threshold` is
    that of the teams' förbund (the highest, should they belong to several)."""
    if exact:
        return [
            [r.section, r.code, r.heading, *(r.values[c] for c in COLUMNS)] for r in report.rows
        ]
    counts = {(r.section, r.code, c): r.values[c] for r in report.rows for c in COLUMNS}
    equations = [
        ((r.section, r.code, TOTAL), [(r.section, r.code, g) for g in GENDERS], TOTAL_FIRST)
        for r in report.rows
    ]
    by_section: dict[str, list[str]] = {}
    for r in report.rows:
        by_section.setdefault(r.section, []).append(r.code)
    for section, codes in by_section.items():
        if "sysselsattning" not in section:
            continue
        group = "startade" if section.startswith("startade") else "avslutade"
        for c in COLUMNS:
            equations.append(
                (("deltagare", group, c), [(section, code, c) for code in codes], COMPLEMENT)
            )
    headlines = frozenset(
        ("deltagare", code, TOTAL) for code in ("aktiva", "startade", "avslutade")
    )
    shown = suppress_linked(counts, equations, threshold=threshold, headlines=headlines)

    return [
        [r.section, r.code, r.heading, *(as_cell(shown[(r.section, r.code, c)]) for c in COLUMNS)]
        for r in report.rows
    ]
