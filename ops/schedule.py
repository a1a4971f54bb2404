"""What runs when, and the tick that starts each run once across all schedulers.

Every scheduler process (`manage.py run_scheduler`, one per server or just one) calls `tick`
about once a minute. For each entry that is due in the current period (the day from its time
of day on, or the hour), it tries to insert the period's ScheduledRun row; the unique
constraint lets exactly one insert succeed, and only that scheduler enqueues the task. A
scheduler that was down at 02:00 still runs the day's purge when it starts later that day."""

import logging
import time as clock
from dataclasses import dataclass
from datetime import datetime, time

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from ops import tasks
from ops.models import ScheduledRun

logger = logging.getLogger(__name__)

DAILY = "daily"
HOURLY = "hourly"


@dataclass(frozen=True)
class Entry:
    name: str
    label: str
    every: str
    at: time
    task: object

    def slot(self, now: datetime) -> str | None:
        """The period `now` (local time) falls in, if the entry is due in it yet."""
        local = timezone.localtime(now)
        if self.every == HOURLY:
            return f"{local:%Y-%m-%dT%H}" if local.minute >= self.at.minute else None
        return f"{local:%Y-%m-%d}" if local.time() >= self.at else None


SCHEDULE = [
    Entry("gallring", "Gallring (varje natt kl. 02.00)", DAILY, time(2, 0), tasks.nightly_purge),
    Entry("stadning", "Städning (varje timme)", HOURLY, time(0, 5), tasks.hourly_cleanup),
    Entry(
        "paminnelser",
        "Påminnelser om frister (varje dag kl. 06.30)",
        DAILY,
        time(6, 30),
        tasks.daily_reminders,
    ),
]


def _claim(entry: Entry, slot: str, scheduler_id: str, *, tries: int = 10) -> bool:
    for attempt in range(tries):
        try:
            if ScheduledRun.objects.filter(name=entry.name, slot=slot).exists():
                return False
            with transaction.atomic():
                ScheduledRun.objects.create(name=entry.name, slot=slot, claimed_by=scheduler_id)
                # In the same transaction: a claimed run is always queued, and a failed
                # enqueue leaves the period free for the next tick.
                entry.task.enqueue()
        except IntegrityError:
            return False  # another scheduler has it
        except OperationalError:
            # SQLite: another scheduler holds the lock; once it has committed, this one
            # finds its row.
            logger.info("Schemaläggaren väntar på databasen för %s %s", entry.name, slot)
            clock.sleep(0.05 * (attempt + 1))
            continue
        return True
    return False


def tick(*, now: datetime | None = None, scheduler_id: str = "") -> list[str]:
    """Start what is due; the names of the entries this scheduler started."""
    now = now or timezone.now()
    started = []
    for entry in SCHEDULE:
        slot = entry.slot(now)
        if slot is None:
            continue
        if _claim(entry, slot, scheduler_id):
            logger.info("Schemaläggaren %s startade %s %s", scheduler_id, entry.name, slot)
            started.append(entry.name)
    return started
