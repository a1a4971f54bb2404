"""The demo budget: Rehabteamet's 2024 budget of SPEC §10, exactly, with plausible monthly
actual costs for 2024 drawn from the seed. Idempotent: an existing 2024 budget is left as it
is, and actual costs are only added to a budget that has none."""

import random
from decimal import Decimal

from django.db import transaction

from demo.organisation import REHAB_TEAM
from reporting.models import ActualCost, Budget, BudgetLine

YEAR = 2024
TEAM = REHAB_TEAM

# SPEC §10, in its order; total 1 500 000 kr.
LINES = [
    ("Lönekostnader", Decimal("1185000")),
    ("Lokalkostnader", Decimal("40000")),
    ("Personalutveckling m.m.", Decimal("10000")),
    ("Förbrukningsmaterial", Decimal("5000")),
    ("Tele/data/program", Decimal("30000")),
    ("Social praktikplatser", Decimal("160000")),
    ("Tolkkostnader", Decimal("10000")),
    ("Aktiviteter (grupper/friskvård)", Decimal("60000")),
]

# How a line's cost falls over the year (weights per month, January first): salaries dip in
# the summer holidays and carry holiday pay in June; rent is even; courses in spring and
# autumn; social practice and activities pause in July.
PROFILES = {
    "Lönekostnader": [1, 1, 1, 1, 1, 1.25, 0.55, 0.9, 1, 1, 1, 1.05],
    "Lokalkostnader": [1] * 12,
    "Personalutveckling m.m.": [0, 0.5, 2, 1, 0.5, 0, 0, 0, 2, 1, 1, 0],
    "Förbrukningsmaterial": [1.2, 1, 1, 1, 1, 0.8, 0.3, 0.7, 1.3, 1, 1, 1.2],
    "Tele/data/program": [3, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7],
    "Social praktikplatser": [1, 1, 1.1, 1.1, 1.1, 1, 0.2, 0.6, 1.1, 1.2, 1.2, 1],
    "Tolkkostnader": [1] * 12,
    "Aktiviteter (grupper/friskvård)": [1, 1, 1, 1, 1.3, 0.8, 0, 0.6, 1.2, 1, 1, 1.4],
}


def _monthly(rng: random.Random, name: str, amount: Decimal) -> list[Decimal]:
    """Twelve whole-krona costs near the line's budget (within about ±6 % over the year)."""
    weights = PROFILES.get(name, [1] * 12)
    level = amount * Decimal(rng.uniform(0.94, 1.06)).quantize(Decimal("0.001"))
    total_weight = Decimal(str(sum(weights)))
    costs = []
    for weight in weights:
        if not weight:
            costs.append(Decimal("0"))
            continue
        noise = Decimal(rng.uniform(0.9, 1.1)).quantize(Decimal("0.001"))
        share = level * Decimal(str(weight)) / total_weight * noise
        costs.append(share.quantize(Decimal("1")))
    return costs


@transaction.atomic
def seed_budget(org, seed: int = 1) -> Budget:
    """Rehabteamet's 2024 budget with actual costs for every month of 2024."""
    team = org[TEAM]
    budget, created = Budget.objects.get_or_create(team=team, year=YEAR)
    if created:
        BudgetLine.objects.bulk_create(
            BudgetLine(budget=budget, name=name, amount=amount, order=order)
            for order, (name, amount) in enumerate(LINES, start=1)
        )
    if not ActualCost.objects.filter(line__budget=budget).exists():
        rng = random.Random(f"budget-{seed}")  # noqa: S311 – synthetic demo data from a seed
        actuals = []
        for line in BudgetLine.objects.filter(budget=budget).order_by("order", "pk"):
            for month, cost in enumerate(_monthly(rng, line.name, line.amount), start=1):
                actuals.append(ActualCost(line=line, month=month, amount=cost))
        ActualCost.objects.bulk_create(actuals)
    return budget
