"""Spreadsheet import of enrolments (SPEC §12 `import_enrolments`).

Three steps, shared by the management command and the upload pages:

1. `parse_file` reads CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX into
   `RawRow`s; a file that cannot be read at all raises `ImportFileError` (one Swedish line).
2. `validate_rows` checks every row against the team and the database and returns an
   `ImportPlan`: what would be created, and every error with the line number a spreadsheet user
   sees (the header is line 1). Nothing is written.
3. `apply_plan` writes a plan without errors in one transaction with bulk inserts.

All rows or none: a plan with any error is never applied. Re-importing is safe: a participant is
their personnummer and an enrolment its participant, team and start date. An enrolment that is
already registered is left exactly as it is (counted as unchanged, even when the file's values
differ), and an existing participant's name, gender and kommun are never overwritten.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from modules.models import Module, Placement
from modules.rules import review_due
from rehab import audit, personnummer
from rehab.models import (
    AuditEvent,
    Enrolment,
    ExitOutcome,
    Gender,
    Kommun,
    Participant,
    Referrer,
    Team,
)

__all__ = [
    "COLUMNS",
    "MAX_UPLOAD_BYTES",
    "ImportFileError",
    "ImportPlan",
    "ImportResult",
    "PlannedRow",
    "RawRow",
    "RowError",
    "apply_plan",
    "example_rows",
    "file_sha256",
    "parse_file",
    "rows_to_csv",
    "summary",
    "team_refusal",
    "validate_rows",
]

COLUMNS = (
    "personnummer",
    "fornamn",
    "efternamn",
    "kon",
    "kommun",
    "remittent",
    "startdatum",
    "slutdatum",
    "avslutsorsak",
    "manader_utan_arbete",
    "modul",
    "modulstart",
)

# Uploads through the browser stay in memory (never a temporary file on disk) and travel in the
# session between preview and confirmation: 2.5 MB holds well over 20 000 rows.
MAX_UPLOAD_BYTES = 2_621_440
MAX_ROWS = 100_000
NAME_MAX_LENGTH = 100
# SQLite allows 32 766 variables per statement; stay well below for the `IN (...)` look-ups.
LOOKUP_CHUNK = 2_000

XLSX_MAGIC = b"PK\x03\x04"
UNSUPPORTED_SUFFIXES = {
    ".xls": "Excel 97–2003 (.xls) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
    ".ods": "OpenDocument (.ods) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
    ".numbers": "Numbers-filer stöds inte: exportera filen som .xlsx eller CSV.",
}
ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER_RE = re.compile(r"[0-9]+")

GENDER_HINT = "ange K, M eller X"
REFERRER_HINT = "ange EVI, AF, FK, Region, Kommun eller Egen"
OUTCOME_HINT = "ange en av " + ", ".join(ExitOutcome.values)

REIMPORT_RULE = (
    "En inskrivning som redan finns (samma personnummer och startdatum i teamet) lämnas som den "
    "är och räknas som oförändrad, även om filens uppgifter skiljer sig; ändringar görs på "
    "deltagarens sida. En deltagare som redan finns behåller sitt namn, kön och sin kommun."
)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `str()` is one Swedish line."""


