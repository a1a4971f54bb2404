"""Budget follow-up pages (SPEC §10). The team's admin (enhetschef) writes the budget and the
actual costs; förbund officers and the steering group of the förbund funding the team read the
follow-up, with the counts behind the per-participant figures disclosure controlled.
Handledare get 403; another team's admin gets 404, so a team's budget is not even confirmed."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import conflicts
from common.cells import format_kronor
from common.months import MONTH_NAMES
from rehab.access import ADMIN, FORBUND, STYRGRUPP, get_access, role_required
from reporting import pending as pending_imports
from reporting.budget import importing as budget_import
from reporting.budget.followup import (
    RULES,
    budget_editable_teams,
    budget_followup,
    budget_viewable_teams,
    present,
    visible_budgets,
)
from reporting.budget.forms import (
    ActualsGridForm,
    ActualsUploadForm,
    AsOfForm,
    BudgetLineFormSet,
    BudgetOpenForm,
    ImportConfirmForm,
)
from reporting.budget.services import (
    FIRST_YEAR,
    LAST_YEAR,
    LineInput,
    actuals_save,
    budget_save,
)
from reporting.models import ActualCost, Budget, BudgetLine, PendingImport
from reporting.scopes import is_exact, threshold_for

SESSION_KEY = "budget_import"
VIEWERS = (ADMIN, FORBUND, STYRGRUPP)


def _lines_state(team, year) -> dict:
    """The budget's lines as they stand, for the lost-update check of the budget page."""
    lines = BudgetLine.objects.filter(budget__team=team, budget__year=year).order_by("pk")
    return {
        str(line.pk): f"{line.name}: {format_kronor(line.amount)}"
        + (" (utanför förbundets medel)" if line.outside_grant else "")
        for line in lines
    }


def _actuals_state(budget) -> dict:
    """The actual costs as they stand, for the lost-update check of the grid."""
    rows = ActualCost.objects.filter(line__budget=budget).order_by("line_id", "month")
    return {
        f"{line_id}:{month}": format_kronor(amount)
        for line_id, month, amount in rows.values_list("line_id", "month", "amount")
    }


def _lock_budget(team, year):
    """Lock the team's budget row for the year (if there is one) for the check-and-save."""
    return Budget.objects.select_for_update().filter(team=team, year=year).first()


