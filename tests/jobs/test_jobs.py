"""Jobs: queued by a service, run once by the worker, the file kept for its owner only and
deleted after the download or at its time; a failure says why in Swedish."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs import registry, services
from jobs.models import Job
from jobs.registry import JobFailed, JobFile, JobMessage

pytestmark = pytest.mark.django_db


def _make_file(job, progress):
    for done in range(0, 3001, 500):
        progress.step(done, 3000)
    return JobFile(b"%PDF-fil", "rapport.pdf", "application/pdf")


def _fail(job, progress):
    raise JobFailed("Filen kunde inte skapas: perioden saknar data.")


def _crash(job, progress):
    raise RuntimeError("boom 19800101-0000")


def _message(job, progress):
    return JobMessage("120 rader importerade.")


@pytest.fixture(autouse=True)
def kinds():
    registry.register("test_file", _make_file)
    registry.register("test_fail", _fail)
    registry.register("test_crash", _crash)
    registry.register("test_message", _message)


def _enqueue(user, kind, captured):
    with captured(execute=True):
        return services.job_enqueue(kind=kind, user=user, label="Testrapport", params={})


def test_a_job_waits_in_the_queue_until_the_worker_runs_it(
    admin_user, run_queue, django_capture_on_commit_callbacks
):
    job = _enqueue(admin_user, "test_file", django_capture_on_commit_callbacks)
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    assert DBTaskResult.objects.ready().count() == 1
    run_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.progress, job.total) == (3000, 3000)
    assert bytes(job.result) == b"%PDF-fil"
    assert DBTaskResult.objects.ready().count() == 0


def test_progress_is_saved_every_step_of_its_size_and_at_the_end():
    saved = []
    progress = registry.Progress(lambda done, total: saved.append(done), every=1000)
    for done in range(0, 2501, 100):
        progress.step(done, 2500)
    assert saved == [0, 1000, 2000, 2500]


def test_a_job_delivered_twice_runs_once(admin_user):
    job = services.job_enqueue(kind="test_file", user=admin_user, label="x", params={})
    calls = []
    registry.register("test_file", lambda j, p: calls.append(1) or _make_file(j, p))
    from jobs.runner import job_run

    job_run(job_id=job.pk)
    job_run(job_id=job.pk)
    assert calls == [1]


def test_the_owner_downloads_the_file_once_then_it_is_gone(
    client, admin_user, run_queue, django_capture_on_commit_callbacks
):
    job = _enqueue(admin_user, "test_file", django_capture_on_commit_callbacks)
    run_queue()
    client.force_login(admin_user)
    page = client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert page.status_code == 200
    assert "Ladda ner rapport.pdf" in page.content.decode()
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rapport.pdf"'
    assert response.content == b"%PDF-fil"
    assert "no-store" in response["Cache-Control"]
    job.refresh_from_db()
    assert job.result is None and job.downloaded
    again = client.get(reverse("jobs:job_download", args=[job.pk]), follow=True)
    assert "Filen finns inte längre" in again.content.decode()
    assert "Filen är nedladdad och borttagen från servern" in again.content.decode()


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b", "forbund_user"])
def test_nobody_but_the_owner_sees_the_job_or_its_file(
    client, admin_user, run_queue, django_capture_on_commit_callbacks, request, persona
):
    job = _enqueue(admin_user, "test_file", django_capture_on_commit_callbacks)
    run_queue()
    client.force_login(request.getfixturevalue(persona))
    for name in ("job_detail", "job_status", "job_download"):
        assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert bytes(job.result) == b"%PDF-fil"


def test_anonymous_visitors_are_sent_to_log_in(client, admin_user):
    job = services.job_enqueue(kind="test_file", user=admin_user, label="x", params={})
    response = client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_status_as_json_for_the_progress_bar(client, admin_user):
    job = services.job_enqueue(kind="test_file", user=admin_user, label="x", params={})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, progress=2000, total=10000)
    client.force_login(admin_user)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert 'value="2000" max="10000"' in page
    assert "<script" in page and "js/job-status.js" in page
    body = json.loads(client.get(reverse("jobs:job_status", args=[job.pk])).content)
    assert body == {
        "status": "running",
        "status_label": "Pågår",
        "progress": 2000,
        "total": 10000,
        "finished": False,
    }


def test_a_failed_job_says_why_in_swedish(
    client, admin_user, run_queue, django_capture_on_commit_callbacks
):
    job = _enqueue(admin_user, "test_fail", django_capture_on_commit_callbacks)
    run_queue()
    client.force_login(admin_user)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "Misslyckades" in page
    assert "Filen kunde inte skapas: perioden saknar data." in page


def test_an_unexpected_error_gives_a_sentence_not_the_exception(
    client, admin_user, run_queue, django_capture_on_commit_callbacks
):
    job = _enqueue(admin_user, "test_crash", django_capture_on_commit_callbacks)
    run_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Ett oväntat fel inträffade")
    assert "boom" not in job.error and "19800101" not in job.error


def test_a_job_without_a_file_shows_its_message(
    client, admin_user, run_queue, django_capture_on_commit_callbacks
):
    job = _enqueue(admin_user, "test_message", django_capture_on_commit_callbacks)
    run_queue()
    client.force_login(admin_user)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "120 rader importerade." in page
    assert "Ladda ner" not in page


def test_an_unknown_kind_is_refused_when_it_is_ordered(admin_user):
    with pytest.raises(JobFailed):
        services.job_enqueue(kind="finns_inte", user=admin_user, label="x", params={})
    assert not Job.objects.exists()


def test_expired_jobs_are_deleted_with_their_files_but_not_running_ones(admin_user):
    done = services.job_enqueue(kind="test_file", user=admin_user, label="x", params={})
    running = services.job_enqueue(kind="test_file", user=admin_user, label="y", params={})
    fresh = services.job_enqueue(kind="test_file", user=admin_user, label="z", params={})
    past = timezone.now() - timedelta(minutes=1)
    Job.objects.filter(pk=done.pk).update(status=Job.Status.DONE, result=b"x", expires_at=past)
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, expires_at=past)
    Job.objects.filter(pk=fresh.pk).update(status=Job.Status.DONE, result=b"x")
    assert services.jobs_delete_expired() == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {running.pk, fresh.pk}
