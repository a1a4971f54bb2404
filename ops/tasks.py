"""The scheduled work, as tasks for the worker (enqueued by ops.schedule.tick)."""

import logging
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from jobs.services import jobs_delete_expired
from ops import reminders
from ops.models import ScheduledRun
from privacy import services as privacy_services
from privacy.gate import PurgeGateClosed
from reporting import pending

logger = logging.getLogger(__name__)

# Finished tasks and scheduler rows are kept this long for a look at what ran, then deleted.
KEEP_FINISHED = timedelta(days=14)


# On its own queue: on PostgreSQL only the worker of that queue holds the purge credential
# (PURGE_DATABASE_URL), as `manage.py purge` alone does (README "Drift"). The purge started
# from /gallring/ goes there too.
PURGE_QUEUE = privacy_services.PURGE_QUEUE


@task(queue_name=PURGE_QUEUE)
def nightly_purge() -> dict:
    """The retention purge (gallring) for today, as `manage.py purge` does it."""
    try:
        counts, run = privacy_services.purge(as_of=timezone.localdate())
    except PurgeGateClosed:
        logger.error(
            "Gallringen kördes inte: gallringsrollen är inte inställd (PURGE_DATABASE_URL)"
        )
        raise
    return {"run": run.pk if run else None, **counts}


@task()
def hourly_cleanup() -> dict:
    """Expired sessions, pending imports past their time, job files past their time, and the
    queue's and the scheduler's old rows."""
    call_command("clearsessions")
    old = timezone.now() - KEEP_FINISHED
    tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=old).delete()
    runs, _ = ScheduledRun.objects.filter(claimed_at__lt=old).delete()
    return {
        "pending_imports": pending.delete_expired(),
        "jobs": jobs_delete_expired(),
        "finished_tasks": tasks,
        "scheduled_runs": runs,
    }


@task()
def daily_reminders() -> dict:
    return {"sent": reminders.send_reminders(as_of=timezone.localdate())}
