"""Sweden's 290 municipalities (SCB codes), shipped as rehab/data/kommuner.csv (CC0)."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "kommuner.csv"


def load_kommuner(Kommun):
    """Create the municipalities that are missing. Takes the model as an argument so that the
    data migration can pass its historical model."""
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    existing = set(Kommun.objects.values_list("code", flat=True))
    Kommun.objects.bulk_create(
        Kommun(
            code=r["kommunkod"], name=r["kommun"], county_code=r["lanskod"], county_name=r["lan"]
        )
        for r in rows
        if r["kommunkod"] not in existing
    )