@dataclass(frozen=True)
class RawRow:
    """One data row as text, keyed by column name. `line` is the spreadsheet row number."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}"


@dataclass
class PlannedRow:
    """A valid row: what it means for the database."""

    line: int
    personnummer: str
    first_name: str
    last_name: str
    gender: str
    kommun_id: int
    kommun_name: str
    referrer: str
    start_date: date
    exit_date: date | None
    exit_outcome: str
    months_without_work: int | None
    module_id: int | None
    module_name: str
    module_start: date | None
    participant_id: int | None = None  # an existing participant
    enrolment_id: int | None = None  # an existing enrolment: the row is unchanged

    @property
    def is_new(self) -> bool:
        return self.enrolment_id is None

    @property
    def masked_personnummer(self) -> str:
        return personnummer.mask(self.personnummer)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def exit_outcome_label(self) -> str:
        return ExitOutcome(self.exit_outcome).label if self.exit_outcome else ""


@dataclass
class ImportPlan:
    team: Team
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_rows(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.is_new]

    @property
    def new_enrolments(self) -> int:
        return len(self.new_rows)

    @property
    def new_participants(self) -> int:
        return len({r.personnummer for r in self.rows if r.is_new and r.participant_id is None})

    @property
    def new_placements(self) -> int:
        return sum(1 for r in self.rows if r.is_new and r.module_id is not None)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if not r.is_new)

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors})


@dataclass(frozen=True)
class ImportResult:
    created_participants: int
    created_enrolments: int
    created_placements: int
    unchanged: int
    audit_event_id: int


# --- Reading the file ---------------------------------------------------------------------


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(
    source: str | Path | bytes | IO[bytes],
    filename: str | None = None,
    columns: tuple[str, ...] = COLUMNS,
) -> list[RawRow]:
    """Read an import file into rows of text. `source` is a path, the file's bytes, or a
    binary file object; `filename` (for its extension) defaults to the path's name. The header
    must hold exactly `columns` (the budget import reads its own columns the same way)."""
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImportFileError(f"Filen finns inte: {path}") from None
        except IsADirectoryError:
            raise ImportFileError(f"{path} är en mapp, inte en fil.") from None
        except OSError as e:
            raise ImportFileError(f"Filen {path} kunde inte läsas: {e.strerror}.") from None
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    suffix = Path(filename or "").suffix.lower()
    if suffix in UNSUPPORTED_SUFFIXES:
        raise ImportFileError(UNSUPPORTED_SUFFIXES[suffix])
    if not data.strip():
        raise ImportFileError("Filen är tom.")
    if data.startswith(XLSX_MAGIC):
        table = _read_xlsx(data)
    elif suffix == ".xlsx":
        raise ImportFileError("Filen är inte en giltig Excel-fil (.xlsx).")
    else:
        table = _read_csv(data)
    with closing(table):  # the XLSX reader closes its workbook even when a row is refused
        return _rows_from_table(table, columns)


def _read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise ImportFileError(
            "Filen är ingen textfil. Välj en CSV-fil (UTF-8) eller en Excel-fil (.xlsx)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "Filen är inte UTF-8-kodad. Spara den i Excel som ”CSV UTF-8 (kommaavgränsad)”."
        ) from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A spreadsheet row is one record, even when a quoted cell spans several text lines.
        yield from enumerate(reader, start=1)
    except csv.Error as e:
        raise ImportFileError(
            f"CSV-filen kunde inte läsas (rad {reader.line_num}): {e}."
        ) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            "Filen kunde inte läsas som en Excel-fil (.xlsx). Spara den som .xlsx eller CSV UTF-8."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(c) for c in cells]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from_table(
    table: Iterable[tuple[int, list[str]]], columns: tuple[str, ...] = COLUMNS
) -> list[RawRow]:
    rows_iter = iter(table)
    header_cells = None
    for _line, cells in rows_iter:
        if any(c.strip() for c in cells):
            header_cells = cells
            break
    if header_cells is None:
        raise ImportFileError("Filen är tom.")
    header = [c.strip().casefold() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    _check_header(header, columns)
    index = {name: i for i, name in enumerate(header) if name}
    rows = []
    for line, cells in rows_iter:
        texts = [c.strip() for c in cells]
        if not any(texts):
            continue  # blank rows between or after the data
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                f"Filen har fler än {MAX_ROWS} rader. Dela upp den i flera filer."
            )
        values = {name: texts[i] if i < len(texts) else "" for name, i in index.items()}
        extra = any(t for t in texts[len(header) :]) or any(
            t for i, t in enumerate(texts[: len(header)]) if not header[i]
        )
        rows.append(RawRow(line=line, values=values, extra_cells=extra))
    if not rows:
        raise ImportFileError("Filen har bara en rubrikrad och inga rader att importera.")
    return rows


def _check_header(header: list[str], columns: tuple[str, ...] = COLUMNS) -> None:
    named = [h for h in header if h]
    unknown = [h for h in named if h not in columns]
    missing = [c for c in columns if c not in named]
    doubled = sorted({h for h in named if named.count(h) > 1})
    problems = []
    if missing:
        problems.append("saknade kolumner: " + ", ".join(missing))
    if unknown:
        problems.append("okända kolumner: " + ", ".join(unknown))
    if doubled:
        problems.append("dubblerade kolumner: " + ", ".join(doubled))
    if problems:
        raise ImportFileError(
            "Rubrikraden stämmer inte ("
            + "; ".join(problems)
            + "). Första raden ska innehålla kolumnerna "
            + ", ".join(columns)
            + "."
        )


# --- Validating against the team and the database -----------------------------------------


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
            referrers={v.casefold(): v for v in Referrer.values},
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

    start = _date(v["startdatum"], "startdatum", errors, required=True)
    if start and birth and start < birth:
        errors.append(f"startdatum {start} ligger före födelsedatumet {birth}")

    exit_date = _date(v["slutdatum"], "slutdatum", errors)
    if exit_date:
        if start and exit_date < start:
            errors.append(f"slutdatum {exit_date} ligger före startdatum {start}")
        if exit_date > today:
            errors.append(f"slutdatum {exit_date} ligger i framtiden")

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
        else:
            months = int(text)
            if start and birth and months > _whole_months_between(birth, start):
                errors.append(
                    f"manader_utan_arbete {months} är fler månader än deltagaren hade levt "
                    f"vid startdatum"
                )

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
        module_id=module.pk if module else None,
        module_name=module.name if module else "",
        module_start=(module_start or start) if module else None,
    )


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


def _whole_months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _check_against_database_and_file(rows: list[PlannedRow], team: Team, plan: ImportPlan) -> None:
    """Match rows to existing participants and enrolments, and refuse duplicates and
    overlapping enrolments of one person in the team (in the file or with what is registered)."""
    numbers = sorted({r.personnummer for r in rows})
    participant_ids: dict[str, int] = {}
    for chunk in _chunks(numbers):
        participant_ids.update(
            Participant.objects.filter(personnummer__in=chunk).values_list("personnummer", "pk")
        )
    existing: dict[int, list[Enrolment]] = defaultdict(list)
    for chunk in _chunks(sorted(participant_ids.values())):
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


# --- Writing ------------------------------------------------------------------------------


@transaction.atomic
def _apply(plan: ImportPlan, *, team: Team, by, file_hash: str, channel: str) -> ImportResult:
    actor = by if by is not None and by.is_authenticated else None
    new_rows = plan.new_rows

    to_create: dict[str, PlannedRow] = {}
    for row in new_rows:
        if row.participant_id is None:
            to_create.setdefault(row.personnummer, row)
    participants = []
    for pnr, row in to_create.items():
        born = personnummer.birth_date(pnr)
        participants.append(
            Participant(
                personnummer=pnr,
                first_name=row.first_name,
                last_name=row.last_name,
                gender=row.gender,
                birth_date=born,
                birth_year=born.year,
                kommun_id=row.kommun_id,
                created_by=actor,
            )
        )
    Participant.objects.bulk_create(participants)
    ids = {p.personnummer: p.pk for p in participants if p.pk is not None}
    if len(ids) < len(participants):  # a backend that does not return primary keys
        for chunk in _chunks(list(to_create)):
            ids.update(
                Participant.objects.filter(personnummer__in=chunk).values_list(
                    "personnummer", "pk"
                )
            )
    # The plan itself stays untouched, so that a failed transaction leaves it as validated.
    participant_ids = [row.participant_id or ids[row.personnummer] for row in new_rows]

    enrolments = [
        Enrolment(
            participant_id=participant_id,
            team=team,
            referrer=row.referrer,
            start_date=row.start_date,
            months_without_work=row.months_without_work,
            exit_date=row.exit_date,
            exit_outcome=row.exit_outcome,
            phase=Enrolment.Phase.AVSLUT if row.exit_date else Enrolment.Phase.KARTLAGGNING,
        )
        for row, participant_id in zip(new_rows, participant_ids, strict=True)
    ]
    Enrolment.objects.bulk_create(enrolments)
    if any(e.pk is None for e in enrolments):
        keys = {}
        for chunk in _chunks(sorted(set(participant_ids))):
            keys.update(
                {
                    (p, s): pk
                    for pk, p, s in Enrolment.objects.filter(
                        team=team, participant_id__in=chunk, registered_in_error=False
                    ).values_list("pk", "participant_id", "start_date")
                }
            )
        for enrolment in enrolments:
            enrolment.pk = keys[(enrolment.participant_id, enrolment.start_date)]

    modules = {m.pk: m.as_rule() for m in Module.objects.filter(team=team)}
    placements = [
        Placement(
            enrolment_id=enrolment.pk,
            module_id=row.module_id,
            start_date=row.module_start,
            next_review_due=review_due(row.module_start, modules[row.module_id], 0),
            end_date=row.exit_date,
            created_by=actor,
        )
        for row, enrolment in zip(new_rows, enrolments, strict=True)
        if row.module_id is not None
    ]
    Placement.objects.bulk_create(placements)

    event = audit.record(
        user=by,
        action="import_enrolments",
        obj=team,
        changes={
            "rows": len(plan.rows),
            "created_participants": len(participants),
            "created_enrolments": len(enrolments),
            "created_placements": len(placements),
            "unchanged": plan.unchanged,
            "file_sha256": file_hash,
            "channel": channel,
        },
    )
    # Each participant's own log (SPEC §11) shows the enrolment the import created; the rows
    # point back to the import's event and carry no personal data.
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=actor,
            action="import_enrolments",
            object_type="enrolment",
            object_id=str(enrolment.pk),
            participant_id=enrolment.participant_id,
            changes={
                "import_event": event.pk,
                "team": team.pk,
                "start_date": enrolment.start_date.isoformat(),
            },
        )
        for enrolment in enrolments
    )
    return ImportResult(
        created_participants=len(participants),
        created_enrolments=len(enrolments),
        created_placements=len(placements),
        unchanged=plan.unchanged,
        audit_event_id=event.pk,
    )


def apply_plan(
    plan: ImportPlan, *, team: Team, by, file_hash: str = "", channel: str = ""
) -> ImportResult:
    """Write a valid plan in one transaction: all rows or none. `by` may be None (command
    line). Raises ValidationError when the database changed since validation so that a row
    would now be a duplicate; nothing is written then."""
    if not plan.ok:
        raise ValueError("apply_plan: planen har fel och kan inte importeras.")
    if plan.team.pk != team.pk:
        raise ValueError("apply_plan: planen gäller ett annat team.")
    try:
        return _apply(plan, team=team, by=by, file_hash=file_hash, channel=channel)
    except IntegrityError as e:
        raise ValidationError(
            "Någon annan registrerade samma deltagare eller inskrivning under tiden. Inget "
            "importerades – kontrollera filen igen och försök på nytt."
        ) from e


# --- Messages -----------------------------------------------------------------------------


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(*, enrolments: int, participants: int, unchanged: int, dry_run: bool = False) -> str:
    """The one-line Swedish summary of the command and the confirmation message."""
    created = _count(enrolments, "inskrivning", "inskrivningar")
    people = _count(participants, "ny deltagare", "nya deltagare")
    same = _count(unchanged, "oförändrad", "oförändrade")
    if dry_run:
        return f"Torrkörning: {created} skulle importeras ({people}), {same}, inget sparades."
    return f"Importerade {created} ({people}), {same}."


# --- Generated data for tests and benchmarks ----------------------------------------------

_FIRST_NAMES = {
    "K": ["Anna", "Maria", "Lena", "Karin", "Sofia", "Maja", "Nora", "Elin", "Sara", "Ida"],
    "M": ["Erik", "Lars", "Omar", "Jonas", "Per", "Ali", "Olle", "Johan", "Anders", "Karl"],
}
_LAST_NAMES = ["Berg", "Dahl", "Ek", "Farah", "Gran", "Holm", "Lund", "Nilsson", "Sjö", "Åberg"]
_KOMMUNER = ["Ludvika", "Smedjebacken", "Borlänge", "Falun", "Säter"]
_EARLIEST_START = date(2019, 1, 1)
_LATEST_DATE = date(2024, 10, 31)


def example_rows(n: int, seed: int = 1) -> list[dict[str, str]]:
    """`n` valid import rows for team Rehabteamet of the demo (as text, keyed by COLUMNS), one
    enrolment per generated person; the same seed gives the same rows. Open placements use the
    modules without a capacity limit so that any `n` imports without warnings."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a secret
    used: set[str] = set()
    rows = []
    span = (_LATEST_DATE - _EARLIEST_START).days - 60
    while len(rows) < n:
        gender = rng.choice("KKMMX")
        female = gender == "K" or (gender == "X" and rng.random() < 0.5)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        pnr = personnummer.generate(rng, born, female=female)
        if pnr in used:
            continue
        used.add(pnr)
        start = _EARLIEST_START + timedelta(days=rng.randrange(span))
        exited = rng.random() < 0.6
        exit_date = (
            min(start + timedelta(days=rng.randrange(30, 720)), _LATEST_DATE) if exited else None
        )
        modules = ["Portalen", "Kompassen", "Passagen"] if exited else ["Kompassen", "Passagen"]
        module = rng.choice([*modules, ""])
        last_possible = (exit_date or _LATEST_DATE) - start
        module_start = (
            start + timedelta(days=rng.randrange(min(last_possible.days, 180) + 1))
            if module and rng.random() < 0.7
            else None
        )
        first_names = _FIRST_NAMES["K" if female else "M"]
        rows.append(
            {
                "personnummer": f"{pnr[:8]}-{pnr[8:]}",
                "fornamn": rng.choice(first_names),
                "efternamn": rng.choice(_LAST_NAMES),
                "kon": gender,
                "kommun": rng.choice(_KOMMUNER),
                "remittent": rng.choice(Referrer.values),
                "startdatum": start.isoformat(),
                "slutdatum": exit_date.isoformat() if exit_date else "",
                "avslutsorsak": rng.choice(ExitOutcome.values) if exit_date else "",
                "manader_utan_arbete": str(rng.randrange(61)) if rng.random() < 0.9 else "",
                "modul": module,
                "modulstart": module_start.isoformat() if module_start else "",
            }
        )
    return rows


def rows_to_csv(rows: Iterable[dict[str, str]], *, delimiter: str = ",") -> str:
    """Import rows (as from `example_rows`) as CSV text with the header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
