"""Writes of the budget follow-up: a year's budget in lines, and actual costs per month and
line. Only the team's admin (enhetschef) writes; every write is one transaction with one audit
record, and a refused write changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from rehab import audit
from rehab.access import get_access
from reporting.budget.followup import AmountError, check_amount, month_name, month_started
from reporting.models import ActualCost, Budget, BudgetLine

NAME_MAX_LENGTH = BudgetLine._meta.get_field("name").max_length
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class LineInput:
    """One line as the admin wants it: an existing line (id) or a new one (id None)."""

    id: int | None
    name: str
    amount: Decimal
    # Carried by the huvudman outside the förbund's grant (SPEC §13 rule 14). None keeps what
    # the line has (a new line: inside the grant), so a caller that does not know the flag
    # never clears it.
    outside_grant: bool | None = None


@dataclass(frozen=True)
class ActualsResult:
    created: int
    changed: int
    removed: int

    @property
    def total(self) -> int:
        return self.created + self.changed + self.removed

    def summary(self) -> str:
        if not self.total:
            return "Inget utfall ändrades."
        parts = []
        if self.created:
            parts.append(f"{self.created} nya")
        if self.changed:
            parts.append(f"{self.changed} ändrade")
        if self.removed:
            parts.append(f"{self.removed} borttagna")
        return "Utfallet är sparat: " + ", ".join(parts) + "."


def _require_admin(team, by):
    if not get_access(by).is_admin_of(team.pk):
        raise ValidationError("Bara enhetschefen för teamet kan ändra budget och utfall.")


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"Året måste ligga mellan {FIRST_YEAR} och {LAST_YEAR}.")


@transaction.atomic
def budget_save(*, team, year: int, lines: list[LineInput], by) -> Budget:
    """Create or change the team's budget for the year so that it has exactly `lines`, in
    that order. A line with recorded actual costs cannot be removed (its costs would vanish
    from the follow-up); rename it instead."""
    _require_admin(team, by)
    check_year(year)
    if not lines:
        raise ValidationError("Budgeten måste ha minst en rad.")
    seen: set[str] = set()
    for line in lines:
        name = line.name.strip()
        if not name:
            raise ValidationError("Varje budgetrad måste ha ett namn.")
        if len(name) > NAME_MAX_LENGTH:
            raise ValidationError(f"Radens namn får vara högst {NAME_MAX_LENGTH} tecken: {name}")
        if name.casefold() in seen:
            raise ValidationError(f"Raden ”{name}” finns två gånger. Namnen måste vara olika.")
        seen.add(name.casefold())
        try:
            check_amount(line.amount)
        except AmountError as e:
            raise ValidationError(f"{name}: {e}") from None

    budget, created = Budget.objects.select_for_update().get_or_create(
        team=team, year=year, defaults={"updated_by": by}
    )
    existing = {line.pk: line for line in BudgetLine.objects.filter(budget=budget)}
    kept_ids = {line.id for line in lines if line.id is not None}
    unknown = kept_ids - set(existing)
    if unknown:
        raise ValidationError(
            "Budgeten har ändrats av någon annan medan du skrev. Ladda om sidan och försök igen."
        )
    removed = [line for pk, line in existing.items() if pk not in kept_ids]
    with_costs = [
        line.name
        for line in removed
        if ActualCost.objects.filter(line=line).exists()  # at most a few removed lines
    ]
    if with_costs:
        raise ValidationError(
            "Rader med registrerat utfall kan inte tas bort: "
            + ", ".join(with_costs)
            + ". Byt namn på raden i stället, eller ta bort dess utfall först."
        )
    BudgetLine.objects.filter(pk__in=[line.pk for line in removed]).delete()

    # Names are unique per budget (without regard to case); park the renamed lines first so
    # that two lines may swap names.
    renamed = [
        line for line in lines if line.id is not None and existing[line.id].name != line.name
    ]
    for line in renamed:
        BudgetLine.objects.filter(pk=line.id).update(name=f"\u2060parkerad-{line.id}")
    for order, line in enumerate(lines, start=1):
        values = {"name": line.name.strip(), "amount": line.amount, "order": order}
        if line.outside_grant is not None:
            values["outside_grant"] = line.outside_grant
        if line.id is None:
            BudgetLine.objects.create(budget=budget, **values)
        else:
            BudgetLine.objects.filter(pk=line.id).update(**values)
    if not created:
        budget.updated_by = by
        budget.save(update_fields=["updated_by", "updated_at"])
    audit.record(
        user=by,
        action="budget_created" if created else "budget_changed",
        obj=budget,
        changes={
            "team": team.pk,
            "year": year,
            "lines": [
                f"{line.name.strip()}: {line.amount}"
                + (" (utanför förbundets medel)" if line.outside_grant else "")
                for line in lines
            ],
            "removed": [line.name for line in removed],
        },
    )
    return budget


@transaction.atomic
def actuals_save(
    *,
    budget: Budget,
    cells: dict[tuple[int, int], Decimal | None],
    by,
    today: date,
    channel: str = "webb",
) -> ActualsResult:
    """Set the actual cost of each (line id, month) in `cells`; None removes it. Cells not
    mentioned are left as they are. Months that have not begun are refused."""
    _require_admin(budget.team, by)
    line_ids = set(BudgetLine.objects.filter(budget=budget).values_list("pk", flat=True))
    for (line_id, month), amount in cells.items():
        if line_id not in line_ids:
            raise ValidationError(
                "Budgeten har ändrats av någon annan medan du skrev. Ladda om sidan."
            )
        if not 1 <= month <= 12:
            raise ValidationError(f"Månaden måste vara 1–12, inte {month}.")
        if amount is not None:
            if not month_started(budget.year, month, today):
                raise ValidationError(
                    f"Utfall kan inte anges för {month_name(month)} {budget.year}: "
                    "månaden har inte börjat."
                )
            try:
                check_amount(amount)
            except AmountError as e:
                raise ValidationError(str(e)) from None

    current = {
        (actual.line_id, actual.month): actual
        for actual in ActualCost.objects.select_for_update().filter(line__budget=budget)
    }
    to_create, to_update, to_delete = [], [], []
    for key, amount in cells.items():
        actual = current.get(key)
        if amount is None:
            if actual is not None:
                to_delete.append(actual.pk)
        elif actual is None:
            to_create.append(
                ActualCost(line_id=key[0], month=key[1], amount=amount, entered_by=by)
            )
        elif actual.amount != amount:
            actual.amount = amount
            actual.entered_by = by
            to_update.append(actual)
    ActualCost.objects.bulk_create(to_create)
    for actual in to_update:
        actual.save(update_fields=["amount", "entered_by", "entered_at"])
    ActualCost.objects.filter(pk__in=to_delete).delete()
    result = ActualsResult(len(to_create), len(to_update), len(to_delete))
    if result.total:
        touched = _touched(to_create, to_update, to_delete, current)
        audit.record(
            user=by,
            action="budget_actuals_saved",
            obj=budget,
            changes={
                "channel": channel,
                "created": result.created,
                "changed": result.changed,
                "removed": result.removed,
                "cells": {
                    f"{key[0]}-{key[1]}": (str(cells[key]) if cells[key] is not None else None)
                    for key in sorted(cells)
                    if key in touched
                },
            },
        )
    return result


def _touched(created, updated, deleted_ids, current):
    keys = {(a.line_id, a.month) for a in created} | {(a.line_id, a.month) for a in updated}
    deleted = set(deleted_ids)
    keys |= {key for key, actual in current.items() if actual.pk in deleted}
    return keys
