"""Log review, subject-access export and the list of purge runs. Unit managers only."""

import json
from datetime import UTC

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.cells import escape_text
from common.responses import csv_response
from jobs.selectors import job_waiting
from jobs.services import job_enqueue
from privacy import selectors, services
from privacy.actions import action_label, object_type_label
from privacy.exports import SUBJECT_ACCESS_PDF_JOB, subject_access_filename
from privacy.forms import PersonnummerSearchForm, PurgeStartForm, ReviewFilterForm
from privacy.models import AccessLog, PurgeRun
from privacy.recorder import DENIED_PER_MINUTE, note_read
from privacy.services import COUNT_LABELS, PURGE_JOB, PURGE_QUEUE
from rehab.access import ADMIN, log_read, role_required
from rehab.freshness import writes_no_data

REVIEW_SESSION_KEY = "privacy_review_participant"
PAGE_SIZE = 50
CSV_COLUMNS = [
    "tid_utc",
    "anvandare",
    "roll",
    "typ",
    "vad",
    "objekttyp",
    "objekt_id",
    "deltagare_id",
    "deltagare",
    "ip",
    "inloggning",
]


def _review_state(request):
    """The filters of the review: the participant from the session (searched by posted
    personnummer), the rest from the query string."""
    users = list(selectors.team_users(request.user))
    form = ReviewFilterForm(request.GET or None, users=users)
    data = form.cleaned_data if form.is_valid() else {}
    participant = None
    participant_id = request.session.get(REVIEW_SESSION_KEY)
    if participant_id is not None:
        participant = selectors.participant_for_admin(request.user, participant_id)
        if participant is None:
            request.session.pop(REVIEW_SESSION_KEY, None)
    user_id = data.get("user")
    flt = selectors.ReviewFilter(
        participant_id=participant.pk if participant else None,
        user_id=user_id if user_id in {u.pk for u in users} else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        unassigned=bool(data.get("ej_tilldelad")),
        denied=bool(data.get("nekade")),
    )
    return form, participant, flt


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("sida", None)
    return params.urlencode()


@writes_no_data  # the search POST only keeps the participant in the session
@role_required(ADMIN)
def log_review(request):
    search = PersonnummerSearchForm()
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(REVIEW_SESSION_KEY, None)
            return redirect(reverse("privacy:log_review") + _with_query(request))
        search = PersonnummerSearchForm(request.POST)
        if search.is_valid():
            found = selectors.find_participant(request.user, search.cleaned_data["personnummer"])
            if found is not None:
                request.session[REVIEW_SESSION_KEY] = found.pk
                return redirect(reverse("privacy:log_review") + _with_query(request))
            search.add_error(
                "personnummer", "Ingen deltagare med det personnumret finns i dina team."
            )
    form, participant, flt = _review_state(request)
    if participant is not None:
        log_read(request, participant_id=participant.pk, object_type="access_log")
    page = Paginator(selectors.review_entries(request.user, flt), PAGE_SIZE).get_page(
        request.GET.get("sida")
    )
    labels = selectors.participant_labels(request.user, [e.participant_id for e in page])
    rows = [
        {
            "entry": e,
            "role": selectors.role_label(e.role),
            "action": action_label(e.action),
            "object_type": object_type_label(e.object_type),
            "participant": labels.get(e.participant_id)
            or (f"Deltagare nr {e.participant_id}" if e.participant_id else "–"),
        }
        for e in page
    ]
    query = _query(request)
    return render(
        request,
        "privacy/log_review.html",
        {
            "form": form,
            "search": search,
            "participant": participant,
            "page": page,
            "rows": rows,
            "querystring": query,
            "csv_url": reverse("privacy:log_csv") + (f"?{query}" if query else ""),
            "unassigned_explanation": selectors.UNASSIGNED_EXPLANATION,
            "denied_counts": selectors.denied_counts(request.user, flt),
            "denied_per_minute": DENIED_PER_MINUTE,
        },
    )


def _with_query(request) -> str:
    query = _query(request)
    return f"?{query}" if query else ""


def _csv_text(value) -> str:
    return escape_text("" if value is None else str(value))


@role_required(ADMIN)
def log_csv(request):
    """The filtered review as CSV (UTF-8 with BOM for Excel). The export is logged itself."""
    _form, participant, flt = _review_state(request)
    note_read(
        request,
        participant_id=participant.pk if participant else None,
        object_type="access_log",
        kind=AccessLog.Kind.EXPORT,
    )
    entries = selectors.review_entries(request.user, flt)
    user = request.user

    def rows():
        yield CSV_COLUMNS
        batch = []
        for entry in entries.iterator(chunk_size=2000):
            batch.append(entry)
            if len(batch) == 2000:
                yield from _csv_rows(user, batch)
                batch = []
        yield from _csv_rows(user, batch)

    stamp = timezone.localdate().isoformat()
    return csv_response(rows(), f"atkomstlogg_{stamp}.csv", streaming=True)


