"""The health endpoint: no log-in, no data; 200 when the database, the schema and the queue are
fine, 503 when one is not."""

import datetime
import json

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config import health

pytestmark = pytest.mark.django_db


def _get(client):
    response = client.get("/halsa/")
    return response, json.loads(response.content)


def _waiting_job(age: datetime.timedelta):
    job = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="jobs.tasks.run_job",
        backend_name="default",
    )
    DBTaskResult.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - age)
    return job


def test_health_answers_200_without_log_in_and_names_no_data(client, handledare_a):
    response, body = _get(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert body == {
        "status": "ok",
        "kontroller": {
            "databas": "ok",
            "migreringar": "ok",
            "ko_aldsta_vantetid_sekunder": 0,
            "ko": "ok",
        },
    }
    assert handledare_a.username not in response.content.decode()


def test_health_is_open_for_a_logged_in_user_waiting_for_the_second_factor(
    client, handledare_a, settings
):
    settings.REQUIRE_2FA = True
    client.force_login(handledare_a)
    assert client.get("/halsa/").status_code == 200


def test_a_job_waiting_too_long_means_no_worker_503(client, settings):
    settings.HEALTH_QUEUE_MAX_WAIT_SECONDS = 600
    _waiting_job(datetime.timedelta(seconds=30))
    response, body = _get(client)
    assert response.status_code == 200
    assert 29 <= body["kontroller"]["ko_aldsta_vantetid_sekunder"] <= 60

    _waiting_job(datetime.timedelta(minutes=20))
    response, body = _get(client)
    assert response.status_code == 503
    assert body["status"] == "fel"
    assert body["kontroller"]["ko"] == "ingen arbetsprocess hämtar jobben"


def test_a_finished_job_does_not_count_as_waiting(client):
    job = _waiting_job(datetime.timedelta(hours=2))
    DBTaskResult.objects.filter(pk=job.pk).update(status="SUCCESSFUL")
    assert _get(client)[1]["kontroller"]["ko_aldsta_vantetid_sekunder"] == 0


def test_pending_migrations_answer_503(client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)]
    )
    response, body = _get(client)
    assert response.status_code == 503
    assert body["kontroller"]["migreringar"] == "1 migreringar väntar"


def test_a_database_that_does_not_answer_gives_503(client, monkeypatch):
    def down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "_database", down)
    response, body = _get(client)
    assert response.status_code == 503
    assert body == {"status": "fel", "kontroller": {"databas": "databasen svarar inte"}}


def test_health_refuses_post(client):
    assert client.post("/halsa/").status_code == 405
