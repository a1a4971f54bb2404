"""Generated enrolment-import rows for tests and benchmarks (never real people: the
personnummer are generated with valid check digits for made-up dates)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from datetime import date, timedelta

from rehab import personnummer
from rehab.models import ExitOutcome, Referrer
from reporting.imports.plan import COLUMNS, OPTIONAL_COLUMNS

__all__ = ["example_rows", "rows_to_csv"]

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
    """Import rows (as from `example_rows`) as CSV text with the header row; an optional
    column is written when a row has it."""
    rows = list(rows)
    fieldnames = [*COLUMNS, *(c for c in OPTIONAL_COLUMNS if any(c in r for r in rows))]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
