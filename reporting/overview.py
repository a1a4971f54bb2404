"""Each role's start page, and the förbund's overview: counts per team with small ones
suppressed (SPEC §11). Case workers' start page lists their teams."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse

from modules.models import ManagementApproval
from referrals.models import Referral
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
from rehab.models import Deviation, Forbund
from reporting.disclosure import suppress_table


@login_required
def start(request):
    """Each role's start page."""
    access = get_access(request.user)
    role = access.primary_role
    if role in (ADMIN, HANDLEDARE):
        teams = selectors.team_summaries(access.team_ids())
        context = {"role": role, "role_as_person": ROLE_AS_PERSON[role], "teams": teams}
        if role == ADMIN:
            context["todo"] = manager_todo(access.team_ids(ADMIN))
        return render(request, "rehab/start_team.html", context)
    if role in (FORBUND, STYRGRUPP):
        return render(
            request,
            "rehab/start_forbund.html",
            {"role_as_person": ROLE_AS_PERSON[role], **_overview_context(access)},
        )
    return render(request, "rehab/start_norole.html")


def _plural(n, one, many):
    return f"{n} {one if n == 1 else many}"


def manager_todo(team_ids) -> list[dict]:
    """The unit manager's "Att göra" (issue #22): what waits on her in her teams – management
    approvals to decide, referrals not yet decided, deviations not reported – as counts with a
    link each (three counting queries; the names are behind the links)."""
    approvals = ManagementApproval.objects.filter(
        enrolment__team_id__in=team_ids,
        enrolment__registered_in_error=False,
        status=ManagementApproval.Status.PENDING,
    ).count()
    waiting = Referral.objects.filter(
        Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids),
        status__in=[Referral.Status.RECEIVED, Referral.Status.ASSESSING],
    )
    received = waiting.filter(status=Referral.Status.RECEIVED).count()
    assessing = waiting.filter(status=Referral.Status.ASSESSING).count()
    unreported = Deviation.objects.filter(
        enrolment__team_id__in=team_ids,
        enrolment__registered_in_error=False,
        reported_at__isnull=True,
    ).count()
    todo = []
    if approvals:
        todo.append(
            {
                "text": _plural(approvals, "ledningsgruppsbeslut", "ledningsgruppsbeslut")
                + " att registrera",
                "url": reverse("modules:approval_list"),
            }
        )
    for count, status, label in (
        (received, Referral.Status.RECEIVED, "mottagna, inte bedömda"),
        (assessing, Referral.Status.ASSESSING, "under bedömning"),
    ):
        if count:
            todo.append(
                {
                    "text": f"{_plural(count, 'remiss', 'remisser')} {label}",
                    "url": f"{reverse('referral_list')}?status={status}",
                }
            )
    if unreported:
        todo.append(
            {
                "text": _plural(unreported, "avvikelse", "avvikelser")
                + " inte rapporterade (syns överst på deltagarens sida)",
                "url": "",
            }
        )
    return todo


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
