"""Running a job in the worker: the kind's function, its progress, its result or its error."""

import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from jobs.models import Job
from jobs.registry import JobFailed, JobFile, Progress, progress_every, runner

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "Ett oväntat fel inträffade och jobbet avbröts. Inget ändrades. Försök igen, och kontakta "
    "förvaltningen om det händer igen."
)


class _ProgressWriter:
    """Writes a job's progress. Work that runs in one transaction (an import, all or nothing)
    would hide its progress until it commits: on PostgreSQL the progress is then written on a
    connection of its own as well, so that the status page sees it while the work runs. SQLite
    has one writer at a time, and there the progress of such work shows when it is done."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._side = None

    def __call__(self, done: int, total: int) -> None:
        # On the job's own connection too: committed with the work (and by a test's
        # transaction, which the side connection cannot see).
        # Always the default database: the purge routes its own queries elsewhere.
        Job.objects.using(DEFAULT_DB_ALIAS).filter(pk=self.job_id).update(
            progress=done, total=total
        )
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._write_aside(done, total)

    def _write_aside(self, done: int, total: int) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = self._side.ops.quote_name(Job._meta.db_table)
        try:
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, total = %s WHERE id = %s",  # noqa: S608 (the model's table name)
                    [done, total, self.job_id],
                )
        except Exception:
            # Progress is a courtesy; the work goes on without it.
            logger.warning("Jobb %s: förloppet kunde inte skrivas", self.job_id, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


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
    writer = _ProgressWriter(job.pk)
    try:
        outcome = runner(job.kind)(job, Progress(writer, every=progress_every(job.kind)))
    except JobFailed as error:
        _finish(job, status=Job.Status.FAILED, error=str(error))
        return
    except Exception:
        # The work's own transaction has rolled back; the reason stays in the server log
        # (masked), the user gets a sentence.
        logger.exception("Jobb %s (%s) misslyckades", job.pk, job.kind)
        _finish(job, status=Job.Status.FAILED, error=UNEXPECTED)
        return
    finally:
        writer.close()
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
