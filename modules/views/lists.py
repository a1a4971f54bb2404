"""Module occupancy, the deadline list and the calendar feed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from modules import forms, ical, rules, selectors, services
from modules.views._common import (
    CASE_ROLES,
    FEED_URL_SESSION_KEY,
    PAGE_SIZE,
    enrolment_url,
)
from rehab.access import (
    get_access,
    role_required,
    teams_for,
)


@role_required(*CASE_ROLES)
def module_list(request):
    modules = selectors.modules_for_teams(get_access(request.user).team_ids())
    return render(request, "modules/module_list.html", {"modules": modules})


@role_required(*CASE_ROLES)
def module_detail(request, pk):
    module = selectors.module_for_user(request.user, pk)
    if module is None:
        raise Http404
    today = timezone.localdate()
    placements = [
        (p, rules.deadline_status(p.next_review_due, as_of=today))
        for p in selectors.module_placements(module)
    ]
    return render(
        request,
        "modules/module_detail.html",
        {
            "module": module,
            "placements": placements,
            "waiting": selectors.module_waiting_list(module),
        },
    )


# --- Deadlines -------------------------------------------------------------------------------


@role_required(*CASE_ROLES)
def deadline_list(request):
    teams = teams_for(request.user).order_by("name")
    form = forms.DeadlineFilterForm(request.GET or None, teams=teams)
    filters = form.cleaned_data if form.is_valid() else {}
    within = filters.get("within")
    within = selectors.DEFAULT_WITHIN_DAYS if within is None else within
    team = filters.get("team")
    items = selectors.deadlines_for_user(
        request.user,
        as_of=timezone.localdate(),
        within_days=within,
        team_id=team.pk if team else None,
        mine=bool(filters.get("mine")),
        query=filters.get("q", ""),
    )
    if filters.get("kind"):
        items = [d for d in items if d.kind == filters["kind"]]
    if filters.get("status"):
        items = [d for d in items if d.status == filters["status"]]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "modules/deadline_list.html",
        {
            "form": form,
            "page": page,
            "deadlines": page.object_list,
            "within": within,
            "querystring": query.urlencode(),
            "show_team": teams.count() > 1,
        },
    )


@role_required(*CASE_ROLES)
def calendar_feed(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if services.calendar_feed_revoke(by=request.user):
                messages.success(request, "Kalenderlänken är avstängd.")
        else:
            # Only a replaced link is worth a warning; a first link replaces nothing.
            replaces = selectors.has_calendar_feed(request.user)
            token = services.calendar_feed_create(by=request.user)
            request.session[FEED_URL_SESSION_KEY] = request.build_absolute_uri(
                reverse("modules:calendar_ics", args=[token])
            )
            created = "En ny kalenderlänk är skapad."
            if replaces:
                created += " Den tidigare länken gäller inte längre."
            messages.success(request, created)
        return redirect("modules:calendar_feed")
    return render(
        request,
        "modules/calendar_feed.html",
        {
            "feed_url": request.session.pop(FEED_URL_SESSION_KEY, None),
            "has_feed": selectors.has_calendar_feed(request.user),
        },
    )


def calendar_ics(request, token):
    """The deadline feed for calendar programs, which send no session: the secret link is the
    key. Carries no names or personnummer (see modules.ical)."""
    user = selectors.calendar_feed_owner(token)
    if user is None or not get_access(user).has_role(*CASE_ROLES):
        raise Http404
    items = selectors.deadlines_for_user(user, as_of=timezone.localdate(), mine=True)
    body = ical.calendar(
        items,
        url_for=lambda d: request.build_absolute_uri(enrolment_url(d.enrolment)),
        host=request.get_host().split(":")[0],
        now=timezone.now(),
        name="Frister – Finsam",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="frister.ics"'
    return response
