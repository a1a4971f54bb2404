"""Budgets for the budget tests: made directly through the ORM."""

from decimal import Decimal

from reporting.models import ActualCost, Budget, BudgetLine


def make_budget(team, year=2024, lines=None, actuals=None):
    """A budget with `lines` [(name, amount)] and `actuals` {(line name, month): amount}."""
    lines = lines or [("Lönekostnader", "1200000"), ("Lokalkostnader", "36000")]
    budget = Budget.objects.create(team=team, year=year)
    by_name = {}
    for order, (name, amount) in enumerate(lines, start=1):
        by_name[name] = BudgetLine.objects.create(
            budget=budget, name=name, amount=Decimal(amount), order=order
        )
    for (name, month), amount in (actuals or {}).items():
        ActualCost.objects.create(line=by_name[name], month=month, amount=Decimal(amount))
    return budget
