"""The scheduler: what is due when, and that a period's run starts once however many
schedulers tick at the same moment."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from ops.models import ScheduledRun
from ops.schedule import SCHEDULE, tick

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(hour, minute=0, day=3):
    return datetime(2026, 12, day, hour, minute, tzinfo=STOCKHOLM)


def _queued():
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


@pytest.mark.django_db
def test_what_is_due_at_each_time_of_day():
    assert tick(now=at(1, 0)) == []  # nothing before five past the hour, purge at 02
    assert tick(now=at(1, 6)) == ["stadning"]
    assert tick(now=at(2, 1)) == ["gallring"]  # the hour's clean-up has not come yet
    assert tick(now=at(2, 5)) == ["stadning"]
    assert tick(now=at(6, 45)) == ["stadning", "paminnelser"]
    assert tick(now=at(6, 50)) == []  # each once in its period
    assert tick(now=at(2, 1, day=4)) == ["gallring"]  # the next night
    assert _queued() == sorted(
        ["ops.tasks.hourly_cleanup"] * 3
        + ["ops.tasks.nightly_purge"] * 2
        + ["ops.tasks.daily_reminders"]
    )


@pytest.mark.django_db
def test_a_scheduler_started_late_still_runs_the_days_purge():
    assert "gallring" in tick(now=at(9, 0))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("schedulers", [2, 4])
def test_schedulers_ticking_at_once_start_each_run_exactly_once(schedulers):
    start = threading.Barrier(schedulers)
    started: dict[str, list[str]] = {}
    errors = []

    def scheduler(name):
        try:
            start.wait()
            started[name] = tick(now=at(7, 10), scheduler_id=name)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(f"s{i}",)) for i in range(schedulers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    everything = sorted(name for names in started.values() for name in names)
    assert everything == sorted(entry.name for entry in SCHEDULE)
    assert ScheduledRun.objects.count() == len(SCHEDULE)
    assert DBTaskResult.objects.count() == len(SCHEDULE)


@pytest.mark.django_db
def test_the_command_ticks_once(capsys):
    from django.core.management import call_command

    call_command("run_scheduler", "--once")
    assert ScheduledRun.objects.filter(name="stadning").count() <= 1
