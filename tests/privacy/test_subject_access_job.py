"""The subject-access PDF as a job: the order is the logged export, the worker makes the file
for the unit manager who ordered it, and nobody else sees it."""

import pytest
from django.urls import NoReverseMatch, reverse

from jobs.models import Job
from privacy.models import AccessLog
from rehab.models import Membership
from tests.reporting.conftest import pdf_objects

pytestmark = pytest.mark.django_db


def _order(client, case, captured):
    with captured(execute=True):
        return client.post(reverse("privacy:subject_access_pdf_job", args=[case.participant_id]))


def test_the_unit_manager_orders_the_pdf_and_downloads_it_from_the_job(
    client, admin_user, case, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    response = _order(client, case, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.url == reverse("jobs:job_detail", args=[job.pk])
    assert job.label == f"Registerutdrag som PDF (deltagare nr {case.participant_id})"
    assert case.participant.last_name not in job.label
    assert AccessLog.objects.filter(kind="export", object_id="pdf").count() == 1
    run_queue()
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    assert b"/StructTreeRoot" in pdf_objects(download.content)
    assert download["Content-Disposition"].startswith(
        f'attachment; filename="registerutdrag_{case.participant_id}_'
    )


def test_the_page_orders_the_pdf_with_a_form(client, admin_user, case):
    client.force_login(admin_user)
    page = client.get(reverse("privacy:subject_access", args=[case.participant_id]))
    body = page.content.decode()
    assert reverse("privacy:subject_access_pdf_job", args=[case.participant_id]) in body
    assert (
        f'href="{reverse("privacy:subject_access", args=[case.participant_id])}pdf/"' not in body
    )
    # The direct download is gone: the PDF is made only by the job.
    with pytest.raises(NoReverseMatch):
        reverse("privacy:subject_access_pdf", args=[case.participant_id])


def test_a_unit_manager_who_lost_the_team_before_it_ran_gets_no_file(
    client, admin_user, case, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _order(client, case, django_capture_on_commit_callbacks)
    Membership.objects.filter(user=admin_user).delete()
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.result is None
    assert job.error.startswith("Registerutdraget kunde inte tas fram")


def test_another_teams_unit_manager_and_handledare_cannot_order_it(
    client, admin_b, handledare_a, case
):
    url = reverse("privacy:subject_access_pdf_job", args=[case.participant_id])
    client.force_login(admin_b)
    assert client.post(url).status_code == 404
    client.force_login(handledare_a)
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert not Job.objects.exists()


@pytest.mark.parametrize("persona", ["handledare_b", "forbund", "styrgrupp"])
def test_other_roles_cannot_order_it(client, personas, case, persona):
    client.force_login(personas[persona])
    url = reverse("privacy:subject_access_pdf_job", args=[case.participant_id])
    assert client.post(url).status_code == 403
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_to_order_it(client, case):
    response = client.post(reverse("privacy:subject_access_pdf_job", args=[case.participant_id]))
    assert response.status_code == 302 and response["Location"].startswith("/logga-in/")
    assert not Job.objects.exists()


def test_only_the_unit_manager_who_ordered_it_sees_the_job(
    client, admin_user, admin_b, personas, case, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _order(client, case, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    for user in [admin_b, *(personas[p] for p in ("handledare_a", "forbund", "styrgrupp"))]:
        client.force_login(user)
        for name in ("job_detail", "job_status", "job_download"):
            assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
