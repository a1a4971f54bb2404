"""Reads for the organisation pages."""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from common.queries import count_subquery
from rehab.access import enrolments_for, get_access
from rehab.models import (
    Attendance,
    CaseMeetingItem,
    Deviation,
    Enrolment,
    ExitEvaluation,
    ExitFollowUp,
    Goal,
    JournalNote,
    JournalNoteDraft,
    Membership,
    Team,
)
from rehab.services import deviation_is_late


def team_summaries(team_ids):
    """Teams with their number of active enrolments, in one query."""
    return (
        Team.objects.filter(pk__in=team_ids)
        .select_related("forbund")
        .annotate(
            # Served by enrolment_team_exit_idx (team, exit_date): only active rows are read.
            active_count=count_subquery(
                Enrolment.objects.active().filter(team=OuterRef("pk")), "team"
            )
        )
        .order_by("name")
    )


def team_members(team):
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__last_name", "user__username")
    )


def participant_enrolments(participant, user):
    """The participant's enrolments in the user's teams, with their action plan, notes and
    deviations, in a fixed number of queries."""
    enrolments = list(
        enrolments_for(user)
        .filter(participant=participant)
        .select_related("team", "responsible")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.filter(parent__isnull=True).prefetch_related("subgoals"),
                to_attr="top_goals",
            ),
            Prefetch(
                "notes",
                queryset=JournalNote.objects.select_related("author"),
                to_attr="all_notes",
            ),
            Prefetch("deviations", queryset=Deviation.objects.all(), to_attr="all_deviations"),
            Prefetch(
                "exit_followups",
                queryset=ExitFollowUp.objects.order_by("months_after"),
                to_attr="all_exit_followups",
            ),
            Prefetch(
                "case_meeting_items",
                queryset=CaseMeetingItem.objects.select_related("meeting").order_by(
                    "-meeting__date", "-meeting__pk"
                ),
                to_attr="all_case_meeting_items",
            ),
        )
        .annotate(
            attended=Count("attendances", filter=Q(attendances__status=Attendance.Status.PRESENT)),
            notified_absences=Count(
                "attendances", filter=Q(attendances__status=Attendance.Status.NOTIFIED)
            ),
            attendance_recorded=Count("attendances", distinct=True),
            # The user's own draft of a journal note (the page links to it, never shows it).
            has_note_draft=Exists(
                JournalNoteDraft.objects.filter(enrolment=OuterRef("pk"), author=user)
            ),
        )
        .order_by("exit_date", "-start_date")
    )
    for enrolment in enrolments:
        for deviation in enrolment.all_deviations:
            deviation.is_late = deviation_is_late(deviation)
        enrolment.is_admin = get_access(user).is_admin_of(enrolment.team_id)
    return enrolments


def case_meeting_enrolments(team, include=()):
    """The enrolments a case meeting of the team may list, for its form: those in progress or
    ended within the last year, and `include` (the meeting's own), by name."""
    year_ago = timezone.localdate() - datetime.timedelta(days=366)
    return list(
        Enrolment.objects.valid()
        .filter(team=team)
        .filter(Q(exit_date__isnull=True) | Q(exit_date__gte=year_ago) | Q(pk__in=list(include)))
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name", "start_date", "pk")
    )


def exit_evaluation_of(enrolment):
    """The enrolment's evaluation meeting before exit (SPEC §13 rule 9), or None."""
    return ExitEvaluation.objects.filter(enrolment=enrolment).first()


def note_draft_of(enrolment, user):
    """The user's own draft of a journal note for the enrolment, or None."""
    return JournalNoteDraft.objects.filter(enrolment=enrolment, author=user).first()