def _csv_rows(user, batch):
    labels = selectors.participant_labels(user, [e.participant_id for e in batch])
    for e in batch:
        yield [
            e.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            _csv_text(e.user.username if e.user else ""),
            _csv_text(selectors.role_label(e.role)),
            e.get_kind_display(),
            _csv_text(action_label(e.action)),
            _csv_text(object_type_label(e.object_type)),
            _csv_text(e.object_id),
            e.participant_id or "",
            _csv_text(labels.get(e.participant_id, "")),
            e.ip or "",
            e.get_login_method_display() if e.login_method else "",
        ]


# --- Subject-access export ------------------------------------------------------------------


def _subject(request, pk):
    participant = selectors.participant_for_admin(request.user, pk)
    if participant is None:
        raise Http404
    return participant


@role_required(ADMIN)
def subject_access(request, pk):
    participant = _subject(request, pk)
    log_read(request, participant_id=participant.pk, object_type="participant", object_id=pk)
    return render(request, "privacy/subject_access.html", {"participant": participant})


def _export(request, pk, fmt):
    participant = _subject(request, pk)
    data = selectors.subject_access(participant, by=request.user)
    note_read(
        request,
        participant_id=participant.pk,
        object_type="subject_access",
        object_id=fmt,
        kind=AccessLog.Kind.EXPORT,
    )
    return participant, data


def _attachment(response, participant, extension):
    name = subject_access_filename(participant.pk, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(ADMIN)
def subject_access_json(request, pk):
    participant, data = _export(request, pk, "json")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return _attachment(response, participant, "json")


@require_POST
@role_required(ADMIN)
def subject_access_pdf_job(request, pk):
    """Orders the PDF as a job (the page's button): the order is the logged export, the
    worker makes the file, the status page hands it to this user only."""
    participant = _subject(request, pk)
    note_read(
        request,
        participant_id=participant.pk,
        object_type="subject_access",
        object_id="pdf",
        kind=AccessLog.Kind.EXPORT,
    )
    # No name in the job's label: job rows are listed in Django admin.
    job = job_enqueue(
        kind=SUBJECT_ACCESS_PDF_JOB,
        user=request.user,
        label=f"Registerutdrag som PDF (deltagare nr {participant.pk})",
        params={"participant": participant.pk},
        back_url=reverse("privacy:subject_access", args=[participant.pk]),
    )
    return redirect("jobs:job_detail", pk=job.pk)


# --- Purge runs -----------------------------------------------------------------------------


@role_required(ADMIN)
def purge_runs(request):
    page = Paginator(PurgeRun.objects.all(), PAGE_SIZE).get_page(request.GET.get("sida"))
    runs = [
        {"run": run, "counts": [(label, run.counts.get(key, 0)) for key, label in COUNT_LABELS]}
        for run in page
    ]
    return render(
        request,
        "privacy/purge_runs.html",
        {
            "page": page,
            "runs": runs,
            "labels": [label for _k, label in COUNT_LABELS],
            "running": _purge_job_waiting(),
        },
    )


def _purge_job_waiting() -> bool:
    return job_waiting(PURGE_JOB)


@role_required(ADMIN)
def purge_start(request):
    """Start the purge as a job, after a confirmation page that shows what it would remove
    (counts only): it cannot be undone. One purge at a time: a second is refused while one is
    waiting or running, and the purge itself holds a lock (privacy.services.purge)."""
    today = timezone.localdate()
    if request.method == "POST":
        form = PurgeStartForm(request.POST)
        if form.is_valid() and form.cleaned_data["as_of"] != today:
            messages.error(request, "Datumet har ändrats sedan sidan visades. Bekräfta igen.")
            return redirect("privacy:purge_start")
        if form.is_valid():
            if _purge_job_waiting():
                messages.error(
                    request,
                    "En gallring väntar eller pågår redan. Vänta tills den är klar; inget nytt "
                    "startades.",
                )
                return redirect("privacy:purge_runs")
            job = job_enqueue(
                kind=PURGE_JOB,
                user=request.user,
                label=f"Gallring per {today:%Y-%m-%d}",
                params={"as_of": today.isoformat()},
                back_url=reverse("privacy:purge_runs"),
                queue_name=PURGE_QUEUE,
            )
            return redirect("jobs:job_detail", pk=job.pk)
        status = 400
    else:
        form = PurgeStartForm(initial={"as_of": today})
        status = 200
    plan = services.plan(today)
    return render(
        request,
        "privacy/purge_start.html",
        {
            "form": form,
            "as_of": today,
            "counts": [(label, plan[key]) for key, label in COUNT_LABELS],
            "running": _purge_job_waiting(),
        },
        status=status,
    )
