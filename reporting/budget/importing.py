"""Import of actual costs from a spreadsheet: CSV (comma or semicolon, UTF-8 with or without
BOM) or XLSX with the columns `manad`, `rad`, `belopp`. The file is read by the enrolment
import's reader (`reporting.spreadsheet`), so both imports accept the same files.

All rows or none: `validate` lists every bad line with its spreadsheet line number (the header
is line 1) and nothing is written; `apply` writes a plan without errors in one transaction.
A cell in the file replaces the month's actual cost of that line; months and lines the file
does not mention are left as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from reporting.budget.followup import AmountError, month_name, month_started, parse_amount
from reporting.budget.services import ActualsResult, actuals_save
from reporting.models import ActualCost, Budget, BudgetLine
from reporting.spreadsheet import ImportFileError, RawRow, RowError, read_rows

COLUMNS = ("manad", "rad", "belopp")
MAX_UPLOAD_BYTES = 1_048_576
MONTH_RE = re.compile(r"([0-9]{1,2})")
YEAR_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?")
MONTH_HINT = "ange 1–12 eller ÅÅÅÅ-MM"

__all__ = ["COLUMNS", "ActualsPlan", "ImportFileError", "apply", "parse", "validate"]


@dataclass(frozen=True)
class PlannedActual:
    line: int
    month: int
    line_id: int
    line_name: str
    amount: Decimal
    previous: Decimal | None

    @property
    def month_label(self) -> str:
        return month_name(self.month)

    @property
    def status(self) -> str:
        if self.previous is None:
            return "Nytt"
        if self.previous == self.amount:
            return "Oförändrat"
        return "Ersätter"


@dataclass
class ActualsPlan:
    budget: Budget
    rows: list[PlannedActual] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors})

    @property
    def new(self) -> int:
        return sum(1 for r in self.rows if r.previous is None)

    @property
    def replaced(self) -> int:
        return sum(1 for r in self.rows if r.previous is not None and r.previous != r.amount)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.previous == r.amount)


def parse(content: bytes, filename: str) -> list[RawRow]:
    """The file's rows as text; ImportFileError (one Swedish line) when it cannot be read."""
    return read_rows(content, filename, COLUMNS)


def _month(text: str, year: int, errors: list[str]) -> int | None:
    if not text:
        errors.append(f"månad saknas ({MONTH_HINT})")
        return None
    if match := YEAR_MONTH_RE.fullmatch(text):
        file_year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            errors.append(f"månaden ”{text}” finns inte ({MONTH_HINT})")
            return None
        if file_year != year:
            errors.append(f"månaden {text} hör inte till budgetåret {year}")
            return None
        return month
    if MONTH_RE.fullmatch(text) and 1 <= int(text) <= 12:
        return int(text)
    errors.append(f"månaden ”{text}” finns inte ({MONTH_HINT})")
    return None


def validate(rows: list[RawRow], *, budget: Budget, today: date) -> ActualsPlan:
    """Check every row against the budget's lines; nothing is written. Two queries."""
    plan = ActualsPlan(budget=budget)
    lines = {line.name.casefold(): line for line in BudgetLine.objects.filter(budget=budget)}
    previous = {
        (line_id, month): amount
        for line_id, month, amount in ActualCost.objects.filter(line__budget=budget).values_list(
            "line_id", "month", "amount"
        )
    }
    first_seen: dict[tuple[int, int], int] = {}
    names = ", ".join(line.name for line in lines.values())
    for raw in rows:
        errors: list[str] = []
        month = _month(raw.values["manad"], budget.year, errors)
        if month is not None and not month_started(budget.year, month, today):
            errors.append(f"{month_name(month)} {budget.year} har inte börjat")
        name = " ".join(raw.values["rad"].split())
        line = lines.get(name.casefold())
        if not name:
            errors.append("rad saknas (budgetradens namn)")
        elif line is None:
            errors.append(
                f"raden ”{name}” finns inte i budgeten {budget.year} (raderna är {names})"
            )
        amount = None
        try:
            amount = parse_amount(raw.values["belopp"])
        except AmountError as e:
            errors.append("belopp: " + str(e)[0].lower() + str(e)[1:].rstrip("."))
        if raw.extra_cells:
            errors.append("raden har värden utanför kolumnerna manad, rad och belopp")
        if month is not None and line is not None:
            key = (line.pk, month)
            if key in first_seen:
                errors.append(
                    f"{month_name(month)} för {line.name} finns redan på rad {first_seen[key]}"
                )
            else:
                first_seen[key] = raw.line
        if errors:
            plan.errors.extend(RowError(raw.line, e) for e in errors)
            continue
        plan.rows.append(
            PlannedActual(
                line=raw.line,
                month=month,
                line_id=line.pk,
                line_name=line.name,
                amount=amount,
                previous=previous.get((line.pk, month)),
            )
        )
    return plan


def apply(plan: ActualsPlan, *, by, today: date) -> ActualsResult:
    if not plan.ok:
        raise ValueError("A plan with errors is never applied.")
    return actuals_save(
        budget=plan.budget,
        cells={(row.line_id, row.month): row.amount for row in plan.rows},
        by=by,
        today=today,
        channel="import",
    )
