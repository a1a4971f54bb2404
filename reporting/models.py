"""Reporting data: the text the unit manager writes for the board beside a report, and the
teams' budgets with their monthly actual costs (SPEC §10)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from rehab.models import Enrolment, Forbund, Team


class BoardNote(models.Model):
    """A short text for the board about one report: a team's, or (team empty) all teams of a
    förbund, for one period."""

    forbund = models.ForeignKey(
        Forbund, on_delete=models.CASCADE, related_name="board_notes", verbose_name="förbund"
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="board_notes",
        verbose_name="team",
        help_text="Tomt = alla team i förbundet.",
    )
    date_from = models.DateField("från och med")
    date_to = models.DateField("till och med")
    text = models.TextField("text till styrelsen", max_length=3000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="senast ändrad av",
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    class Meta:
        verbose_name = "text till styrelsen"
        verbose_name_plural = "texter till styrelsen"
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__lte=F("date_to")),
                name="board_note_period_in_order",
                violation_error_message="Periodens början kan inte ligga efter dess slut.",
            ),
            models.UniqueConstraint(
                fields=["team", "date_from", "date_to"],
                condition=Q(team__isnull=False),
                name="board_note_one_per_team_period",
            ),
            models.UniqueConstraint(
                fields=["forbund", "date_from", "date_to"],
                condition=Q(team__isnull=True),
                name="board_note_one_per_forbund_period",
            ),
        ]

    def __str__(self):
        return f"Text till styrelsen {self.date_from:%Y-%m-%d}–{self.date_to:%Y-%m-%d}"


# --- Budget follow-up (SPEC §10) ------------------------------------------------------------

MONEY = {"max_digits": 12, "decimal_places": 2}


class Budget(models.Model):
    """A team's budget for one calendar year, in lines."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="budgets", verbose_name="team"
    )
    year = models.PositiveSmallIntegerField("år")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="senast ändrad av",
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    class Meta:
        verbose_name = "budget"
        verbose_name_plural = "budgetar"
        ordering = ["team__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="budget_one_per_team_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="budget_year_in_range",
            ),
        ]

    def __str__(self):
        return f"Budget {self.year} för {self.team}"


class BudgetLine(models.Model):
    """One line of a budget (e.g. Lönekostnader) with the amount budgeted for the year."""

    budget = models.ForeignKey(
        Budget, on_delete=models.CASCADE, related_name="lines", verbose_name="budget"
    )
    name = models.CharField("budgetrad", max_length=100)
    amount = models.DecimalField("budget (kr)", **MONEY)
    order = models.PositiveSmallIntegerField("ordning", default=0)
    # SPEC §13 rule 14: a cost the huvudman carries outside the förbund's grant (Rehabteamet:
    # overhead above 200 000 kr). The follow-up shows it apart from the grant's lines.
    outside_grant = models.BooleanField(
        "utanför förbundets medel",
        default=False,
        help_text="Bärs av huvudmannen utanför förbundets medel.",
    )

    class Meta:
        verbose_name = "budgetrad"
        verbose_name_plural = "budgetrader"
        ordering = ["order", "pk"]
        constraints = [
            # The import matches line names without regard to case.
            models.UniqueConstraint(
                Lower("name"), "budget", name="budget_line_name_unique_per_budget"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="budget_line_amount_not_negative"
            ),
        ]

    def __str__(self):
        return self.name


