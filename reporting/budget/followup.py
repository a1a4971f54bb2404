"""Budget follow-up (SPEC §10): reads and calculations, no writes.

For a team, a year and an as-of date, the follow-up gives per budget line and in total: the
budget, the actual cost to date, the share used, a straight-line forecast for the year and the
deviation, plus the cost per participant active in the period and per exit to work or studies.

The rules, stated once (the follow-up page and the README repeat them):

- The as-of date lies in the budget year: today for the current year, December 31 for past
  years, January 1 for future years; a date outside the year is moved to its nearest end.
- Months elapsed are the months the as-of date is in or after (as of March 10: 3).
- Actual to date is the sum of the actual costs of those months (whole months, as entered).
- Forecast for the year = actual to date ÷ months elapsed × 12.
- Deviation = budget − forecast: negative when the forecast goes over the budget.
- Share used = actual to date ÷ budget × 100; empty where the budget is 0.
- The period for the per-participant figures is January 1 to the as-of date. Active
  participants are the board table's `aktiva_under_perioden` (SPEC §9); exits to work or
  studies are those exits in the period with outcome `arbete` or `studier`. A figure is empty
  where there is nobody to divide by.
- Lines marked as outside the grant (SPEC §13 rule 14: carried by the huvudman outside the
  förbund's grant) are shown apart: the total, the monthly actuals and the per-participant
  figures are the grant's; the lines outside and their total follow, and the activity's total
  cost is the grant's total plus theirs.
- Amounts are exact decimals (never floats). Calculated amounts are rounded to whole öre,
  shares to one decimal, both with halves away from zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from common.months import MONTH_NAMES
from rehab.access import ADMIN, FORBUND, STYRGRUPP, get_access
from rehab.models import Enrolment, ExitOutcome, Team
from reporting.disclosure import DEFAULT_THRESHOLD, HIDDEN, is_small, small_label
from reporting.models import ActualCost, Budget, BudgetLine

ZERO = Decimal("0")
ORE = Decimal("0.01")
ONE_DECIMAL = Decimal("0.1")
MAX_AMOUNT = Decimal("9999999999.99")  # what DecimalField(max_digits=12, decimal_places=2) holds
WORK_OR_STUDIES = (ExitOutcome.ARBETE.value, ExitOutcome.STUDIER.value)


RULES = [
    "Utfall hittills är summan av utfallet för årets månader till och med datumets månad "
    "(hela månader, så som de registrerats).",
    "Prognos för helåret (rak linje) = utfall hittills ÷ antal påbörjade månader × 12. "
    "Påbörjade månader är de månader som datumet ligger i eller efter (per 10 mars: 3).",
    "Avvikelse = budget − prognos. Ett negativt värde betyder att prognosen överskrider budgeten.",
    "Förbrukat = utfall hittills ÷ budget, i procent.",
    "Kostnad per aktiv deltagare = utfall hittills ÷ antal deltagare aktiva någon gång från "
    "1 januari till datumet (styrelsetabellens ”Antal aktiva under perioden”). Kostnad per "
    "avslut till arbete eller studier = utfall hittills ÷ antal avslut under samma period med "
    "avslutsorsak arbete eller studier. Tomt när det inte finns någon att dela med.",
    "Rader som bärs av huvudmannen utanför förbundets medel visas för sig. Totalen, utfallet "
    "per månad och kostnaden per deltagare gäller förbundets medel; verksamhetens totala "
    "kostnad = förbundets medel + kostnader utanför förbundets medel.",
    "Beräknade belopp avrundas till hela ören och andelar till en decimal, med halva uppåt.",
]


# --- Pure calculations ----------------------------------------------------------------------


def round_ore(value: Decimal) -> Decimal:
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def default_as_of(year: int, today: date) -> date:
    """Today in the current year, December 31 for past years, January 1 for future ones."""
    return clamp_to_year(today, year)


def clamp_to_year(day: date, year: int) -> date:
    if day.year < year:
        return date(year, 1, 1)
    if day.year > year:
        return date(year, 12, 31)
    return day


def months_elapsed(as_of: date) -> int:
    """The months of the year that the as-of date is in or after (1–12)."""
    return as_of.month


def forecast(actual_to_date: Decimal, months: int) -> Decimal:
    """Straight-line forecast for the year: actual ÷ months × 12, to whole öre. Multiplying
    first keeps it exact where the division comes out even (100 over 3 months → 400)."""
    if months <= 0:
        return ZERO
    return round_ore(actual_to_date * 12 / Decimal(months))


def share_used(actual: Decimal, budget: Decimal) -> Decimal | None:
    """Percent of the budget used, one decimal; None where the budget is 0."""
    if not budget:
        return None
    return (actual * 100 / budget).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def per_unit(amount: Decimal, count: int) -> Decimal | None:
    """The amount per person to whole öre; None where there is nobody."""
    if count <= 0:
        return None
    return round_ore(amount / Decimal(count))


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def month_started(year: int, month: int, today: date) -> bool:
    """Actual costs are entered for months that have begun."""
    return (year, month) <= (today.year, today.month)


# --- Amounts typed or imported -----------------------------------------------------------

_AMOUNT_RE = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
AMOUNT_HINT = "ange kronor med högst två decimaler, t.ex. 12 500 eller 1 234,50"


class AmountError(ValueError):
    """`str()` is a Swedish message for the field or the import line."""


def parse_amount(text: str) -> Decimal:
    """An amount in kronor as a Swedish user writes it: "1 185 000", "1185000,50", "12 500 kr"
    (spaces between groups, decimal comma) or as a spreadsheet exports it ("1234.5"). At least
    0, at most two decimals."""
    raw = (text or "").strip()
    if not raw:
        raise AmountError("Beloppet saknas.")
    cleaned = raw.translate(_SPACES)
    if cleaned.lower().endswith("kr"):
        cleaned = cleaned[:-2]
    cleaned = cleaned.replace("\u2212", "-")
    if cleaned.count(",") + cleaned.count(".") > 1:
        raise AmountError(f"”{raw}” är inget belopp: {AMOUNT_HINT}, utan punkt mellan tusental.")
    cleaned = cleaned.replace(",", ".")
    if not _AMOUNT_RE.fullmatch(cleaned):
        raise AmountError(f"”{raw}” är inget belopp: {AMOUNT_HINT}.")
    value = Decimal(cleaned)
    return check_amount(value, raw)


def check_amount(value: Decimal, shown: str | None = None) -> Decimal:
    """The amount if it may be stored: not negative, at most two decimals, not too large."""
    shown = shown or str(value)
    if value < 0:
        raise AmountError(f"Beloppet får inte vara negativt ({shown}).")
    # Before the quantize: a number of more than 28 digits cannot be quantized to öre.
    if value > MAX_AMOUNT:
        raise AmountError(f"Beloppet är för stort ({shown}); högst 9 999 999 999,99 kr.")
    if value != value.quantize(ORE):
        raise AmountError(f"Beloppet får ha högst två decimaler (öre): {shown}.")
    return value.quantize(ORE)


# --- The follow-up --------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetRow:
    name: str
    budget: Decimal
    actual: Decimal
    share_used: Decimal | None  # percent, one decimal
    forecast: Decimal
    deviation: Decimal


@dataclass(frozen=True)
class BudgetFollowUp:
    team: Team
    year: int
    as_of: date
    lines: list[BudgetRow]
    total: BudgetRow
    # (month 1–12, actual that month, cumulative), all twelve months as entered
    monthly: list[tuple[int, Decimal, Decimal]]
    active_count: int
    work_or_study_exits: int
    cost_per_active: Decimal | None
    cost_per_work_or_study_exit: Decimal | None
    months_elapsed: int = 0
    budget_id: int | None = None
    # SPEC §13 rule 14: the lines the huvudman carries outside the grant, their total and the
    # activity's total cost (grant + outside); empty and None where there are none.
    outside_lines: list[BudgetRow] = field(default_factory=list)
    outside_total: BudgetRow | None = None
    activity_total: BudgetRow | None = None

    @property
    def period_start(self) -> date:
        return date(self.year, 1, 1)


def _row(name: str, budget: Decimal, actual: Decimal, months: int) -> BudgetRow:
    projected = forecast(actual, months)
    return BudgetRow(
        name=name,
        budget=budget,
        actual=actual,
        share_used=share_used(actual, budget),
        forecast=projected,
        deviation=budget - projected,
    )


def budget_followup(team, year: int, as_of: date | None = None) -> BudgetFollowUp | None:
    """The follow-up of the team's budget for the year as of a date (see the module's rules);
    None when the team has no budget that year. Four queries whatever the size."""
    return budget_followups([team], year, as_of=as_of)[team.pk]


def budget_followups(
    teams, year: int, as_of: date | None = None
) -> dict[int, BudgetFollowUp | None]:
    """`budget_followup` for several teams at once, by team id: four queries however many
    teams there are (the dashboard of a förbund shows every team's; issue #8)."""
    teams = list(teams)
    result: dict[int, BudgetFollowUp | None] = dict.fromkeys((t.pk for t in teams), None)
    budgets = {b.team_id: b for b in Budget.objects.filter(team__in=teams, year=year)}
    if not budgets:
        return result
    as_of = clamp_to_year(as_of or timezone.localdate(), year)
    months = months_elapsed(as_of)

    lines_of = {budget.pk: [] for budget in budgets.values()}
    for line in BudgetLine.objects.filter(budget_id__in=lines_of).order_by("order", "pk"):
        lines_of[line.budget_id].append(line)
    # At most 12 rows per line. Summed here rather than with SUM() because SQLite sums
    # decimals as floating point; Python's Decimal keeps every öre exact on both databases.
    by_line = {line.pk: ZERO for lines in lines_of.values() for line in lines}
    by_month = {pk: dict.fromkeys(range(1, 13), ZERO) for pk in lines_of}
    outside_ids = {line.pk for lines in lines_of.values() for line in lines if line.outside_grant}
    for budget_id, line_id, month, amount in ActualCost.objects.filter(
        line__budget_id__in=lines_of
    ).values_list("line__budget_id", "line_id", "month", "amount"):
        if line_id not in outside_ids:
            by_month[budget_id][month] += amount
        if month <= months:
            by_line[line_id] += amount

    with_budget = [t for t in teams if t.pk in budgets]
    counts = {
        row["team_id"]: row
        for row in Enrolment.objects.in_period(date(year, 1, 1), as_of)
        .filter(team__in=with_budget)
        .order_by()
        .values("team_id")
        .annotate(
            active=Count("pk"),
            work_or_study=Count(
                "pk", filter=Q(exit_date__lte=as_of, exit_outcome__in=WORK_OR_STUDIES)
            ),
        )
    }
    for team in with_budget:
        budget = budgets[team.pk]
        lines = [line for line in lines_of[budget.pk] if not line.outside_grant]
        outside = [line for line in lines_of[budget.pk] if line.outside_grant]
        rows = [_row(line.name, line.amount, by_line[line.pk], months) for line in lines]
        total = _total_row(
            "Totalt förbundets medel" if outside else "Totalt", lines, by_line, months
        )
        outside_rows = [_row(line.name, line.amount, by_line[line.pk], months) for line in outside]
        outside_total = activity_total = None
        if outside:
            outside_total = _total_row("Totalt utanför förbundets medel", outside, by_line, months)
            activity_total = _total_row(
                "Verksamhetens totala kostnad", lines_of[budget.pk], by_line, months
            )
        monthly, running = [], ZERO
        for month in range(1, 13):
            running += by_month[budget.pk][month]
            monthly.append((month, by_month[budget.pk][month], running))
        team_counts = counts.get(team.pk, {"active": 0, "work_or_study": 0})
        result[team.pk] = BudgetFollowUp(
            team=team,
            year=year,
            as_of=as_of,
            lines=rows,
            total=total,
            monthly=monthly,
            active_count=team_counts["active"],
            work_or_study_exits=team_counts["work_or_study"],
            cost_per_active=per_unit(total.actual, team_counts["active"]),
            cost_per_work_or_study_exit=per_unit(total.actual, team_counts["work_or_study"]),
            months_elapsed=months,
            budget_id=budget.pk,
            outside_lines=outside_rows,
            outside_total=outside_total,
            activity_total=activity_total,
        )
    return result


def _total_row(name: str, lines, by_line: dict, months: int) -> BudgetRow:
    return _row(
        name,
        sum((line.amount for line in lines), ZERO),
        sum((by_line[line.pk] for line in lines), ZERO),
        months,
    )


# --- Who may see what -----------------------------------------------------------------------


def budget_viewable_teams(user):
    """Teams whose budget follow-up the user may read: those they manage (admin), and every
    team of a förbund where they are the förbund officer or sit in the steering group (only
    the chosen teams of a membership limited to some)."""
    access = get_access(user)
    return Team.objects.filter(
        Q(pk__in=access.team_ids(ADMIN)) | access.forbund_teams_q(FORBUND, STYRGRUPP),
        is_active=True,
    ).select_related("forbund")


def budget_editable_teams(user):
    """Teams whose budget and actual costs the user may change: those they manage."""
    return Team.objects.filter(pk__in=get_access(user).team_ids(ADMIN), is_active=True)


def visible_budgets(user):
    """The budgets the user may open, with each one's total of the grant (`total`) and of the
    lines outside it (`outside_total`, None where there are none)."""
    return (
        Budget.objects.filter(team__in=budget_viewable_teams(user))
        .select_related("team")
        # The grant's total, as the follow-up's; the lines outside the grant apart (rule 14).
        .annotate(
            total=Sum("lines__amount", filter=Q(lines__outside_grant=False)),
            outside_total=Sum("lines__amount", filter=Q(lines__outside_grant=True)),
        )
        .order_by("team__name", "-year")
    )


# --- What a viewer sees -----------------------------------------------------------------------


def suppressed_note(threshold: int = DEFAULT_THRESHOLD) -> str:
    return (
        f"Kostnad per deltagare döljs (”–”) när den bygger på 1–{threshold - 1} personer, "
        "eftersom antalet då skulle kunna räknas fram. Antal från 1 till "
        f"{threshold - 1} visas som ”{small_label(threshold)}”."
    )


@dataclass(frozen=True)
class PerPerson:
    label: str
    count: int | str  # a count, or "<T" for aggregate users
    cost: Decimal | str | None  # None: nobody to divide by; "–": suppressed


@dataclass(frozen=True)
class BudgetView:
    followup: BudgetFollowUp
    exact: bool
    per_person: list[PerPerson]
    threshold: int = DEFAULT_THRESHOLD

    @property
    def suppressed_note(self) -> str:
        return suppressed_note(self.threshold)

    @property
    def any_suppressed(self) -> bool:
        return any(p.cost == HIDDEN for p in self.per_person)

    @property
    def outside_totals(self) -> list[BudgetRow]:
        """The total outside the grant, then the activity's total cost (grant + outside)."""
        f = self.followup
        return [row for row in (f.outside_total, f.activity_total) if row is not None]

    @property
    def monthly_rows(self) -> list[tuple[str, Decimal, Decimal]]:
        return [
            (month_name(month).capitalize(), amount, cumulative)
            for month, amount, cumulative in self.followup.monthly
        ]


def present(
    followup: BudgetFollowUp, *, exact: bool, threshold: int = DEFAULT_THRESHOLD
) -> BudgetView:
    """The follow-up as a viewer sees it. Amounts are not about persons and show as they are;
    for aggregate users the counts behind the per-participant figures are disclosure
    controlled, and a figure resting on 1 to `threshold` − 1 persons is withheld, since
    dividing the actual cost by it would give the count back."""
    items = [
        (
            "Aktiva deltagare under perioden",
            followup.active_count,
            followup.cost_per_active,
        ),
        (
            "Avslut till arbete eller studier",
            followup.work_or_study_exits,
            followup.cost_per_work_or_study_exit,
        ),
    ]
    per_person = []
    for label, count, cost in items:
        if not exact and is_small(count, threshold):
            per_person.append(PerPerson(label, small_label(threshold), HIDDEN))
        else:
            per_person.append(PerPerson(label, count, cost))
    return BudgetView(followup=followup, exact=exact, per_person=per_person, threshold=threshold)


def board_budget(
    team, date_to: date, *, exact: bool, threshold: int = DEFAULT_THRESHOLD
) -> BudgetView | None:
    """The budget follow-up for a board report's files: a one-team report gets its team's
    follow-up for the year the period ends in, as of the period's end; None for a förbund-wide
    report (team None) or a team without a budget that year."""
    if team is None:
        return None
    followup = budget_followup(team, date_to.year, date_to)
    if followup is None:
        return None
    return present(followup, exact=exact, threshold=threshold)
