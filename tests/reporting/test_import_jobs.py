"""A confirmed import above IMPORT_JOB_ROWS runs as a job: the worker checks the file again,
writes every row or none in one transaction with its progress per 1 000 rows, and ends with
the page's Swedish summary; a failure saves nothing and says why. Only the admin who confirmed
sees the job."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from jobs import runner
from jobs.models import Job
from privacy.models import AccessLog
from rehab import personnummer
from rehab.models import AuditEvent, Enrolment, Membership, Participant
from reporting import imports as importing
from reporting.imports import services as import_services
from reporting.imports.views import SESSION_KEY
from reporting.models import PendingImport
from tests.data import EXAMPLE_CSV
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

SUMMARY_12 = "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade."


@pytest.fixture
def job_rows(settings):
    settings.IMPORT_JOB_ROWS = 3
    return settings


def _upload(client, team, content=None, name="inskrivningar.csv"):
    content = EXAMPLE_CSV.read_bytes() if content is None else content
    client.post(
        reverse("import_upload"), {"team": team.pk, "file": SimpleUploadedFile(name, content)}
    )
    return PendingImport.objects.get(pk=client.session[SESSION_KEY])


def _confirm(client, pending, captured, **extra):
    with captured(execute=True):
        return client.post(reverse("import_confirm"), {"sha256": pending.sha256}, **extra)


def _nothing_imported():
    assert not Participant.objects.exists()
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.filter(action="import_enrolments").exists()
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.CHANGE).exists()


def test_confirming_a_file_above_the_threshold_queues_a_job_and_the_worker_imports_it(
    client, admin_user, rehab_team, job_rows, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    pending = _upload(client, rehab_team)
    preview = client.get(reverse("import_preview")).content.decode()
    assert "importeras i bakgrunden" in preview
    response = _confirm(client, pending, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("jobs:job_detail", args=[job.pk])
    assert (job.kind, job.user, job.status) == ("import", admin_user, Job.Status.QUEUED)
    assert job.label == "Import av inskrivningar till Rehabteamet (12 rader)"
    # Nothing is written in the request, and the file cannot be confirmed twice.
    assert not Participant.objects.exists()
    assert SESSION_KEY not in client.session
    page = client.get(response.url).content.decode()
    assert "I kö" in page and "<progress" in page

    run_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.message == SUMMARY_12
    assert (job.progress, job.total) == (12, 12)
    assert Participant.objects.count() == Enrolment.objects.filter(team=rehab_team).count() == 12
    assert not PendingImport.objects.exists()
    event = AuditEvent.objects.get(action="import_enrolments", object_type="team")
    assert (event.user, event.changes["channel"]) == (admin_user, "webb")
    assert event.changes["file_sha256"] == pending.sha256
    page = client.get(response.url).content.decode()
    assert "Klar" in page and SUMMARY_12 in page
    assert reverse("team_detail", args=[rehab_team.pk]) in page


def test_a_file_at_the_threshold_is_still_imported_in_the_request(
    client, admin_user, rehab_team, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOB_ROWS = 12
    client.force_login(admin_user)
    pending = _upload(client, rehab_team)
    assert "i bakgrunden" not in client.get(reverse("import_preview")).content.decode()
    response = _confirm(client, pending, django_capture_on_commit_callbacks)
    assert response.url == reverse("team_detail", args=[rehab_team.pk])
    assert not Job.objects.exists()
    assert Participant.objects.count() == 12


def test_the_worker_reports_progress_every_thousand_rows(
    client,
    admin_user,
    rehab_team,
    settings,
    run_queue,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    settings.IMPORT_JOB_ROWS = 1000
    saved = []
    write = runner._ProgressWriter.__call__

    def spy(self, done, total):
        saved.append((done, total))
        write(self, done, total)

    monkeypatch.setattr(runner._ProgressWriter, "__call__", spy)
    content = importing.rows_to_csv(importing.example_rows(2_500, seed=4)).encode()
    client.force_login(admin_user)
    pending = _upload(client, rehab_team, content)
    _confirm(client, pending, django_capture_on_commit_callbacks)
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.error
    assert saved == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]
    assert (job.progress, job.total) == (2500, 2500)
    assert Enrolment.objects.filter(team=rehab_team).count() == 2_500
    assert job.message.startswith("Importerade 2500 inskrivningar")


def _break_second_batch(monkeypatch, error):
    """The second batch of rows fails at write time, after the first has been written."""
    write = import_services._write_batch
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise error
        return write(*args, **kwargs)

    monkeypatch.setattr(import_services, "_write_batch", failing)
    monkeypatch.setattr(import_services, "PROGRESS_ROWS", 5)
    return calls


def test_a_row_that_breaks_at_write_time_saves_nothing_and_says_why_in_swedish(
    client,
    admin_user,
    rehab_team,
    job_rows,
    run_queue,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    calls = _break_second_batch(monkeypatch, IntegrityError("UNIQUE constraint failed"))
    client.force_login(admin_user)
    _confirm(client, _upload(client, rehab_team), django_capture_on_commit_callbacks)
    run_queue()
    job = Job.objects.get()
    assert len(calls) == 2
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Någon annan registrerade samma deltagare eller inskrivning")
    assert "Inget importerades" in job.error
    _nothing_imported()
    assert not PendingImport.objects.exists()
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "Misslyckades" in page and "Inget importerades" in page


def test_an_unexpected_error_while_writing_saves_nothing(
    client,
    admin_user,
    rehab_team,
    job_rows,
    run_queue,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    _break_second_batch(monkeypatch, RuntimeError("disk full 19850312-4128"))
    client.force_login(admin_user)
    _confirm(client, _upload(client, rehab_team), django_capture_on_commit_callbacks)
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error == runner.UNEXPECTED
    _nothing_imported()
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize("how", ["deleted", "expired"])
def test_a_pending_file_gone_before_the_run_fails_the_job_in_swedish(
    client, admin_user, rehab_team, job_rows, run_queue, django_capture_on_commit_callbacks, how
):
    client.force_login(admin_user)
    pending = _upload(client, rehab_team)
    _confirm(client, pending, django_capture_on_commit_callbacks)
    if how == "deleted":
        PendingImport.objects.all().delete()
    else:
        PendingImport.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "den uppladdade filen finns inte längre kvar" in job.error
    assert "Inget importerades" in job.error
    _nothing_imported()
    assert not PendingImport.objects.exists()


def test_confirming_gives_the_waiting_file_a_new_lifetime(
    client, admin_user, rehab_team, job_rows, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    pending = _upload(client, rehab_team)
    PendingImport.objects.update(expires_at=timezone.now() + datetime.timedelta(minutes=1))
    _confirm(client, pending, django_capture_on_commit_callbacks)
    assert PendingImport.objects.get().expires_at > timezone.now() + datetime.timedelta(minutes=29)


def test_an_admin_who_lost_the_team_before_the_run_imports_nothing(
    client, admin_user, rehab_team, job_rows, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _confirm(client, _upload(client, rehab_team), django_capture_on_commit_callbacks)
    Membership.objects.filter(user=admin_user, team=rehab_team).delete()
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "du är inte längre enhetschef för teamet" in job.error
    _nothing_imported()
    assert not PendingImport.objects.exists()


def test_a_row_that_became_invalid_before_the_run_fails_the_whole_file(
    client, admin_user, rehab_team, job_rows, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _confirm(client, _upload(client, rehab_team), django_capture_on_commit_callbacks)
    # Someone enrols the file's first person in the team, with another start, meanwhile.
    first = importing.parse_file(EXAMPLE_CSV.read_bytes(), "fil.csv")[0]
    person = ParticipantFactory(personnummer=personnummer.normalise(first.values["personnummer"]))
    EnrolmentFactory(participant=person, team=rehab_team, start_date=datetime.date(2020, 1, 1))
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Filen har fel på 1 rad (rad 2) och importerades inte.")
    assert person.last_name not in job.error
    assert Participant.objects.count() == 1
    assert Enrolment.objects.count() == 1


# --- Who sees the job -------------------------------------------------------------------------


@pytest.fixture
def import_job(client, admin_user, rehab_team, job_rows, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    _confirm(client, _upload(client, rehab_team), django_capture_on_commit_callbacks)
    client.logout()
    return Job.objects.get()


@pytest.mark.parametrize(
    "persona", ["handledare_a", "handledare_b", "forbund", "styrgrupp", "admin_b"]
)
@pytest.mark.parametrize("name", ["job_detail", "job_status", "job_download"])
def test_only_the_admin_who_confirmed_sees_the_import_job(
    client, personas, request, import_job, persona, name
):
    user = request.getfixturevalue("other_admin") if persona == "admin_b" else personas[persona]
    client.force_login(user)
    assert client.get(reverse(f"jobs:{name}", args=[import_job.pk])).status_code == 404


@pytest.mark.parametrize("name", ["job_detail", "job_status", "job_download"])
def test_anonymous_visitors_are_sent_to_log_in_for_the_import_job(client, import_job, name):
    response = client.get(reverse(f"jobs:{name}", args=[import_job.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.fixture
def other_admin(other_team):
    """A unit manager of EVI only (another team's admin)."""
    from tests.factories import UserFactory

    user = UserFactory(username="berit")
    Membership.objects.create(user=user, team=other_team, role="admin")
    return user


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b", "forbund", "styrgrupp"])
def test_only_admins_may_confirm_a_large_import(client, personas, rehab_team, job_rows, persona):
    client.force_login(personas[persona])
    assert client.post(reverse("import_confirm"), {"sha256": "x"}).status_code == 403
    assert not Job.objects.exists()
