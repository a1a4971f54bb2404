"""Import of enrolments in the browser: upload → preview → confirm (admins of the team only).

Nothing is saved before the admin confirms. Between preview and confirmation the uploaded file
is kept server-side as a `PendingImport` row for 30 minutes (reporting.pending; the session
holds only its id, and the file never goes to disk: uploads are read into memory and capped at
MAX_UPLOAD_BYTES), and it is parsed and validated again on confirmation."""

import io

import openpyxl
import openpyxl.styles
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from common.responses import attachment, csv_text
from jobs.services import job_enqueue
from privacy.recorder import Actor
from rehab.access import ADMIN, get_access, role_required
from rehab.models import INCOME_BITS, Team
from reporting import imports as importing
from reporting import pending as pending_imports
from reporting.imports import job as import_job
from reporting.imports.forms import ImportConfirmForm, ImportUploadForm
from reporting.models import PendingImport
from reporting.uploads import MemoryOnlyUploadHandler

SESSION_KEY = "reporting_import"
ROWS_PER_PAGE = 100


# The upload handlers must be replaced before anything reads request.POST, and the CSRF check
# reads it: so CSRF protection is applied inside, after the swap (Django's documented pattern).
@csrf_exempt
@role_required(ADMIN)
def import_upload(request):
    handler = MemoryOnlyUploadHandler(request, limit=importing.MAX_UPLOAD_BYTES)
    request.upload_handlers = [handler]
    return _import_upload(request, handler)


@csrf_protect
def _import_upload(request, handler):
    if request.method == "POST":
        form = ImportUploadForm(
            request.POST, request.FILES, user=request.user, too_large=handler.too_large
        )
        if form.is_valid():
            pending_imports.keep(
                request,
                SESSION_KEY,
                kind=PendingImport.Kind.ENROLMENTS,
                content=form.content,
                filename=form.cleaned_data["file"].name,
                team=form.cleaned_data["team"],
            )
            return redirect("import_preview")
    else:
        form = ImportUploadForm(user=request.user)
    return render(
        request,
        "reporting/import_upload.html",
        {
            "form": form,
            "columns": importing.COLUMNS,
            "income_codes": list(INCOME_BITS),
            "reimport_rule": importing.REIMPORT_RULE,
            "has_teams": form.fields["team"].queryset.exists(),
        },
    )


TEMPLATE_COLUMNS = (*importing.COLUMNS, *importing.OPTIONAL_COLUMNS)


@require_GET
@role_required(ADMIN)
def import_template(request, fmt):
    """An empty import file to fill in: the header row of SPEC §12 (and the optional income
    column), as CSV for Excel or as an Excel workbook with the header frozen."""
    if fmt == "csv":
        return attachment(
            csv_text([TEMPLATE_COLUMNS], bom=True).encode("utf-8"), "csv", "importmall.csv"
        )
    if fmt != "xlsx":
        raise Http404
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Inskrivningar"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = openpyxl.styles.Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(cell.value) + 4)
    sheet.freeze_panes = "A2"
    body = io.BytesIO()
    workbook.save(body)
    return attachment(body.getvalue(), "xlsx", "importmall.xlsx")


def _pending(request, missing_message):
    """The uploaded file waiting for confirmation as (pending, team, rows), or a redirect to
    the upload page with `missing_message` when there is none. The user must still be the
    team's admin: roles can change between two requests."""
    try:
        pending = pending_imports.current(request, SESSION_KEY, PendingImport.Kind.ENROLMENTS)
    except pending_imports.Expired:
        messages.error(request, pending_imports.expired_message())
        return redirect("import_upload")
    if pending is None:
        messages.info(request, missing_message)
        return redirect("import_upload")
    if not get_access(request.user).is_admin_of(pending.team_id):
        pending_imports.discard(request, SESSION_KEY)
        raise PermissionDenied("Du är inte enhetschef för teamet.")
    team = Team.objects.get(pk=pending.team_id)
    refusal = importing.team_refusal(team)
    try:
        if refusal:
            raise importing.ImportFileError(refusal)
        rows = importing.parse_file(pending_imports.content(pending), pending.filename)
    except importing.ImportFileError as e:
        pending_imports.discard(request, SESSION_KEY)
        messages.error(request, str(e))
        return redirect("import_upload")
    return pending, team, rows


@role_required(ADMIN)
def import_preview(request):
    found = _pending(request, "Det finns ingen uppladdad fil att förhandsgranska.")
    if not isinstance(found, tuple):
        return found
    pending, team, rows = found
    plan = importing.validate_rows(rows, team=team, today=timezone.localdate())
    page = Paginator(plan.rows, ROWS_PER_PAGE).get_page(request.GET.get("sida"))
    return render(
        request,
        "reporting/import_preview.html",
        {
            "team": team,
            "filename": pending.filename,
            "plan": plan,
            "row_count": len(rows),
            "page": page,
            "confirm_form": ImportConfirmForm(initial={"sha256": pending.sha256}),
            "summary": importing.summary(
                enrolments=plan.new_enrolments,
                participants=plan.new_participants,
                unchanged=plan.unchanged,
            ),
            "reimport_rule": importing.REIMPORT_RULE,
            "as_job": import_job.runs_as_job(len(rows)),
            "job_rows": settings.IMPORT_JOB_ROWS,
        },
    )


@require_POST
@role_required(ADMIN)
def import_confirm(request):
    found = _pending(request, "Det finns ingen fil att importera. Ladda upp filen igen.")
    if not isinstance(found, tuple):
        return found
    pending, team, rows = found
    form = ImportConfirmForm(request.POST)
    if not form.is_valid() or form.cleaned_data["sha256"] != pending.sha256:
        messages.error(
            request,
            "Filen har bytts ut sedan förhandsgranskningen. Granska den nya filen och bekräfta "
            "igen.",
        )
        return redirect("import_preview")
    if import_job.runs_as_job(len(rows)):
        return _confirm_as_job(request, pending, team, rows)
    plan = importing.validate_rows(rows, team=team, today=timezone.localdate())
    if not plan.ok:
        messages.error(request, "Filen har fel och importerades inte. Se raderna nedan.")
        return redirect("import_preview")
    try:
        result = importing.import_apply(
            plan, team=team, by=request.user, file_hash=pending.sha256, channel="webb"
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("import_preview")
    pending_imports.discard(request, SESSION_KEY)
    messages.success(
        request,
        importing.summary(
            enrolments=result.created_enrolments,
            participants=result.created_participants,
            unchanged=result.unchanged,
        ),
    )
    return redirect("team_detail", pk=team.pk)


def _confirm_as_job(request, pending, team, rows):
    """A large file is validated and written by the worker (the same checks again, all rows
    or none) and the admin watches its status page. The session forgets the file now, so it
    cannot be confirmed twice; the job deletes it when it has run."""
    job = job_enqueue(
        kind=import_job.IMPORT_JOB,
        user=request.user,
        label=f"Import av inskrivningar till {team.name} ({len(rows)} rader)",
        params=import_job.import_job_params(pending, actor=Actor.of(request)),
        back_url=reverse("team_detail", args=[team.pk]),
    )
    request.session.pop(SESSION_KEY, None)
    return redirect("jobs:job_detail", pk=job.pk)


@require_POST
@role_required(ADMIN)
def import_cancel(request):
    pending_imports.discard(request, SESSION_KEY)
    messages.info(request, "Importen avbröts. Inget sparades.")
    return redirect("import_upload")