class ActualCost(models.Model):
    """The actual cost (utfall) of one budget line in one month of the budget's year."""

    line = models.ForeignKey(
        BudgetLine, on_delete=models.CASCADE, related_name="actuals", verbose_name="budgetrad"
    )
    month = models.PositiveSmallIntegerField("månad")
    amount = models.DecimalField("utfall (kr)", **MONEY)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="registrerat av",
    )
    entered_at = models.DateTimeField("registrerat", auto_now=True)

    class Meta:
        verbose_name = "utfall"
        verbose_name_plural = "utfall"
        ordering = ["line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="actual_cost_one_per_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="actual_cost_month_1_12"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="actual_cost_amount_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.line} {self.month}: {self.amount}"


# --- Uploads waiting for confirmation -------------------------------------------------------


class PendingImportQuerySet(models.QuerySet):
    def expired(self, now):
        return self.filter(expires_at__lte=now)


class PendingImport(models.Model):
    """An uploaded import file between preview and confirmation, kept server-side (never in
    the session, which holds only this row's id) for a short while. Deleted on confirmation,
    on cancelling, when it is found expired, and by `manage.py cleanup`."""

    class Kind(models.TextChoices):
        ENROLMENTS = "inskrivningar", "inskrivningar"
        ACTUALS = "utfall", "budgetutfall"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="uppladdad av",
    )
    kind = models.CharField("slag", max_length=20, choices=Kind.choices)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="team",
    )
    budget = models.ForeignKey(
        Budget,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="budget",
    )
    filename = models.CharField("filnamn", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.BinaryField("filens innehåll")
    created_at = models.DateTimeField("uppladdad", auto_now_add=True)
    expires_at = models.DateTimeField("tas bort", db_index=True)

    objects = PendingImportQuerySet.as_manager()

    class Meta:
        verbose_name = "väntande import"
        verbose_name_plural = "väntande importer"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="inskrivningar") & Q(team__isnull=False))
                | (Q(kind="utfall") & Q(budget__isnull=False)),
                name="pending_import_has_its_target",
            ),
        ]

    def __str__(self):
        return f"Väntande import av {self.get_kind_display()} ({self.filename})"


class MonthlyCount(models.Model):
    """The aggregate tables of the board (issue #18, reporting/board/aggregates.py): one flow
    of one measure for one team, calendar month and gender, the sum of the contributions of
    the team's enrolments, kept current by the services' writes. Derived data:
    `rebuild_aggregates` recreates every row."""

    # No index of its own: the unique constraint's (team, month, …) serves the team's rows,
    # and a read of the months since a day as a range of it. With the foreign key's own
    # index PostgreSQL read all of a team's months and filtered them (11 → 2 ms for
    # Rehabteamet's year at 50 years of history).
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField("månad")  # the first day of the month
    gender = models.CharField("kön", max_length=1, blank=True)
    measure = models.CharField("mått", max_length=40)
    value = models.BigIntegerField("värde")

    class Meta:
        verbose_name = "månadsaggregat"
        verbose_name_plural = "månadsaggregat"
        constraints = [
            # Also the index of the board's read (team, months up to the period's last).
            models.UniqueConstraint(
                fields=["team", "month", "gender", "measure"], name="monthly_count_unique"
            )
        ]
        indexes = [
            # The reads of a few measures (a dashboard's months, the modules' places) in the
            # all-time row and the months after a day: 0.6 ms instead of a 24 ms scan at
            # 100 000 participants.
            models.Index(fields=["measure", "month"], name="monthly_count_measure_idx"),
        ]

    def __str__(self):
        return f"{self.team_id} {self.month:%Y-%m} {self.gender} {self.measure}: {self.value}"


class EnrolmentContribution(models.Model):
    """What one enrolment last added to `MonthlyCount` (aggregates.contribution): a list of
    [team, month, gender, measure, value]. A change subtracts it and adds the new one."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    entries = models.JSONField("bidrag", default=list)

    class Meta:
        verbose_name = "inskrivningens aggregatbidrag"
        verbose_name_plural = "inskrivningarnas aggregatbidrag"

    def __str__(self):
        return f"{self.enrolment_id}: {len(self.entries)}"


class AggregateFillState(models.Model):
    """Whether a team's aggregates are maintained (zulip's analytics `FillState`): the
    installation's unaudited-write version (rehab/freshness.py) when they were last rebuilt.
    The row is also the lock that serialises the writes of the team's aggregate rows. A read
    whose version or definition differs, or a team without a row, rebuilds the team first."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True, related_name="+")
    unaudited_token = models.BigIntegerField(
        "version för skrivningar utanför tjänsterna", default=0
    )
    # aggregates.DEFINITION when they were last rebuilt: a release that changes what an
    # enrolment contributes raises it, and every team is rebuilt at its first read.
    definition = models.PositiveIntegerField("aggregatens definition", default=0)
    filled_at = models.DateTimeField("fylld", auto_now=True)

    class Meta:
        verbose_name = "fyllnadsläge för aggregat"
        verbose_name_plural = "fyllnadslägen för aggregat"

    def __str__(self):
        return f"{self.team_id}: {self.filled_at:%Y-%m-%d %H:%M}"
