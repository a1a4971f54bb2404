"""The caseload: the user's enrolments with the module of each open placement."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Value, When

from modules.models import Module, Placement
from rehab.access import enrolments_for, get_access
from rehab.models import Enrolment, Team

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


@dataclass(frozen=True)
class CaseloadChoices:
    """What the caseload's filter form offers, and whether the user may register."""

    teams: list  # Team objects (id, name, kind), by id
    modules: list  # Module objects (id, name, team), in the modules' own order
    can_register: bool  # a rehab team among them (rehab.views.case_teams)


def _loaded(model, **values):
    """An instance of `model` as read from the database with only `values` (the others
    deferred): `from_db` takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", names, [values[n] for n in names])


def caseload_choices(user) -> CaseloadChoices:
    """The user's active teams with their modules, in ONE query (a team LEFT JOIN its
    modules): the filter form's two choice lists and `case_teams(user).exists()`, which were
    three queries of their own on every computed caseload (the teams' query twice over, to
    render the options and to validate the choice)."""
    rows = (
        Team.objects.filter(pk__in=get_access(user).team_ids(), is_active=True)
        # Module.Meta.ordering is (team, order, name): Team has none, so its id.
        .order_by("pk", "modules__order", "modules__name", "modules__pk")
        .values_list("pk", "name", "kind", "modules__pk", "modules__name")
    )
    teams: dict[int, Team] = {}
    modules = []
    for team_id, name, kind, module_id, module_name in rows:
        team = teams.get(team_id)
        if team is None:
            team = teams[team_id] = _loaded(Team, id=team_id, name=name, kind=kind)
        if module_id is not None:
            module = _loaded(Module, id=module_id, name=module_name, team_id=team_id)
            module.team = team
            modules.append(module)
    can_register = any(t.kind == Team.Kind.REHAB for t in teams.values())
    return CaseloadChoices(teams=list(teams.values()), modules=modules, can_register=can_register)


def caseload_page(enrolments, per_page: int, number) -> Page:
    """`Paginator(enrolments, per_page).get_page(number)` in ONE query rather than two: the
    page's rows carry the count of the whole list as an uncorrelated scalar subquery, which
    the database runs once (an InitPlan), beside the LIMIT. A window (COUNT(*) OVER ()) would
    make PostgreSQL compute every row's module and review subqueries before the LIMIT: three
    to ten times slower at 100 000 participants. Only a page past the end (or not a page
    number), which shows the last page instead, costs the paginator's count and a second
    read, as before."""
    paginator = Paginator(enrolments, per_page)
    try:
        wanted = int(number) if number not in (None, "") else 1
    except (TypeError, ValueError):
        wanted = 1
    if wanted < 1:
        return paginator.get_page(number)
    offset = (wanted - 1) * per_page
    # No GROUP BY (a Value is not grouped by): one row, the count of the whole list.
    total = (
        enrolments.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counted = enrolments.annotate(_total=Subquery(total, output_field=IntegerField()))
    rows = list(counted[offset : offset + per_page])
    if not rows and wanted > 1:
        return paginator.get_page(number)
    paginator.count = rows[0]._total if rows else 0  # the cached_property, already known
    return Page(rows, wanted, paginator)