def _team_for_user(request, team_id: int, year: int, *, edit: bool = False):
    """The team if the user may see its budget (404 otherwise); for `edit`, only its admin
    (403 for a förbund or steering-group user who may read it)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    team = budget_viewable_teams(request.user).select_related("forbund").filter(pk=team_id).first()
    if team is None:
        raise Http404
    if edit and not get_access(request.user).is_admin_of(team.pk):
        raise PermissionDenied("Bara enhetschefen för teamet kan ändra budget och utfall.")
    return team


def _no_budget(team, year) -> str:
    return f"Det finns ingen budget för {team.name} {year} ännu. Lägg upp den först."


def _budget(team, year):
    return Budget.objects.filter(team=team, year=year).select_related("team").first()


@require_GET
@role_required(*VIEWERS)
def budget_index(request):
    editable = budget_editable_teams(request.user).order_by("name")
    can_edit = editable.exists()
    form = None
    if can_edit:
        if "team" in request.GET or "ar" in request.GET:
            form = BudgetOpenForm(request.GET, teams=editable)
            if form.is_valid():
                team, year = form.cleaned_data["team"], form.cleaned_data["ar"]
                target = "budget_followup" if _budget(team, year) else "budget_edit"
                return redirect(target, team_id=team.pk, year=year)
        else:
            form = BudgetOpenForm(teams=editable, initial={"ar": timezone.localdate().year})
    return render(
        request,
        "reporting/budget/index.html",
        {"budgets": visible_budgets(request.user), "form": form},
        status=400 if form is not None and form.is_bound else 200,
    )


@require_GET
@role_required(*VIEWERS)
def budget_followup_page(request, team_id, year):
    team = _team_for_user(request, team_id, year)
    form = AsOfForm(request.GET or None, year=year)
    as_of, status = None, 200
    if form.is_bound:
        if form.is_valid():
            as_of = form.cleaned_data["per"]
        else:
            status = 400
    followup = budget_followup(team, year, as_of)
    can_edit = get_access(request.user).is_admin_of(team.pk)
    if followup is None:
        return render(
            request,
            "reporting/budget/missing.html",
            {"team": team, "year": year, "can_edit": can_edit},
            status=404,
        )
    if status == 200:
        form = AsOfForm(initial={"per": followup.as_of}, year=year)
    return render(
        request,
        "reporting/budget/followup.html",
        {
            "team": team,
            "year": year,
            "form": form,
            "view": present(
                followup, exact=is_exact(request.user, [team]), threshold=threshold_for([team])
            ),
            "rules": RULES,
            "can_edit": can_edit,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def budget_edit(request, team_id, year):
    team = _team_for_user(request, team_id, year, edit=True)
    budget = _budget(team, year)
    lines = list(budget.lines.order_by("order", "pk")) if budget else []
    initial = [
        {
            "id": line.pk,
            "name": line.name,
            "amount": line.amount,
            "outside_grant": line.outside_grant,
        }
        for line in lines
    ]
    status = 200
    salt = f"budget-lines:{team.pk}:{year}"
    changes = []
    # On a page sent back with errors the version stays the one the user loaded.
    version = request.POST.get(conflicts.FIELD, "")
    if request.method == "GET":
        version = conflicts.seal(_lines_state(team, year), salt)
    if request.method == "POST":
        formset = BudgetLineFormSet(request.POST, initial=initial, prefix="rader")
        if formset.is_valid():
            wanted = [
                LineInput(
                    id=form.cleaned_data.get("id"),
                    name=form.cleaned_data["name"],
                    amount=form.cleaned_data["amount"],
                    # The grid shows the flag on every line, so what it sends is wanted;
                    # a form without the field (an older page) keeps the stored flag.
                    outside_grant=(
                        form.cleaned_data["outside_grant"]
                        if form.add_prefix("outside_grant") in request.POST
                        or f"{form.prefix}-present" in request.POST
                        else None
                    ),
                )
                for form in formset.forms
                if not formset._should_delete_form(form) and not form.is_blank
            ]
            try:
                outcome = conflicts.save_unless_state_changed(
                    version,
                    salt=salt,
                    lock=lambda: _lock_budget(team, year),
                    state=lambda: _lines_state(team, year),
                    save=lambda: budget_save(team=team, year=year, lines=wanted, by=request.user),
                    label=lambda _key: "Budgetrad",
                )
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                if not outcome.changes:
                    messages.success(request, f"Budgeten för {team.name} {year} är sparad.")
                    return redirect("budget_followup", team_id=team.pk, year=year)
                changes, version = outcome.changes, outcome.version
        status = 409 if changes else 400
    else:
        formset = BudgetLineFormSet(initial=initial, prefix="rader")
        if not lines:
            # A new budget: room for the eight lines of a typical team budget.
            formset.extra = 8
    return render(
        request,
        "reporting/budget/edit.html",
        {
            "team": team,
            "year": year,
            "budget": budget,
            "formset": formset,
            "loaded_version": version,
            "conflict_changes": changes,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def budget_actuals(request, team_id, year):
    team = _team_for_user(request, team_id, year, edit=True)
    budget = _budget(team, year)
    if budget is None:
        messages.info(request, _no_budget(team, year))
        return redirect("budget_edit", team_id=team.pk, year=year)
    lines = list(BudgetLine.objects.filter(budget=budget).order_by("order", "pk"))
    actuals = {
        (line_id, month): amount
        for line_id, month, amount in ActualCost.objects.filter(line__budget=budget).values_list(
            "line_id", "month", "amount"
        )
    }
    today = timezone.localdate()
    form_kwargs = {"budget": budget, "lines": lines, "actuals": actuals, "today": today}
    status = 200
    salt = f"budget-actuals:{budget.pk}"
    changes = []
    # On a page sent back with errors the version stays the one the user loaded.
    version = request.POST.get(conflicts.FIELD, "")
    if request.method == "GET":
        version = conflicts.seal(_actuals_state(budget), salt)
    if request.method == "POST":
        form = ActualsGridForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                outcome = conflicts.save_unless_state_changed(
                    version,
                    salt=salt,
                    lock=lambda: _lock_budget(team, year),
                    state=lambda: _actuals_state(budget),
                    save=lambda: actuals_save(
                        budget=budget, cells=form.changed_cells(), by=request.user, today=today
                    ),
                    label=_cell_label(lines),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                if not outcome.changes:
                    messages.success(request, outcome.result.summary())
                    return redirect("budget_followup", team_id=team.pk, year=year)
                changes, version = outcome.changes, outcome.version
        # A refused grid is told once, in the page's error summary, not again as a message.
        status = 409 if changes else 400
    else:
        form = ActualsGridForm(**form_kwargs)
    return render(
        request,
        "reporting/budget/actuals.html",
        {
            "team": team,
            "year": year,
            "form": form,
            "lines": lines,
            "loaded_version": version,
            "conflict_changes": changes,
        },
        status=status,
    )


def _cell_label(lines):
    names = {str(line.pk): line.name for line in lines}

    def label(key):
        line_id, month = key.split(":")
        return f"{names.get(line_id, 'Budgetrad')}, {MONTH_NAMES[int(month) - 1]}"

    return label


# --- Import of actual costs: upload → preview → confirm ------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def budget_import_upload(request, team_id, year):
    team = _team_for_user(request, team_id, year, edit=True)
    budget = _budget(team, year)
    if budget is None:
        messages.info(request, _no_budget(team, year))
        return redirect("budget_edit", team_id=team.pk, year=year)
    status = 200
    if request.method == "POST":
        form = ActualsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            pending_imports.keep(
                request,
                SESSION_KEY,
                kind=PendingImport.Kind.ACTUALS,
                content=form.content,
                filename=form.cleaned_data["file"].name,
                budget=budget,
            )
            return redirect("budget_import_preview", team_id=team.pk, year=year)
        status = 400
    else:
        form = ActualsUploadForm()
    return render(
        request,
        "reporting/budget/import_upload.html",
        {
            "team": team,
            "year": year,
            "form": form,
            "line_names": list(
                budget.lines.order_by("order", "pk").values_list("name", flat=True)
            ),
        },
        status=status,
    )


def _pending(request, team, year):
    """(pending, budget, plan) for the file waiting for confirmation, or a redirect."""
    try:
        pending = pending_imports.current(request, SESSION_KEY, PendingImport.Kind.ACTUALS)
    except pending_imports.Expired:
        messages.error(request, pending_imports.expired_message())
        return redirect("budget_import", team_id=team.pk, year=year)
    budget = _budget(team, year)
    if pending is None or budget is None or pending.budget_id != budget.pk:
        messages.info(
            request, "Det finns ingen uppladdad fil för den här budgeten. Ladda upp filen."
        )
        return redirect("budget_import", team_id=team.pk, year=year)
    try:
        rows = budget_import.parse(pending_imports.content(pending), pending.filename)
    except budget_import.ImportFileError as e:
        pending_imports.discard(request, SESSION_KEY)
        messages.error(request, str(e))
        return redirect("budget_import", team_id=team.pk, year=year)
    plan = budget_import.validate(rows, budget=budget, today=timezone.localdate())
    return pending, budget, plan


@require_GET
@role_required(ADMIN)
def budget_import_preview(request, team_id, year):
    team = _team_for_user(request, team_id, year, edit=True)
    found = _pending(request, team, year)
    if not isinstance(found, tuple):
        return found
    pending, _budget_obj, plan = found
    return render(
        request,
        "reporting/budget/import_preview.html",
        {
            "team": team,
            "year": year,
            "filename": pending.filename,
            "plan": plan,
            "confirm_form": ImportConfirmForm(initial={"sha256": pending.sha256}),
        },
    )


@require_POST
@role_required(ADMIN)
def budget_import_confirm(request, team_id, year):
    team = _team_for_user(request, team_id, year, edit=True)
    found = _pending(request, team, year)
    if not isinstance(found, tuple):
        return found
    pending, _budget_obj, plan = found
    form = ImportConfirmForm(request.POST)
    if not form.is_valid() or form.cleaned_data["sha256"] != pending.sha256:
        messages.error(
            request,
            "Filen har bytts ut sedan förhandsgranskningen. Granska den nya filen och "
            "bekräfta igen.",
        )
        return redirect("budget_import_preview", team_id=team.pk, year=year)
    if not plan.ok:
        messages.error(request, "Filen har fel och importerades inte. Se raderna nedan.")
        return redirect("budget_import_preview", team_id=team.pk, year=year)
    try:
        result = budget_import.apply(plan, by=request.user, today=timezone.localdate())
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("budget_import_preview", team_id=team.pk, year=year)
    pending_imports.discard(request, SESSION_KEY)
    messages.success(request, "Importen är klar. " + result.summary())
    return redirect("budget_followup", team_id=team.pk, year=year)


@require_POST
@role_required(ADMIN)
def budget_import_cancel(request, team_id, year):
    team = _team_for_user(request, team_id, year, edit=True)
    pending_imports.discard(request, SESSION_KEY)
    messages.info(request, "Importen avbröts. Inget sparades.")
    return redirect(reverse("budget_followup", kwargs={"team_id": team.pk, "year": year}))
