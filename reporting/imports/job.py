"""A confirmed import of more than IMPORT_JOB_ROWS rows, run as a job in the worker
(`run_import`, registered in reporting.apps): the same checks and the same write as the
confirmation page, all rows in one transaction or none, with its progress per 1 000 rows and
the page's Swedish summary as the result. The uploaded file waits as its `PendingImport` until
the job has run, and is deleted then whatever the outcome."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from jobs.registry import JobFailed, JobMessage
from privacy.recorder import Actor, acting_for
from rehab.access import get_access
from rehab.models import Team
from reporting import imports as importing
from reporting import pending as pending_imports
from reporting.imports.services import PROGRESS_ROWS
from reporting.models import PendingImport

IMPORT_JOB = "import"
# Line numbers of a failed file named in the job's error, at most (no values: the job's
# error is kept with the job row).
ERROR_LINES_SHOWN = 10

__all__ = ["IMPORT_JOB", "PROGRESS_ROWS", "import_job_params", "run_import", "runs_as_job"]


def runs_as_job(row_count: int) -> bool:
    return row_count > settings.IMPORT_JOB_ROWS


def import_job_params(pending: PendingImport, *, actor: Actor) -> dict:
    """The job's parameters. The pending file is given a new lifetime from now: the worker
    may start it some minutes later, and the hourly clean-up must not delete it meanwhile."""
    pending.expires_at = timezone.now() + timedelta(minutes=pending_imports.lifetime_minutes())
    pending.save(update_fields=["expires_at"])
    return {
        "pending": pending.pk,
        "sha256": pending.sha256,
        "team": pending.team_id,
        "actor": actor.as_dict(),
    }


def run_import(job, progress) -> JobMessage:
    pending = PendingImport.objects.filter(
        pk=job.params.get("pending"), owner=job.user, kind=PendingImport.Kind.ENROLMENTS
    ).first()
    if pending is None or pending.expires_at <= timezone.now():
        if pending is not None:
            pending.delete()
        raise JobFailed(
            "Importen kunde inte göras: den uppladdade filen finns inte längre kvar. Inget "
            "importerades. Ladda upp filen igen."
        )
    try:
        return _import(job, pending, progress)
    finally:
        pending.delete()  # as on the page: confirmed means gone, whatever came of it


def _import(job, pending: PendingImport, progress) -> JobMessage:
    if pending.sha256 != job.params.get("sha256") or pending.team_id != job.params.get("team"):
        raise JobFailed(
            "Importen kunde inte göras: filen har bytts ut sedan förhandsgranskningen. Inget "
            "importerades. Ladda upp filen igen."
        )
    # Roles can change between the confirmation and the run.
    if not get_access(job.user).is_admin_of(pending.team_id):
        raise JobFailed(
            "Importen kunde inte göras: du är inte längre enhetschef för teamet. Inget "
            "importerades."
        )
    team = Team.objects.get(pk=pending.team_id)
    try:
        refusal = importing.team_refusal(team)
        if refusal:
            raise importing.ImportFileError(refusal)
        rows = importing.parse_file(pending_imports.content(pending), pending.filename)
    except importing.ImportFileError as error:
        raise JobFailed(f"Importen kunde inte göras: {error} Inget importerades.") from None
    # Validated again: the database may have changed since the preview.
    plan = importing.validate_rows(rows, team=team, today=timezone.localdate())
    if not plan.ok:
        lines = sorted({e.line for e in plan.errors})
        shown = ", ".join(str(line) for line in lines[:ERROR_LINES_SHOWN])
        more = " med flera" if len(lines) > ERROR_LINES_SHOWN else ""
        raise JobFailed(
            f"Filen har fel på {len(lines)} rad{'' if len(lines) == 1 else 'er'} (rad {shown}"
            f"{more}) och importerades inte. Inget sparades. Ladda upp filen igen och granska "
            "raderna i förhandsgranskningen."
        )
    actor = Actor.from_dict(job.params.get("actor") or {"user_id": job.user_id})
    try:
        with acting_for(actor):
            result = importing.import_apply(
                plan,
                team=team,
                by=job.user,
                file_hash=pending.sha256,
                channel="webb",
                progress=progress,
            )
    except ValidationError as error:
        raise JobFailed(" ".join(error.messages)) from None
    return JobMessage(
        importing.summary(
            enrolments=result.created_enrolments,
            participants=result.created_participants,
            unchanged=result.unchanged,
        )
    )
