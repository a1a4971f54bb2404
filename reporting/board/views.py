"""The board report pages and files: for the admin of the team(s) with exact numbers, for
förbund officers and the steering group (LSG) disclosure-controlled. Only the admin writes
the text for the board; the others read it. Nothing here reads personal data."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from common import conflicts
from common.responses import attachment, csv_response
from jobs.services import job_enqueue
from rehab.access import ADMIN, FORBUND, STYRGRUPP, role_required
from reporting.board import exports, services
from reporting.board.files import (
    BOARD_FILE_JOB,
    JOB_FORMATS,
    board_job_params,
    board_view,
    forecast_view,
    report_heading,
)
from reporting.board.forms import BoardNoteForm, BoardReportForm
from reporting.board.national import national_cells, national_followup
from reporting.board.selectors import board_note, board_note_locked
from reporting.board.soft_rules import board_soft_rules
from reporting.scopes import BOARD, is_exact, report_scopes

# "csv" is the table for people (Swedish headings, byte-order mark); "nycklar" the same table
# with the keys of SPEC §12, byte for byte what `manage.py board_report` prints. The PDF and
# the Excel workbook are jobs (`board_report_job`): they take seconds to make.
FORMATS = (
    "csv",
    "nycklar",
    "halvarstabell-csv",
    "halvarstabell-xlsx",
    "nationell",
)


def _report_form(request, data, *, defaults=True):
    scopes = report_scopes(request.user, BOARD)
    today = timezone.localdate()
    if defaults and (data is None or "scope" not in data):
        # First visit: the first report the user may open, this year so far.
        data = {
            "scope": scopes[0].key if scopes else "",
            "fran": date(today.year, 1, 1).isoformat(),
            "till": today.isoformat(),
            "ar": str(today.year),
        }
    return BoardReportForm(data, scopes=scopes), scopes


def _query(scope, date_from, date_to):
    return urlencode(
        {"scope": scope.key, "fran": date_from.isoformat(), "till": date_to.isoformat()}
    )


def _note_salt(scope, date_from, date_to) -> str:
    return f"board-note:{scope.key}:{date_from}:{date_to}"


def _note_state(note) -> dict:
    return {"text": note.text if note else ""}


def _page(request, form, scopes, *, note_form=None, status=200, note_changes=(), version=None):
    context = {"form": form, "scopes": scopes}
    if form.is_valid():
        scope, date_from, date_to = (
            form.selected_scope,
            form.cleaned_data["fran"],
            form.cleaned_data["till"],
        )
        exact = is_exact(request.user, scope)
        note = board_note(scope, date_from, date_to)
        view = board_view(scope.teams, date_from, date_to, exact)
        # Show the dates the quick choices resolved to.
        context["form"] = BoardReportForm(
            initial={
                "scope": scope.key,
                "fran": date_from,
                "till": date_to,
                "ar": form.cleaned_data.get("ar") or date_from.year,
            },
            scopes=scopes,
        )
        context.update(
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            period_name=exports.period_name(date_from, date_to),
            view=view,
            forecast=forecast_view(scope.teams, date_to, view, exact),
            exact=exact,
            note=note,
            note_form=note_form or (BoardNoteForm(instance=note) if exact else None),
            query=_query(scope, date_from, date_to),
            job_formats=[("xlsx", "Excel"), ("pdf", "PDF för styrelsen")],
            note_version=version
            or conflicts.seal(_note_state(note), _note_salt(scope, date_from, date_to)),
            conflict_changes=list(note_changes),
            # Counts of a few people per kommun: for the exact viewer only (SPEC §11, §13).
            soft_rules=board_soft_rules(scope.teams, date_from=date_from, date_to=date_to)
            if exact
            else [],
        )
    return render(request, "reporting/board.html", context, status=status)


@require_GET
@role_required(ADMIN, FORBUND, STYRGRUPP)
def board_report(request):
    form, scopes = _report_form(request, request.GET or None)
    if not scopes:
        return render(request, "reporting/board.html", {"form": None, "scopes": []})
    return _page(request, form, scopes, status=200 if form.is_valid() else 400)


@require_GET
@role_required(ADMIN, FORBUND, STYRGRUPP)
def board_report_export(request, fmt):
    if fmt not in FORMATS:
        raise Http404
    form, scopes = _report_form(request, request.GET)
    if not form.is_valid():
        messages.error(request, "Filen kunde inte skapas: rätta uppgifterna nedan.")
        return _page(request, form, scopes, status=400)
    scope, date_from, date_to = (
        form.selected_scope,
        form.cleaned_data["fran"],
        form.cleaned_data["till"],
    )
    exact = is_exact(request.user, scope)
    if fmt == "nationell":
        report = national_followup(teams=scope.teams, date_from=date_from, date_to=date_to)
        name = exports.filename(
            scope.slug_name, date_from, date_to, "csv", prefix="uppfoljning_finsam"
        )
        cells = national_cells(report, exact=exact, threshold=scope.threshold)
        return csv_response(exports.national_rows(cells), name)
    if fmt.startswith("halvarstabell"):
        # Each team's row is that team's own table, as exact as the scope's page.
        teams = [(t.name, board_view([t], date_from, date_to, exact)) for t in scope.teams]
        extension = fmt.removeprefix("halvarstabell-")
        name = exports.filename(
            scope.slug_name, date_from, date_to, extension, prefix="halvarstabell"
        )
        if extension == "csv":
            return csv_response(exports.half_year_rows(teams, date_from, date_to), name)
        heading = report_heading(scope, date_from, date_to, note=None)
        return attachment(exports.half_year_xlsx(teams, heading), extension, name)
    view = board_view(scope.teams, date_from, date_to, exact)
    if fmt == "nycklar":
        name = exports.filename(
            scope.slug_name, date_from, date_to, "csv", prefix="styrelserapport_nycklar"
        )
        return attachment(exports.board_csv(view).encode("utf-8"), "csv", name)
    name = exports.filename(scope.slug_name, date_from, date_to, fmt)
    return csv_response(exports.table_rows(view), name)


@require_POST
@role_required(ADMIN, FORBUND, STYRGRUPP)
def board_report_job(request, fmt):
    """Orders the PDF or Excel file as a job (2–5 s of work, not in the request) and shows its
    status page, where the file is downloaded when it is ready."""
    if fmt not in JOB_FORMATS:
        raise Http404
    form, _scopes = _report_form(request, request.POST, defaults=False)
    if not form.is_valid():
        messages.error(request, "Filen kunde inte beställas: välj rapport och period på nytt.")
        return redirect("board_report")
    scope, date_from, date_to = (
        form.selected_scope,
        form.cleaned_data["fran"],
        form.cleaned_data["till"],
    )
    job = job_enqueue(
        kind=BOARD_FILE_JOB,
        user=request.user,
        label=f"{JOB_FORMATS[fmt]}, {scope.label} {date_from:%Y-%m-%d} – {date_to:%Y-%m-%d}",
        params=board_job_params(scope, date_from, date_to, fmt),
        back_url=f"{reverse('board_report')}?{_query(scope, date_from, date_to)}",
    )
    return redirect("jobs:job_detail", pk=job.pk)


@require_POST
@role_required(ADMIN)
def board_note_save(request):
    form, scopes = _report_form(request, request.POST, defaults=False)
    if not form.is_valid():
        messages.error(request, "Texten sparades inte: rapport och period måste anges.")
        return _page(request, form, scopes, status=400)
    scope, date_from, date_to = (
        form.selected_scope,
        form.cleaned_data["fran"],
        form.cleaned_data["till"],
    )
    if not is_exact(request.user, scope):
        raise PermissionDenied("Bara enhetschefen för teamet kan skriva texten till styrelsen.")
    note_form = BoardNoteForm(request.POST)
    salt = _note_salt(scope, date_from, date_to)
    changes, version = [], request.POST.get(conflicts.FIELD, "")
    if note_form.is_valid():
        try:
            outcome = conflicts.save_unless_state_changed(
                version,
                salt=salt,
                # Reads the note's row with select_for_update: the lock of the check.
                state=lambda: _note_state(board_note_locked(scope, date_from, date_to)),
                save=lambda: services.board_note_save(
                    scope=scope,
                    date_from=date_from,
                    date_to=date_to,
                    text=note_form.cleaned_data["text"],
                    by=request.user,
                ),
                label=lambda _key: "Texten",
            )
        except ValidationError as error:
            note_form.add_error("text", error)
        else:
            if not outcome.changes:
                messages.success(request, "Texten till styrelsen är sparad.")
                return redirect(f"{reverse('board_report')}?{_query(scope, date_from, date_to)}")
            changes, version = outcome.changes, outcome.version
    return _page(
        request,
        form,
        scopes,
        note_form=note_form,
        status=409 if changes else 400,
        note_changes=changes,
        version=version,
    )
