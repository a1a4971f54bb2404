"""The caseload: the user's enrolments with the module of each open placement."""

from django.db.models import OuterRef, Subquery

from modules.models import Module, Placement
from rehab.access import enrolments_for, get_access

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
        .valid()
        .select_related("participant", "team", "responsible")
        .only(*CASELOAD_COLUMNS)
        .annotate(
            current_module=Subquery(open_placement.values("module__name")[:1]),
            next_review_due=Subquery(open_placement.values("next_review_due")[:1]),
        )
    )
    if status == "active":
        qs = qs.active()
    elif status == "exited":
        qs = qs.filter(exit_date__isnull=False)
    if team is not None:
        qs = qs.filter(team=team)
    if module_id:
        qs = qs.filter(placements__module_id=module_id, placements__end_date__isnull=True)
    if mine:
        qs = qs.filter(responsible=user)
    qs = qs.search(q)
    return qs.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


def caseload_modules(user):
    return Module.objects.filter(team_id__in=get_access(user).team_ids()).select_related("team")
