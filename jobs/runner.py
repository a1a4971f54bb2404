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
    """Writes a job's progress. Work that runs in one transaction on the default database (an
    import, all or nothing) would hide its progress until it commits: on PostgreSQL the
    progress then goes over a connection of its own, so that the status page sees it while
    the work runs. (Not on the job's connection as well: that would lock the job's row until
    the work commits, and the other connection would wait for it for ever.) SQLite has one
    writer at a time: there the progress of such work is written inside its transaction and
    shows when it is done. The last progress is written with the job's outcome in any case
    (`job_run`)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last: tuple[int, int] | None = None
        self._side = None

    def __call__(self, done: int, total: int) -> None:
        self.last = (done, total)
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._write_aside(done, total)
            return
        # Always the default database: the purge routes its own queries elsewhere.
        Job.objects.using(DEFAULT_DB_ALIAS).filter(pk=self.job_id).update(
            progress=done, total=total
        )

    def _write_aside(self, done: int, total: int) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = self._side.ops.quote_name(Job._meta.db_table)
        try:
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, total = %s WHERE id = %s",  # noqa: S608  # nosec B608 (the model's table name)
                    [done, total, self.job_id],
                )
        except Exception:
            # Progress is a courtesy; the work goes on without it.
            logger.warning("Jobb %s: förloppet kunde inte skrivas", self.job_id, exc_info=True)

    def fields(self) -> dict:
        """The last progress, for the job's final write."""
        if self.last is None:
            return {}
        return {"progress": self.last[0], "total": self.last[1]}

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
        _finish(job, status=Job.Status.FAILED, error=str(error), **writer.fields())
        return
    except Exception:
        # The work's own transaction has rolled back; the reason stays in the server log
        # (masked), the user gets a sentence.
        logger.exception("Jobb %s (%s) misslyckades", job.pk, job.kind)
        _finish(job, status=Job.Status.FAILED, error=UNEXPECTED, **writer.fields())
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
            **writer.fields(),
        )
    else:
        _finish(job, status=Job.Status.DONE, message=outcome.message, **writer.fields())


def _finish(job: Job, **fields) -> None:
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now(), **fields)
