"""The case meetings of a samverkansteam (SPEC §13 rule 11): the team's fixed meetings of the
agencies and the participants discussed at each. Counted per month and agency, never
personal in aggregates."""

from django.conf import settings
from django.db import models

from rehab.models.choices import Agency
from rehab.models.enrolments import Enrolment
from rehab.models.organisation import Team


class CaseMeeting(models.Model):
    """One ärendemöte: its date, the agencies present (stored like the enrolment's agencies,
    a list of Agency codes) and a note."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="case_meetings", verbose_name="team"
    )
    date = models.DateField("datum")
    agencies = models.JSONField(
        "närvarande myndigheter",
        default=list,
        blank=True,
        help_text="Myndigheter som var med på mötet (AF, FK, Region, Kommun).",
    )
    note = models.TextField("anteckning", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ärendemöte"
        verbose_name_plural = "ärendemöten"
        ordering = ["-date", "-pk"]
        indexes = [
            # The team's meeting list, newest first, and the aggregates per month.
            models.Index(fields=["team", "-date"], name="casemeeting_team_date_idx"),
        ]

    def __str__(self):
        return f"Ärendemöte {self.date:%Y-%m-%d}"

    @property
    def agency_labels(self) -> list[str]:
        """The agencies present by their full names, in the order of Agency."""
        return [label for code, label in Agency.choices if code in (self.agencies or [])]


class CaseMeetingItem(models.Model):
    """A participant (their enrolment in the team) discussed at a case meeting."""

    meeting = models.ForeignKey(
        CaseMeeting, on_delete=models.CASCADE, related_name="items", verbose_name="ärendemöte"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="case_meeting_items",
        verbose_name="inskrivning",
    )
    note = models.TextField("anteckning", blank=True)

    class Meta:
        verbose_name = "diskuterad deltagare"
        verbose_name_plural = "diskuterade deltagare"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "enrolment"], name="casemeetingitem_once_per_meeting"
            )
        ]
        indexes = [
            # The participant page's list of meetings where they were discussed.
            models.Index(fields=["enrolment"], name="casemeetingitem_enrolment_idx"),
        ]

    def __str__(self):
        return f"{self.meeting}: inskrivning {self.enrolment_id}"
