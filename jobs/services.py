"""Every write on jobs: enqueue, download (which deletes the file), delete the expired."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.registry import runner
from jobs.tasks import run_job


def job_enqueue(
    *, kind: str, user, label: str, params: dict, back_url: str = "", queue_name: str = ""
) -> Job:
    """A queued job for `user`; the worker starts it once this transaction has committed.
    `queue_name` puts it on another queue than the default (the purge's, for the worker that
    holds the purge credential)."""
    runner(kind)  # an unknown kind fails here, in the request, not later in the worker
    job = Job.objects.create(
        kind=kind,
        user=user,
        label=label,
        params=params,
        back_url=back_url,
        expires_at=timezone.now() + timedelta(hours=settings.JOB_RESULT_HOURS),
    )
    task = run_job.using(queue_name=queue_name) if queue_name else run_job
    transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    content_type: str


def job_download(*, job: Job) -> Download | None:
    """The job's file, taken out of the database: a second download finds nothing. None when
    it was downloaded already (or is not finished)."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if not locked.has_file:
            return None
        download = Download(bytes(locked.result), locked.result_name, locked.result_type)
        locked.result = None
        locked.downloaded = True
        locked.save(update_fields=["result", "downloaded"])
    return download


def jobs_delete_expired(*, now=None) -> int:
    """Delete the jobs past their time, with any file not downloaded. A job still running is
    left until it has finished."""
    now = now or timezone.now()
    deleted, _ = (
        Job.objects.filter(expires_at__lte=now)
        .exclude(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .delete()
    )
    return deleted
