"""What an enrolment import means: the columns of its file, a validated plan of what would be
written, and the result of writing it (SPEC §12 `import_enrolments`).

The import runs in three steps, shared by the management command and the upload pages:

1. `parse_file` reads the file with the shared reader (`reporting.spreadsheet`) into `RawRow`s;
   a file that cannot be read at all raises `ImportFileError` (one Swedish line).
2. `validate_rows` (reporting/imports/validation.py) checks every row against the team and the
   database and returns an `ImportPlan`: what would be created, and every error with the line
   number a spreadsheet user sees (the header is line 1). Nothing is written.
3. `import_apply` (reporting/imports/services.py) writes a plan without errors in one
   transaction with bulk inserts.

All rows or none: a plan with any error is never applied. Re-importing is safe: a participant is
their personnummer and an enrolment its participant, team and start date. An enrolment that is
already registered is left exactly as it is (counted as unchanged, even when the file's values
differ), and an existing participant's name, gender and kommun are never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from rehab import personnummer
from rehab.models import ExitOutcome, Team
from reporting.spreadsheet import ImportFileError, RawRow, RowError, file_sha256, read_rows

__all__ = [
    "COLUMNS",
    "MAX_UPLOAD_BYTES",
    "OPTIONAL_COLUMNS",
    "REIMPORT_RULE",
    "ImportFileError",
    "ImportPlan",
    "ImportResult",
    "PlannedRow",
    "RawRow",
    "RowError",
    "file_sha256",
    "parse_file",
    "summary",
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
# Columns a file may add to COLUMNS (SPEC §12 names the required ones): the income sources at
# start, as codes separated by commas, semicolons or plus signs.
OPTIONAL_COLUMNS = ("forsorjning",)

# Uploads through the browser stay in memory (never a temporary file on disk) and travel in the
# session between preview and confirmation: 2.5 MB holds well over 20 000 rows.
MAX_UPLOAD_BYTES = 2_621_440

REIMPORT_RULE = (
    "En inskrivning som redan finns (samma personnummer och startdatum i teamet) lämnas som den "
    "är och räknas som oförändrad, även om filens uppgifter skiljer sig; ändringar görs på "
    "deltagarens sida. En deltagare som redan finns behåller sitt namn, kön och sin kommun."
)


def parse_file(
    source: str | Path | bytes | IO[bytes],
    filename: str | None = None,
    columns: tuple[str, ...] = COLUMNS,
    optional: tuple[str, ...] = OPTIONAL_COLUMNS,
) -> list[RawRow]:
    """Read an import file into rows of text (`reporting.spreadsheet.read_rows`); the header
    must hold exactly `columns`, by default the enrolment import's."""
    return read_rows(source, filename, columns, optional)


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
    income: int = 0  # income sources at start as bits (rehab.models.INCOME_BITS)
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
