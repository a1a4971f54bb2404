"""The caseload: the user's enrolments with the module of each open placement."""

from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When

from modules.models import Module, Placement
from rehab.access import enrolments_for, get_access
from rehab.models import Enrolment

# Status order: the active ones by how far they have come, then the exited ones.
_PHASE_RANK = Case(
    *(When(phase=value, then=Value(rank)) for rank, value in enumerate(Enrolment.Phase.values)),
    default=Value(len(Enrolment.Phase.values)),
    output_field=IntegerField(),
)

# Each sort key ascending; "-key" is the same order reversed. Every order ends with the pk so
# that a page boundary never moves between requests (rows with equal keys keep their places),
# and an empty module or review date comes last in both directions.
_SORT_TERMS = {
    "name": [F("participant__last_name"), F("participant__first_name")],
    "team": [F("team__name"), F("participant__last_name"), F("participant__first_name")],
    "module": [F("current_module"), F("participant__last_name")],
    "review": [F("next_review_due"), F("participant__last_name")],
    "start": [F("start_date")],
    "status": [F("exit_date"), _PHASE_RANK, F("participant__last_name")],
}
CASELOAD_SORT_KEYS = tuple(k for key in _SORT_TERMS for k in (key, f"-{key}"))


def caseload_ordering(sort: str) -> list:
    """The ORDER BY of the caseload for a sort key; an unknown key sorts by name."""
    descending = sort.startswith("-")
    terms = _SORT_TERMS.get(sort.removeprefix("-"), _SORT_TERMS["name"])
    if sort.removeprefix("-") not in _SORT_TERMS:
        descending = False
    if sort.removeprefix("-") == "status":
        # Active (no exit date) first: the exit date's nulls lead when ascending.
        first, *rest = terms
        head = first.desc(nulls_last=True) if descending else first.asc(nulls_first=True)
        rest = [t.desc(nulls_last=True) if descending else t.asc(nulls_last=True) for t in rest]
        terms_sql = [head, *rest]
    else:
        terms_sql = [
            t.desc(nulls_last=True) if descending else t.asc(nulls_last=True) for t in terms
        ]
    return [*terms_sql, "-pk" if descending else "pk"]


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
    return qs.order_by(*caseload_ordering(sort))


def caseload_modules(user):
    return Module.objects.filter(team_id__in=get_access(user).team_ids()).select_related("team")
