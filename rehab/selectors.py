"""Reads for the organisation pages."""

from django.db.models import Count, OuterRef, Prefetch, Q

from common.queries import count_subquery
from rehab.access import enrolments_for, get_access
from rehab.models import (
    Deviation,
    Enrolment,
    ExitEvaluation,
    ExitFollowUp,
    Goal,
    JournalNote,
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
        )
        .annotate(
            attended=Count("attendances", filter=Q(attendances__present=True)),
            attendance_recorded=Count("attendances", distinct=True),
        )
        .order_by("exit_date", "-start_date")
    )
    for enrolment in enrolments:
        for deviation in enrolment.all_deviations:
            deviation.is_late = deviation_is_late(deviation)
        enrolment.is_admin = get_access(user).is_admin_of(enrolment.team_id)
    return enrolments


def exit_evaluation_of(enrolment):
    """The enrolment's evaluation meeting before exit (SPEC §13 rule 9), or None."""
    return ExitEvaluation.objects.filter(enrolment=enrolment).first()
