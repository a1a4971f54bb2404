"""The text the unit manager writes for the board beside a report."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from rehab.models import Forbund, Team


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
