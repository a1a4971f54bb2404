"""The dashboard's first screen: a few key figures as cards, each beside the same figure for
the same period last year, with a small trend.

Every value here is already disclosure-controlled by reporting/dashboards/dashboard.py: an int
or Decimal where it is shown, a string ("<5", "–", or any other label the disclosure control
gives) where it is withheld, None where there is nothing to show. A card never computes a
value from a withheld one: a change from last year is given only between two shown values,
and a sparkline leaves a gap where a month is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from common.cells import COUNT, MEAN, MONEY, PERCENT, Cell, cell_text, is_withheld
from reporting.budget.followup import share_used

UP, DOWN, SAME = "up", "down", "same"
ARROWS = {UP: "↑", DOWN: "↓", SAME: "→"}
CHANGE_WORDS = {UP: "Ökning", DOWN: "Minskning", SAME: "Oförändrat"}

# The sparkline's drawing box (viewBox units); the stylesheet scales it to the card.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_MARGIN = 100, 24, 2
SPARK_MIN_POINTS = 3


def is_number(cell: Cell) -> bool:
    return isinstance(cell, int | Decimal) and not isinstance(cell, bool)


@dataclass(frozen=True)
class Change:
    direction: str
    text: str

    @property
    def arrow(self) -> str:
        return ARROWS[self.direction]

    @property
    def word(self) -> str:
        return CHANGE_WORDS[self.direction]


@dataclass(frozen=True)
class KeyFigure:
    """One card. `value` and `last_year` are cells of `kind` (COUNT or PERCENT); `target` is
    a target in percent, `marker` a share (percent) to mark on the meter (the budget's
    straight line); `spark` the months of a trend, oldest first."""

    key: str
    title: str
    value: Cell
    kind: str
    last_year: Cell
    figure: str
    compared_to: str = "samma period i fjol"
    detail: str = ""
    target: int | None = None
    marker: Decimal | None = None
    status: str = ""
    spark: tuple[Cell, ...] = ()
    spark_label: str = ""
    missing: str = "Inget underlag"
    missing_last_year: str = "inget underlag"

    # --- Text ---

    @property
    def value_text(self) -> str:
        return self.missing if self.value is None else cell_text(self.value, self.kind)

    @property
    def value_note(self) -> str:
        """A word beside a value withheld for another's sake ("–"): "<5" says itself."""
        if is_withheld(self.value) and not self.value.startswith("<"):
            return "dolt"
        return ""

    @property
    def last_year_text(self) -> str:
        if self.last_year is None:
            return self.missing_last_year
        return cell_text(self.last_year, self.kind)

    @property
    def change(self) -> Change | None:
        """The change from last year, only where both values are shown."""
        if not (is_number(self.value) and is_number(self.last_year)):
            return None
        diff = self.value - self.last_year
        direction = UP if diff > 0 else DOWN if diff < 0 else SAME
        if direction == SAME:
            return Change(SAME, "oförändrat")
        if self.kind == PERCENT:
            return Change(direction, f"{cell_text(abs(Decimal(diff)), MEAN)} procentenheter")
        return Change(direction, cell_text(abs(diff), COUNT))

    @property
    def comparison(self) -> str:
        """The sentence after the arrow, or the whole sentence where there is no arrow."""
        if self.change is None:
            return f"{self.compared_to.capitalize()}: {self.last_year_text}"
        return f"{self.change.text} mot {self.compared_to} ({self.last_year_text})"

    # --- Meter (shares against a target or a straight line) ---

    @property
    def has_meter(self) -> bool:
        return self.kind == PERCENT and (self.target is not None or self.marker is not None)

    @property
    def meter_width(self) -> str:
        """The bar's length in the meter's 0–100 box: empty where the value is withheld."""
        if not is_number(self.value):
            return "0"
        return _svg_number(min(max(Decimal(self.value), Decimal(0)), Decimal(100)))

    @property
    def meter_mark(self) -> str | None:
        mark = self.marker if self.marker is not None else self.target
        if mark is None:
            return None
        return _svg_number(min(max(Decimal(mark), Decimal(0)), Decimal(99)))

    # --- Sparkline ---

    @property
    def spark_path(self) -> str:
        """An SVG path through the shown months; a withheld month breaks the line. Empty
        when fewer than three months are shown: that is no trend."""
        shown = [(i, v) for i, v in enumerate(self.spark) if is_number(v)]
        if len(shown) < SPARK_MIN_POINTS:
            return ""
        top = max(Decimal(v) for _i, v in shown) or Decimal(1)
        step = Decimal(SPARK_WIDTH) / (len(self.spark) - 1)
        height = Decimal(SPARK_HEIGHT - 2 * SPARK_MARGIN)
        parts, previous = [], None
        for i, v in shown:
            x = step * i
            y = Decimal(SPARK_HEIGHT - SPARK_MARGIN) - Decimal(v) / top * height
            command = "L" if previous == i - 1 else "M"
            parts.append(f"{command}{_svg_number(x)} {_svg_number(y)}")
            previous = i
        return "".join(parts)

    @property
    def spark_view_box(self) -> str:
        return f"0 0 {SPARK_WIDTH} {SPARK_HEIGHT}"


