"""Reads for the case pages: the caseload and the participant's whole case on one screen."""

import re

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from modules.models import Module, Placement
from rehab.access import enrolments_for, get_access
from rehab.models import Deviation, Enrolment, ExitFollowUp, Goal, JournalNote
from rehab.services import deviation_is_late

CASELOAD_SORTS = {
    "name": ["participant__last_name", "participant__first_name", "pk"],
    "-start": ["-start_date", "pk"],
    "start": ["start_date", "pk"],
}


# What rehab/caseload.html shows: name (or "Anonym deltagare #id"), masked personnummer,
# protected identity, team, start, exit or phase, and the responsible handledare's name.
CASELOAD_COLUMNS = (
    "participant_id",
    "team_id",
    "responsible_id",
    "start_date",
    "exit_date",
    "phase",
    "participant__personnummer",
    "participant__first_name",
    "participant__last_name",
    "participant__is_anonymous",
    "participant__protected_identity",
    "team__name",
    "responsible__username",
    "responsible__first_name",
    "responsible__last_name",
)


def caseload(*, user, team=None, module_id=None, status="active", mine=False, q="", sort="name"):
    """The user's enrolments with the module of the open placement, filtered and sorted.
    One query for the page whatever its size (plus the paginator's count).

    Only the columns the list shows are read (`CASELOAD_COLUMNS`): the full rows of four
    tables made compiling the SQL, planning it and building the objects most of the page's
    own cost (issue #8, BENCHMARKS.md)."""
    open_placement = Placement.objects.filter(enrolment=OuterRef("pk"), end_date__isnull=True)
    qs = (
        enrolments_for(user)
        .filter(registered_in_error=False)
        .select_related("participant", "team", "responsible")
        .only(*CASELOAD_COLUMNS)
        .annotate(
            current_module=Subquery(open_placement.values("module__name")[:1]),
            next_review_due=Subquery(open_placement.values("next_review_due")[:1]),
        )
    )
    if status == "active":
        qs = qs.filter(exit_date__isnull=True)
    elif status == "exited":
        qs = qs.filter(exit_date__isnull=False)
    if team is not None:
        qs = qs.filter(team=team)
    if module_id:
        qs = qs.filter(placements__module_id=module_id, placements__end_date__isnull=True)
    if mine:
        qs = qs.filter(responsible=user)
    q = (q or "").strip()
    if q:
        digits = re.sub(r"[^0-9]", "", q)
        if len(digits) >= 6 and len(digits) == len(q.replace("-", "").replace("+", "")):
            # A personnummer (or its start): match 12- and 10-digit forms.
            qs = qs.filter(
                Q(participant__personnummer__startswith=digits)
                | Q(participant__personnummer__regex=rf"^[0-9]{{2}}{digits}")
                if len(digits) <= 10
                else Q(participant__personnummer__startswith=digits)
            )
        else:
            for word in q.split():
                qs = qs.filter(
                    Q(participant__first_name__icontains=word)
                    | Q(participant__last_name__icontains=word)
                )
    return qs.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


def caseload_modules(user):
    return Module.objects.filter(team_id__in=get_access(user).team_ids()).select_related("team")


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


def active_enrolment(participant, team):
    return Enrolment.objects.filter(
        participant=participant, team=team, exit_date__isnull=True, registered_in_error=False
    ).first()
