"""Running a job in the worker: the kind's function, its progress, its result or its error."""

import logging

from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.registry import JobFailed, JobFile, Progress, runner

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "Ett oväntat fel inträffade och jobbet avbröts. Inget ändrades. Försök igen, och kontakta "
    "förvaltningen om det händer igen."
)


def _save_progress(job_id: int):
    def save(done: int, total: int) -> None:
        Job.objects.filter(pk=job_id).update(progress=done, total=total)

    return save


def job_run(*, job_id: int) -> None:
    """Run the job once. A job that is no longer queued (run already, or deleted) is left
    alone, so a task delivered twice does the work once."""
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now()
        )
    if not claimed:
        return
    job = Job.objects.get(pk=job_id)
    try:
        outcome = runner(job.kind)(job, Progress(_save_progress(job.pk)))
    except JobFailed as error:
        _finish(job, status=Job.Status.FAILED, error=str(error))
        return
    except Exception:
        # The work's own transaction has rolled back; the reason stays in the server log
        # (masked), the user gets a sentence.
        logger.exception("Jobb %s (%s) misslyckades", job.pk, job.kind)
        _finish(job, status=Job.Status.FAILED, error=UNEXPECTED)
        return
    if isinstance(outcome, JobFile):
        _finish(
            job,
            status=Job.Status.DONE,
            result=outcome.content,
            result_name=outcome.filename,
            result_type=outcome.content_type,
            message=outcome.message,
        )
    else:
        _finish(job, status=Job.Status.DONE, message=outcome.message)


def _finish(job: Job, **fields) -> None:
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now(), **fields)
