"""Each role's start page, and the förbund's overview: counts per team with small ones
suppressed (SPEC §11). Case workers' start page lists their teams."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from rehab import selectors
from rehab.access import (
    ADMIN,
    FORBUND,
    HANDLEDARE,
    ROLE_AS_PERSON,
    STYRGRUPP,
    get_access,
    role_required,
)
from rehab.models import Forbund
from reporting.disclosure import suppress_table


@login_required
def start(request):
    """Each role's start page."""
    access = get_access(request.user)
    role = access.primary_role
    if role in (ADMIN, HANDLEDARE):
        teams = selectors.team_summaries(access.team_ids())
        return render(
            request,
            "rehab/start_team.html",
            {"role": role, "role_as_person": ROLE_AS_PERSON[role], "teams": teams},
        )
    if role in (FORBUND, STYRGRUPP):
        return render(
            request,
            "rehab/start_forbund.html",
            {"role_as_person": ROLE_AS_PERSON[role], **_overview_context(access)},
        )
    return render(request, "rehab/start_norole.html")


def _overview_context(access):
    forbunds = Forbund.objects.filter(pk__in=access.aggregate_forbund_ids()).order_by("name")
    sections = []
    for forbund in forbunds:
        # A membership limited to chosen teams (SPEC §13 rule 15) lists those teams only.
        visible = forbund.teams.filter(
            Q(pk__in=access.team_ids(ADMIN))
            | Q(forbund_id__in=access.admin_team_forbunds)
            | access.forbund_teams_q(),
            is_active=True,
        )
        teams = list(selectors.team_summaries(visible.values("pk")))
        cells, total = suppress_table(
            [t.active_count for t in teams], threshold=forbund.disclosure_threshold
        )
        sections.append(
            {
                "forbund": forbund,
                "rows": list(zip(teams, cells, strict=True)),
                "total": total,
                "threshold": forbund.disclosure_threshold,
            }
        )
    return {"sections": sections}


@role_required(ADMIN, FORBUND, STYRGRUPP)
def overview(request):
    """Aggregates per team of the user's förbund: counts only, small ones suppressed, each
    förbund's table at that förbund's own threshold."""
    return render(request, "rehab/overview.html", _overview_context(get_access(request.user)))