def _svg_number(value: Decimal) -> str:
    text = f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return text.removesuffix(".0")


# --- Builders -------------------------------------------------------------------------------


def count_card(
    key, title, value, last_year, figure, *, compared_to=None, spark=(), spark_label=""
) -> KeyFigure:
    return KeyFigure(
        key=key,
        title=title,
        value=value,
        kind=COUNT,
        last_year=last_year,
        figure=figure,
        compared_to=compared_to or "samma period i fjol",
        spark=tuple(spark),
        spark_label=spark_label,
    )


def target_card(key, title, value, last_year, target_pct) -> KeyFigure:
    if target_pct is None:
        detail, status = "Teamen har olika mål.", ""
    else:
        detail = f"Mål {target_pct} %."
        status = ""
        if is_number(value):
            status = "Målet nått." if value >= target_pct else "Under målet."
    return KeyFigure(
        key=key,
        title=title,
        value=value,
        kind=PERCENT,
        last_year=last_year,
        figure="mal",
        detail=detail,
        target=target_pct,
        status=status,
        missing="Inga avslut",
    )


def budget_card(year, budget, actual, straight, months, last_year_share) -> KeyFigure:
    """Share of the year's budget used to date, against the straight line (months elapsed ÷
    12), and the share used at the same date last year. Money, not people: nothing here is
    disclosure controlled. `budget` is None where none of the teams has a budget that year."""
    if budget is None:
        return KeyFigure(
            key="budget",
            title="Förbrukad budget",
            value=None,
            kind=PERCENT,
            last_year=last_year_share,
            figure="budget",
            compared_to="samma dag i fjol",
            missing=f"Ingen budget för {year}",
            missing_last_year=f"ingen budget för {year - 1}",
        )
    share = share_used(actual, budget)
    line_share = share_used(Decimal(months), Decimal(12))
    difference = actual - straight
    if difference > 0:
        status = f"{cell_text(difference, MONEY)} över den raka linjen."
    elif difference < 0:
        status = f"{cell_text(-difference, MONEY)} under den raka linjen."
    else:
        status = "På den raka linjen."
    return KeyFigure(
        key="budget",
        title="Förbrukad budget",
        value=share,
        kind=PERCENT,
        last_year=last_year_share,
        figure="budget",
        compared_to="samma dag i fjol",
        detail=(
            f"{cell_text(actual, MONEY)} av {cell_text(budget, MONEY)}. Rak linje: "
            f"{cell_text(straight, MONEY)} ({cell_text(line_share, PERCENT)})."
        ),
        marker=line_share,
        status=status,
        missing="Budgeten är 0 kr",
        missing_last_year=f"ingen budget för {year - 1}",
    )
