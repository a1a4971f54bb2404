"""The scheduled tasks, run by the worker: the purge, the hourly clean-up, and the opt-out
of the reminders under Mitt konto."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import AccountPreferences
from accounts.services import wants_deadline_reminders
from jobs.models import Job
from ops import tasks
from ops.models import ScheduledRun
from privacy.models import PurgeRun
from rehab.models import AuditEvent
from reporting.models import PendingImport
from tests.separation import purge_db

pytestmark = pytest.mark.django_db


@purge_db  # the purge has its own connection with separated roles (.ci/run)
def test_the_nightly_purge_runs_in_the_worker_and_records_its_run(run_queue):
    tasks.nightly_purge.enqueue()
    run_queue()
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL", result.traceback
    assert PurgeRun.objects.count() == 1


def test_the_hourly_cleanup_removes_what_has_expired_and_keeps_the_rest(
    run_queue, admin_user, rehab_team
):
    past = timezone.now() - timedelta(minutes=1)
    Session.objects.create(session_key="gammal", session_data="x", expire_date=past)
    Session.objects.create(
        session_key="aktuell", session_data="x", expire_date=timezone.now() + timedelta(hours=1)
    )
    PendingImport.objects.create(
        owner=admin_user,
        kind="inskrivningar",
        team=rehab_team,
        filename="a.csv",
        content=b"x",
        expires_at=past,
    )
    Job.objects.create(
        kind="board_file", label="x", user=admin_user, status="done", result=b"x", expires_at=past
    )
    old = ScheduledRun.objects.create(name="stadning", slot="2026-01-01T01", claimed_by="s")
    ScheduledRun.objects.filter(pk=old.pk).update(claimed_at=timezone.now() - timedelta(days=30))
    tasks.hourly_cleanup.enqueue()
    run_queue()
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL", result.traceback
    assert result.return_value == {
        "pending_imports": 1,
        "jobs": 1,
        "finished_tasks": 0,
        "scheduled_runs": 1,
    }
    assert list(Session.objects.values_list("session_key", flat=True)) == ["aktuell"]
    assert not Job.objects.exists() and not PendingImport.objects.exists()


def test_a_user_turns_the_reminders_off_and_on_under_my_account(client, handledare_a):
    client.force_login(handledare_a)
    page = client.get(reverse("account_detail")).content.decode()
    assert "Påminnelserna är <strong>på</strong>" in page
    response = client.post(reverse("deadline_reminders"), {"paminnelser": "av"}, follow=True)
    assert "Du får inga fler påminnelser om frister per e-post." in response.content.decode()
    assert "Påminnelserna är <strong>av</strong>" in response.content.decode()
    assert not wants_deadline_reminders(handledare_a)
    assert AuditEvent.objects.filter(action="deadline_reminders_set").count() == 1
    client.post(reverse("deadline_reminders"), {"paminnelser": "pa"})
    assert wants_deadline_reminders(handledare_a)


def test_a_bad_choice_changes_nothing_and_says_so(client, handledare_a):
    client.force_login(handledare_a)
    response = client.post(reverse("deadline_reminders"), {"paminnelser": "kanske"}, follow=True)
    assert "Välj om du vill få påminnelser eller inte." in response.content.decode()
    assert not AccountPreferences.objects.exists()


def test_anonymous_visitors_cannot_change_the_setting(client):
    response = client.post(reverse("deadline_reminders"), {"paminnelser": "av"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
