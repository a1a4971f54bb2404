"""The health endpoint (/halsa/) for a load balancer or a monitor: is the app up, can it reach
its database, is the schema migrated, and is the task queue being worked?

No log-in and no data: the answer names the checks and says ok or what failed, nothing about
any participant, user or count. 200 when every check passes, 503 otherwise."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

OK = "ok"

# Set once the schema is found migrated: the code of a running process does not change, so a
# migrated database stays migrated for it (a later deploy starts new processes).
_migrated = False


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return f"{len(pending)} migreringar väntar"
        _migrated = True
    return OK


def oldest_waiting_seconds() -> int:
    """Seconds the oldest job ready to run has waited (0 when none waits)."""
    from django_tasks_db.models import DBTaskResult

    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", "run_after")
        .first()
    )
    if oldest is None:
        return 0
    enqueued_at, run_after = oldest
    since = enqueued_at if run_after is None or run_after.year == 9999 else run_after
    return max(0, int((timezone.now() - max(since, enqueued_at)).total_seconds()))


@require_safe
@never_cache
def health(request):
    checks = {}
    healthy = True
    try:
        checks["databas"] = _database()
        checks["migreringar"] = _migrations()
        wait = oldest_waiting_seconds()
        checks["ko_aldsta_vantetid_sekunder"] = wait
        queue_ok = wait <= settings.HEALTH_QUEUE_MAX_WAIT_SECONDS
        checks["ko"] = OK if queue_ok else "ingen arbetsprocess hämtar jobben"
        healthy = checks["migreringar"] == OK and queue_ok
    except DatabaseError:
        checks["databas"] = "databasen svarar inte"
        healthy = False
    return JsonResponse(
        {"status": OK if healthy else "fel", "kontroller": checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
