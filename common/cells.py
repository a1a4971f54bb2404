"""Table cells as text: the one formatter for pages, CSV, Excel and PDF.

A cell is an int or Decimal where a number is shown, a string ("<5", "–") where it is
withheld, and None where there is nothing to show. `cell_text` turns one into text by the
kind of number it holds; `escape_text` keeps spreadsheet programs from taking text for a
formula.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Kinds of cell. PLAIN is the board table's: one decimal for a Decimal, no grouping of
# thousands. COUNT, MEAN, PERCENT and MONEY are the dashboards': digits grouped with a
# no-break space, whole kronor. KRONOR and SHARE are the budget's: kronor and öre, and a
# share with a no-break space before "%".
PLAIN = "plain"
COUNT = "count"
MEAN = "mean"
PERCENT = "percent"
MONEY = "money"
KRONOR = "kronor"
SHARE = "share"

Cell = int | Decimal | str | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ORE = Decimal("0.01")


def is_withheld(cell: Cell) -> bool:
    """A cell that disclosure control withholds: its label ("<5", "–", "<7" …) is a str."""
    return isinstance(cell, str)


def escape_text(value: str) -> str:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def group_thousands(text: str) -> str:
    """ "1234567.5" → "1 234 567,5": groups of three joined by a no-break space, a decimal
    comma and a real minus sign."""
    head, _dot, tail = text.partition(".")
    sign = "−" if head.startswith("-") else ""
    digits = head.lstrip("-")
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    out = sign + "\u00a0".join(groups or ["0"])
    return f"{out},{tail}" if tail else out


def cell_text(value, kind: str = PLAIN, *, for_csv: bool = False) -> str:
    """A cell as text. Empty for None; withheld cells ("<5", "–") as they are.

    - PLAIN: a Decimal with one decimal (a decimal comma, a point in CSV), others as `str`.
    - COUNT, MEAN, PERCENT, MONEY: Swedish on the page (1 500 000 kr, 12,5, 78,9 %), plain
      digits with a decimal point in CSV.
    - KRONOR: "1 500 000 kr", "1 234,50 kr", "−12 000 kr" (a decimal comma only when the
      amount is not whole, a no-break space so that an amount never wraps).
    - SHARE: "78,9 %".
    """
    if value is None:
        return ""
    if kind == PLAIN:
        if isinstance(value, Decimal):
            text = f"{value:.1f}"
            return text if for_csv else text.replace(".", ",")
        return str(value)
    if isinstance(value, str):
        return value
    if kind == KRONOR:
        return _kronor(value)
    if kind == SHARE:
        return f"{Decimal(value):.1f}".replace(".", ",").replace("-", "−") + "\u00a0%"
    if for_csv:
        return f"{value:.1f}" if kind in (MEAN, PERCENT) else str(value)
    if kind == MONEY:
        return f"{group_thousands(f'{value:.0f}')} kr"
    if kind in (MEAN, PERCENT):
        text = group_thousands(f"{value:.1f}")
        return f"{text} %" if kind == PERCENT else text
    return group_thousands(str(value))


def _kronor(value) -> str:
    amount = Decimal(value).quantize(_ORE, rounding=ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    amount = abs(amount)
    whole = int(amount)
    text = f"{whole:,}".replace(",", "\u00a0")
    if amount != whole:
        text += "," + f"{amount:.2f}".split(".")[1]
    return f"{sign}{text}\u00a0kr"


def format_kronor(value) -> str:
    """Swedish money (`cell_text` of kind KRONOR); empty for None and for ""."""
    return "" if value == "" else cell_text(value, KRONOR)


def format_percent(value) -> str:
    """A share as "78,9 %" (`cell_text` of kind SHARE); empty for None and for ""."""
    return "" if value == "" else cell_text(value, SHARE)
