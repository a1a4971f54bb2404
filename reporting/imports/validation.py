"""Validating an enrolment import: every row against the team and the database, nothing
written (step 2 of reporting/imports/plan.py).

`validate_rows` reports every error of every row with its spreadsheet line number, matches rows
to registered participants and enrolments (an enrolment already registered is unchanged), and
refuses duplicates and overlapping enrolments of one person in the team. It runs a fixed number
of queries whatever the number of rows (look-ups go in chunks of `LOOKUP_CHUNK`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from modules.models import Module, Placement
from rehab import personnummer, policy
from rehab.models import (
    INCOME_BITS,
    Enrolment,
    ExitOutcome,
    Gender,
    Kommun,
    Participant,
    Referrer,
    Team,
)
from reporting.imports.plan import ImportPlan, PlannedRow
from reporting.spreadsheet import RawRow, RowError

__all__ = ["LOOKUP_CHUNK", "chunks", "team_refusal", "validate_rows"]

NAME_MAX_LENGTH = policy.NAME
# Months without work: a person's age in months has at most four digits (and int() of a very
# long digit string is refused by Python itself).
MONTHS_MAX_DIGITS = 4
# SQLite allows 32 766 variables per statement; stay well below for the `IN (...)` look-ups.
LOOKUP_CHUNK = 2_000
ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER_RE = re.compile(r"[0-9]+")

GENDER_HINT = "ange K, M eller X"
REFERRER_HINT = "ange EVI, AF, FK, Region, Kommun, Egen eller Förbund"
# Spellings of a referrer code besides the codes themselves.
REFERRER_ALIASES = {"förbund": Referrer.FORBUND}
INCOME_HINT = "ange koder bland " + ", ".join(INCOME_BITS)
INCOME_SEPARATORS_RE = re.compile(r"[,;+]")
OUTCOME_HINT = "ange en av " + ", ".join(ExitOutcome.values)


def team_refusal(team: Team) -> str | None:
    """Why enrolments cannot be imported into `team`, or None."""
    if not team.is_active:
        return f"Teamet {team.name} är inte aktivt."
    if team.is_triage:
        return (
            f"{team.name} är ett En väg in-team och skriver inte in deltagare; "
            "importera till en av dess metoder i stället."
        )
    return None


def validate_rows(rows: list[RawRow], *, team: Team, today: date) -> ImportPlan:
    """Check every row; report every error of every row. Reads the database, writes nothing."""
    plan = ImportPlan(team=team)
    lookups = _Lookups.load(team)
    candidates: list[PlannedRow] = []
    for raw in rows:
        errors: list[str] = []
        row = _check_row(raw, lookups, today, errors)
        if errors:
            plan.errors.extend(RowError(raw.line, message) for message in errors)
        else:
            candidates.append(row)
    _check_against_database_and_file(candidates, team, plan)
    plan.errors.sort(key=lambda e: e.line)  # stable: a row's errors keep their column order
    plan.notices.sort(key=lambda e: e.line)
    if plan.ok:
        plan.warnings.extend(_capacity_warnings(plan))
    return plan


@dataclass
class _Lookups:
    kommuner: dict[str, tuple[int, str]]
    modules: dict[str, Module]
    other_team_modules: set[str]
    referrers: dict[str, str]
    outcomes: dict[str, str]
    genders: dict[str, str]

    @classmethod
    def load(cls, team: Team) -> _Lookups:
        kommuner = {}
        for pk, code, name in Kommun.objects.values_list("pk", "code", "name"):
            kommuner[name.casefold()] = (pk, name)
            kommuner[code] = (pk, name)
        modules = {m.name.casefold(): m for m in Module.objects.filter(team=team)}
        others = {
            n.casefold() for n in Module.objects.exclude(team=team).values_list("name", flat=True)
        }
        return cls(
            kommuner=kommuner,
            modules=modules,
            other_team_modules=others - set(modules),
            referrers={v.casefold(): v for v in Referrer.values} | REFERRER_ALIASES,
            outcomes={v.casefold(): v for v in ExitOutcome.values},
            genders={v.casefold(): v for v in Gender.values},
        )

    def module_hint(self) -> str:
        if not self.modules:
            return "teamet har inga moduler"
        names = sorted(self.modules.values(), key=lambda m: (m.order, m.name))
        return "teamets moduler: " + ", ".join(m.name for m in names)


def _check_row(raw: RawRow, lookups: _Lookups, today: date, errors: list[str]):
    v = raw.values
    if raw.extra_cells:
        errors.append("raden har fler ifyllda kolumner än rubrikraden")

    pnr = None
    birth = None
    if not v["personnummer"]:
        errors.append("personnummer saknas")
    else:
        try:
            pnr = personnummer.normalise(v["personnummer"], today=today)
            birth = personnummer.birth_date(pnr)
        except personnummer.PersonnummerError as e:
            errors.append(f"ogiltigt personnummer '{v['personnummer']}': {e}")
        else:
            if birth < policy.EARLIEST_BIRTH:
                errors.append(f"födelsedatumet {birth} ligger före {policy.EARLIEST_BIRTH}")
                birth = None

    first_name = _name(v["fornamn"], "förnamn", errors)
    last_name = _name(v["efternamn"], "efternamn", errors)

    gender = lookups.genders.get(v["kon"].casefold())
    if not v["kon"]:
        errors.append(f"kön saknas ({GENDER_HINT})")
    elif gender is None:
        errors.append(f"okänt kön '{v['kon']}' ({GENDER_HINT})")

    kommun = lookups.kommuner.get(v["kommun"].casefold())
    if not v["kommun"]:
        errors.append("kommun saknas")
    elif kommun is None:
        errors.append(f"okänd kommun '{v['kommun']}' (ange en av Sveriges 290 kommuner)")

    referrer = lookups.referrers.get(v["remittent"].casefold())
    if not v["remittent"]:
        errors.append(f"remittent saknas ({REFERRER_HINT})")
    elif referrer is None:
        errors.append(f"okänd remittent '{v['remittent']}' ({REFERRER_HINT})")

    start = _event_date(v["startdatum"], "startdatum", errors, today, required=True)
    if start and birth and start < birth:
        errors.append(f"startdatum {start} ligger före födelsedatumet {birth}")

    exit_date = _event_date(v["slutdatum"], "slutdatum", errors, today)
    if exit_date and start and exit_date < start:
        errors.append(f"slutdatum {exit_date} ligger före startdatum {start}")

    outcome = lookups.outcomes.get(v["avslutsorsak"].casefold())
    if v["avslutsorsak"] and outcome is None:
        errors.append(f"okänd avslutsorsak '{v['avslutsorsak']}' ({OUTCOME_HINT})")
    if v["slutdatum"] and not v["avslutsorsak"]:
        errors.append(f"avslutsorsak saknas – den krävs när slutdatum är ifyllt ({OUTCOME_HINT})")
    if v["avslutsorsak"] and not v["slutdatum"]:
        errors.append(
            "avslutsorsak utan slutdatum (fyll i slutdatum eller ta bort avslutsorsaken)"
        )

    months = None
    if v["manader_utan_arbete"]:
        text = v["manader_utan_arbete"]
        if not WHOLE_NUMBER_RE.fullmatch(text):
            errors.append(
                f"manader_utan_arbete '{text}' är inte ett helt antal månader (0 eller fler)"
            )
        elif len(text) > MONTHS_MAX_DIGITS:
            errors.append(f"manader_utan_arbete har fler än {MONTHS_MAX_DIGITS} siffror")
        else:
            months = int(text)
            if start and birth and months > _whole_months_between(birth, start):
                errors.append(
                    f"manader_utan_arbete {months} är fler månader än deltagaren hade levt "
                    f"vid startdatum"
                )

    income = _income(v.get("forsorjning", ""), errors)

    module = None
    if v["modul"]:
        module = lookups.modules.get(v["modul"].casefold())
        if module is None:
            if v["modul"].casefold() in lookups.other_team_modules:
                errors.append(
                    f"modulen '{v['modul']}' hör inte till teamet ({lookups.module_hint()})"
                )
            else:
                errors.append(f"okänd modul '{v['modul']}' ({lookups.module_hint()})")
    module_start = _date(v["modulstart"], "modulstart", errors)
    if module_start and module_start < policy.EARLIEST_EVENT:
        errors.append(f"modulstart {module_start} ligger före {policy.EARLIEST_EVENT}")
        module_start = None
    elif module_start and module_start > today + timedelta(days=policy.PLACEMENT_AHEAD):
        errors.append(
            f"modulstart {module_start} ligger mer än {policy.PLACEMENT_AHEAD} dagar fram i tiden"
        )
        module_start = None
    if v["modulstart"] and not v["modul"]:
        errors.append("modulstart utan modul (fyll i modul eller ta bort modulstart)")
    if module_start and start and module_start < start:
        errors.append(f"modulstart {module_start} ligger före startdatum {start}")
    if module_start and exit_date and module_start > exit_date:
        errors.append(f"modulstart {module_start} ligger efter slutdatum {exit_date}")

    if errors:
        return None
    return PlannedRow(
        line=raw.line,
        personnummer=pnr,
        first_name=first_name,
        last_name=last_name,
        gender=gender,
        kommun_id=kommun[0],
        kommun_name=kommun[1],
        referrer=referrer,
        start_date=start,
        exit_date=exit_date,
        exit_outcome=outcome or "",
        months_without_work=months,
        income=income,
        module_id=module.pk if module else None,
        module_name=module.name if module else "",
        module_start=(module_start or start) if module else None,
    )


def _income(text: str, errors: list[str]) -> int:
    """The optional `forsorjning` cell: income source codes, any case, separated by commas,
    semicolons or plus signs, as bits (0 when empty)."""
    codes = [c.strip().casefold() for c in INCOME_SEPARATORS_RE.split(text) if c.strip()]
    unknown = [c for c in codes if c not in INCOME_BITS]
    if unknown:
        errors.append(f"okänd försörjning '{', '.join(unknown)}' ({INCOME_HINT})")
        return 0
    if "ingen" in codes and len(set(codes)) > 1:
        errors.append("försörjning 'ingen' kan inte kombineras med andra försörjningskällor")
        return 0
    bits = 0
    for code in codes:
        bits |= INCOME_BITS[code]
    return bits


def _name(text: str, label: str, errors: list[str]) -> str:
    if not text:
        errors.append(f"{label} saknas")
    elif len(text) > NAME_MAX_LENGTH:
        errors.append(f"{label} är längre än {NAME_MAX_LENGTH} tecken")
    elif any(ord(char) < 32 for char in text):
        errors.append(f"{label} innehåller en radbrytning eller ett annat styrtecken")
    return text


def _date(text: str, column: str, errors: list[str], *, required: bool = False) -> date | None:
    if not text:
        if required:
            errors.append(f"{column} saknas")
        return None
    if not ISO_DATE_RE.fullmatch(text):
        errors.append(f"{column} '{text}' är inte ett datum på formen ÅÅÅÅ-MM-DD")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{column} '{text}' är inget giltigt datum")
        return None


def _event_date(
    text: str, column: str, errors: list[str], today: date, *, required: bool = False
) -> date | None:
    """A date on which something happened (rehab.policy): from 2000-01-01 up to `today`."""
    day = _date(text, column, errors, required=required)
    if day is None:
        return None
    if day < policy.EARLIEST_EVENT:
        errors.append(f"{column} {day} ligger före {policy.EARLIEST_EVENT}")
        return None
    if day > today:
        errors.append(f"{column} {day} ligger i framtiden")
        return None
    return day


def _whole_months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _check_against_database_and_file(rows: list[PlannedRow], team: Team, plan: ImportPlan) -> None:
    """Match rows to existing participants and enrolments, and refuse duplicates and
    overlapping enrolments of one person in the team (in the file or with what is registered)."""
    numbers = sorted({r.personnummer for r in rows})
    participant_ids: dict[str, int] = {}
    for chunk in chunks(numbers):
        participant_ids.update(
            Participant.objects.filter(personnummer__in=chunk).values_list("personnummer", "pk")
        )
    existing: dict[int, list[Enrolment]] = defaultdict(list)
    for chunk in chunks(sorted(participant_ids.values())):
        for enrolment in Enrolment.objects.filter(team=team, participant_id__in=chunk).only(
            "pk",
            "participant_id",
            "start_date",
            "exit_date",
            "exit_outcome",
            "referrer",
            "months_without_work",
            "registered_in_error",
        ):
            existing[enrolment.participant_id].append(enrolment)

    seen: dict[tuple[str, date], int] = {}
    new_by_person: dict[str, list[PlannedRow]] = defaultdict(list)
    for row in rows:
        key = (row.personnummer, row.start_date)
        if key in seen:
            plan.errors.append(
                RowError(row.line, f"samma personnummer och startdatum som rad {seen[key]}")
            )
            continue
        seen[key] = row.line
        row.participant_id = participant_ids.get(row.personnummer)
        registered = existing.get(row.participant_id, [])
        same_start = next((e for e in registered if e.start_date == row.start_date), None)
        if same_start is not None:
            row.enrolment_id = same_start.pk
            differs = _differences(row, same_start)
            if differs:
                plan.notices.append(
                    RowError(
                        row.line,
                        "inskrivningen finns redan och lämnas oförändrad; filens "
                        + ", ".join(differs)
                        + " skiljer sig från det registrerade",
                    )
                )
            plan.rows.append(row)
            continue
        problem = _overlap_with_registered(row, registered)
        if problem is None:
            problem = _overlap_with_file(row, new_by_person[row.personnummer])
        if problem is not None:
            plan.errors.append(RowError(row.line, problem))
            continue
        new_by_person[row.personnummer].append(row)
        plan.rows.append(row)


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


def _overlap_with_registered(row: PlannedRow, registered: list[Enrolment]) -> str | None:
    for e in registered:
        if e.registered_in_error:
            continue
        if not _overlaps(row.start_date, row.exit_date, e.start_date, e.exit_date):
            continue
        if e.exit_date is None:
            return f"personnumret har redan en pågående inskrivning i teamet från {e.start_date}"
        return (
            "inskrivningen överlappar en registrerad inskrivning i teamet "
            f"({e.start_date}–{e.exit_date})"
        )
    return None


def _overlap_with_file(row: PlannedRow, earlier: list[PlannedRow]) -> str | None:
    for other in earlier:
        if _overlaps(row.start_date, row.exit_date, other.start_date, other.exit_date):
            return (
                f"inskrivningen överlappar inskrivningen på rad {other.line} (samma personnummer)"
            )
    return None


def _differences(row: PlannedRow, enrolment: Enrolment) -> list[str]:
    compared = [
        ("remittent", row.referrer, enrolment.referrer),
        ("slutdatum", row.exit_date, enrolment.exit_date),
        ("avslutsorsak", row.exit_outcome, enrolment.exit_outcome),
        ("manader_utan_arbete", row.months_without_work, enrolment.months_without_work),
    ]
    return [label for label, in_file, registered in compared if in_file != registered]


def _capacity_warnings(plan: ImportPlan) -> list[str]:
    """Capacity (SPEC §7.6) is a rule for new placements in daily work; imported history is
    not refused for it, but an import that overfills a module says so."""
    added: dict[int, int] = defaultdict(int)
    for row in plan.new_rows:
        if row.module_id is not None and row.exit_date is None:
            added[row.module_id] += 1
    if not added:
        return []
    warnings = []
    modules = Module.objects.filter(pk__in=added, capacity__isnull=False)
    for module in modules.order_by("order", "name"):
        occupied = Placement.objects.filter(module=module, end_date__isnull=True).count()
        total = occupied + added[module.pk]
        if total > module.capacity:
            warnings.append(
                f"{module.name} får {total} pågående placeringar efter importen men har "
                f"{module.capacity} platser."
            )
    return warnings
