"""The dashboards under /instrumentpanel/: one page with every figure, and each figure as a
CSV file. Förbund officers and steering-group members see their förbund's teams with small
counts suppressed; a unit manager sees the teams they manage with exact counts. Nothing here
reads personal data."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.cells import escape_text
from common.responses import csv_response
from rehab import freshness
from rehab.access import ADMIN, FORBUND, STYRGRUPP, role_required
from reporting.dashboards.dashboard import FIGURE_KEYS, dashboard
from reporting.dashboards.forms import DashboardForm
from reporting.scopes import DASHBOARD, is_exact, report_scopes


def _form(request):
    scopes = report_scopes(request.user, DASHBOARD)
    today = timezone.localdate()
    data = request.GET.copy()
    if scopes:
        data.setdefault("scope", scopes[0].key)
    data.setdefault("ar", str(today.year))
    return DashboardForm(data, scopes=scopes, this_year=today.year), scopes, today


def _compute(request, form, today):
    """Every figure of the page, cached per scope, year and the data versions of its teams
    (rehab/freshness.py): the whole-förbund figures take seconds at national scale and change
    only with a write to one of them."""
    scope, year = form.selected_scope, form.cleaned_data["ar"]
    exact = is_exact(request.user, scope)
    teams = tuple(t.pk for t in scope.teams)
    parts = (scope.key, scope.label, teams, year, exact, scope.threshold, today)
    return freshness.cached(
        "dashboard", parts, lambda: dashboard(scope, year, exact=exact, today=today), teams=teams
    )


def _page(request, form, scopes, board=None, status=200):
    return render(
        request,
        "reporting/dashboards/dashboard.html",
        {"form": form, "scopes": scopes, "board": board},
        status=status,
    )


@require_GET
@role_required(ADMIN, FORBUND, STYRGRUPP)
def dashboard_page(request):
    form, scopes, today = _form(request)
    if not scopes:
        return _page(request, None, scopes)
    if not form.is_valid():
        return _page(request, form, scopes, status=400)
    return _page(request, form, scopes, _compute(request, form, today))


@require_GET
@role_required(ADMIN, FORBUND, STYRGRUPP)
def dashboard_csv(request, figure):
    if figure not in FIGURE_KEYS:
        raise Http404
    form, scopes, today = _form(request)
    if not scopes:
        raise Http404
    if not form.is_valid():
        return _page(request, form, scopes, status=400)
    board = _compute(request, form, today)
    chosen = board.figure(figure)
    if chosen is None:
        # The budget figure of teams without a budget for the year.
        raise Http404
    name = f"instrumentpanel_{figure}_{board.scope.key}_{board.year}.csv"
    rows = [[escape_text(str(value)) for value in row] for row in chosen.csv_rows()]
    return csv_response(rows, name)
