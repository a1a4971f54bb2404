"""A job's status page (with its progress bar), the status as JSON for static/js/job-status.js,
and the download of its file. Only the user who asked sees any of it; others get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from jobs import services
from jobs.selectors import job_for_user


@require_GET
@login_required
def job_detail(request, pk):
    job = job_for_user(request.user, pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@require_GET
@login_required
def job_status(request, pk):
    job = job_for_user(request.user, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "total": job.total,
            "finished": job.finished,
        }
    )


@require_GET
@login_required
def job_download(request, pk):
    job = job_for_user(request.user, pk)
    download = services.job_download(job=job)
    if download is None:
        messages.error(
            request,
            "Filen finns inte längre: den är redan hämtad eller borttagen. Beställ den igen.",
        )
        return redirect(reverse("jobs:job_detail", args=[job.pk]))
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    return response
