"""The purge started from /gallring/: a confirmation page with what it would remove (counts
only), then a job on the purge's queue with its status page and progress, one at a time, and a
result that gives counts and nothing else."""

import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from privacy import services
from privacy.models import PurgeRun
from rehab.models import Enrolment, JournalNote, Membership
from tests.factories import EnrolmentFactory
from tests.separation import purge_db

pytestmark = purge_db

RUNS = reverse("privacy:purge_runs")
START = reverse("privacy:purge_start")
NOTE_TEXT = "Samtal om Annas praktik"


@pytest.fixture(autouse=True)
def _twelve_months(settings):
    settings.RETENTION_NOTES_MONTHS = 12
    settings.RETENTION_REFERRALS_MONTHS = 12
    settings.RETENTION_ACCESS_LOG_MONTHS = 12
    settings.RETENTION_IDENTITY_MONTHS = 1200  # nobody is anonymised here


@pytest.fixture
def old_note(rehab_team):
    """A journal note of an enrolment that ended long ago: due for the purge."""
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2015, 1, 15))
    Enrolment.objects.filter(pk=enrolment.pk).update(
        exit_date=datetime.date(2016, 1, 15), exit_outcome="arbete"
    )
    return JournalNote.objects.create(
        enrolment=enrolment, date=datetime.date(2015, 2, 1), kind="phone", text=NOTE_TEXT
    )


def _start(client, captured, **data):
    data.setdefault("as_of", timezone.localdate().isoformat())
    with captured(execute=True):
        return client.post(START, {"understood": "on", **data})


def test_the_runs_page_offers_the_purge_and_the_confirmation_shows_counts_only(
    client, admin_user, old_note
):
    client.force_login(admin_user)
    runs = client.get(RUNS).content.decode()
    assert f'href="{START}"' in runs and "Starta gallring nu" in runs
    page = client.get(START)
    body = page.content.decode()
    assert page.status_code == 200
    assert ("Journalanteckningar raderade", 1) in page.context["counts"]
    assert "inte kan återställas" in body and "Starta gallringen" in body
    assert NOTE_TEXT not in body
    assert not Job.objects.exists()


def test_without_the_confirmation_nothing_is_started(
    client, admin_user, old_note, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"as_of": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "Kryssa i rutan för att bekräfta gallringen." in response.content.decode()
    assert not Job.objects.exists() and not PurgeRun.objects.exists()
    assert JournalNote.objects.filter(pk=old_note.pk).exists()


def test_a_confirmation_from_another_day_is_asked_again(
    client, admin_user, old_note, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    response = _start(client, django_capture_on_commit_callbacks, as_of="2020-01-01")
    assert response.status_code == 302 and response.url == START
    assert not Job.objects.exists()


def test_the_confirmed_purge_runs_as_a_job_on_the_purge_queue_and_reports_counts(
    client, admin_user, old_note, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    response = _start(client, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.url == reverse("jobs:job_detail", args=[job.pk])
    assert (job.kind, job.user, job.status) == ("purge", admin_user, Job.Status.QUEUED)
    assert job.label == f"Gallring per {timezone.localdate():%Y-%m-%d}"
    assert DBTaskResult.objects.get().queue_name == "purge"
    assert JournalNote.objects.filter(pk=old_note.pk).exists()  # nothing before the worker
    page = client.get(response.url).content.decode()
    assert "I kö" in page and "<progress" in page
    assert "En gallring som startades här väntar eller pågår" in client.get(RUNS).content.decode()

    run_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    run = PurgeRun.objects.get()
    assert job.message.startswith(f"Gallring nr {run.pk} klar (per ")
    assert "Journalanteckningar raderade: 1;" in job.message
    assert NOTE_TEXT not in job.message
    assert (job.progress, job.total) == (services.PURGE_STEPS, services.PURGE_STEPS)
    assert not JournalNote.objects.filter(pk=old_note.pk).exists()
    page = client.get(response.url).content.decode()
    assert "Klar" in page and "Journalanteckningar raderade: 1" in page
    assert f'href="{RUNS}"' in page


def test_a_second_purge_is_refused_while_one_waits(
    client, admin_user, old_note, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _start(client, django_capture_on_commit_callbacks)
    response = _start(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == RUNS
    assert Job.objects.count() == 1
    assert "Starta gallring nu" not in client.get(RUNS).content.decode()


def test_a_purge_that_finds_another_running_fails_in_swedish_and_purges_nothing(
    client, admin_user, old_note, run_queue, django_capture_on_commit_callbacks, monkeypatch
):
    def busy(connection):
        raise services.PurgeBusy(
            "En annan gallring pågår just nu. Inget gallrades. Försök igen när den är klar."
        )

    monkeypatch.setattr(services, "_hold_purge_lock", busy)
    client.force_login(admin_user)
    _start(client, django_capture_on_commit_callbacks)
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("En annan gallring pågår just nu. Inget gallrades.")
    assert not PurgeRun.objects.exists()
    assert JournalNote.objects.filter(pk=old_note.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an advisory lock of PostgreSQL")
def test_the_purge_holds_a_lock_that_a_second_purge_cannot_take(old_note):
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [services.PURGE_LOCK_KEY])
        with pytest.raises(services.PurgeBusy):
            services.purge(as_of=timezone.localdate())
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [services.PURGE_LOCK_KEY])
    finally:
        other.close()
    assert JournalNote.objects.filter(pk=old_note.pk).exists()


def test_a_unit_manager_who_lost_the_role_before_it_ran_purges_nothing(
    client, admin_user, old_note, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _start(client, django_capture_on_commit_callbacks)
    Membership.objects.filter(user=admin_user).delete()
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "du är inte längre enhetschef" in job.error
    assert not PurgeRun.objects.exists()
    assert JournalNote.objects.filter(pk=old_note.pk).exists()


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b", "forbund", "styrgrupp"])
def test_only_unit_managers_may_start_a_purge(
    client, personas, persona, old_note, django_capture_on_commit_callbacks
):
    client.force_login(personas[persona])
    assert client.get(START).status_code == 403
    assert _start(client, django_capture_on_commit_callbacks).status_code == 403
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, django_capture_on_commit_callbacks):
    for response in (client.get(START), _start(client, django_capture_on_commit_callbacks)):
        assert response.status_code == 302 and response["Location"].startswith("/logga-in/")
    assert not Job.objects.exists()


def test_another_teams_unit_manager_may_start_it_but_not_see_anothers_purge_job(
    client, admin_user, admin_b, personas, old_note, django_capture_on_commit_callbacks
):
    """/gallring/ is every unit manager's (the purge is not a team's): the job is its
    starter's alone."""
    client.force_login(admin_user)
    _start(client, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    client.force_login(admin_b)
    assert client.get(START).status_code == 200
    for user in [admin_b, *(personas[p] for p in ("handledare_a", "forbund", "styrgrupp"))]:
        client.force_login(user)
        for name in ("job_detail", "job_status", "job_download"):
            assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
