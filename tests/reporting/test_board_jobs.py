"""The board report's PDF and Excel files as jobs: ordered with a POST, made by the worker
for the user who asked (with that user's access when it runs), downloaded from the status
page."""

import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from jobs.models import Job
from rehab.models import Membership

pytestmark = pytest.mark.django_db


def h1(team):
    return {"scope": f"team-{team.pk}", "fran": "2024-01-01", "till": "2024-06-30"}


def _order(client, fmt, data, captured):
    with captured(execute=True):
        return client.post(reverse("board_report_job", args=[fmt]), data)


def test_admin_orders_the_pdf_sees_it_queued_and_downloads_it_when_ready(
    client, admin_user, example, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    response = _order(client, "pdf", h1(example), django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("jobs:job_detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Styrelserapporten som PDF, Rehabteamet 2024-01-01 – 2024-06-30" in page
    assert "I kö" in page and "<progress" in page
    run_queue()
    page = client.get(response.url).content.decode()
    assert "Klar" in page
    assert "styrelserapport_rehabteamet_2024-01-01_2024-06-30.pdf" in page
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
    assert "Rehabteamet" in text


def test_the_excel_job_gives_the_same_workbook_as_the_download(
    client, admin_user, example, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _order(client, "xlsx", h1(example), django_capture_on_commit_callbacks)
    run_queue()
    job = Job.objects.get()
    content = client.get(reverse("jobs:job_download", args=[job.pk])).content
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["Tabell"].iter_rows(values_only=True))
    assert ("Antal aktiva under perioden", "antal", 5, 4, 1, 10) in rows


def test_a_user_who_lost_access_before_it_ran_gets_a_swedish_reason(
    client, admin_user, example, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _order(client, "pdf", h1(example), django_capture_on_commit_callbacks)
    Membership.objects.filter(user=admin_user).delete()
    run_queue()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.result is None
    assert "du har inte längre tillgång till den valda rapporten" in job.error


def test_bad_input_orders_nothing_and_says_so(client, admin_user, example):
    client.force_login(admin_user)
    response = client.post(
        reverse("board_report_job", args=["pdf"]),
        {**h1(example), "till": "2023-01-01"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Filen kunde inte beställas" in response.content.decode()
    assert not Job.objects.exists()
    assert client.post(reverse("board_report_job", args=["csv"]), h1(example)).status_code == 404


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_may_not_order_the_files(client, request, persona, example):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("board_report_job", args=["pdf"]), h1(example)).status_code == 403
    assert not Job.objects.exists()


def test_the_forbund_officers_file_hides_small_counts(
    client, forbund_user, example, run_queue, django_capture_on_commit_callbacks
):
    client.force_login(forbund_user)
    _order(client, "xlsx", h1(example), django_capture_on_commit_callbacks)
    run_queue()
    job = Job.objects.get()
    assert job.user == forbund_user
    content = client.get(reverse("jobs:job_download", args=[job.pk])).content
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["Tabell"].iter_rows(values_only=True))
    active = next(row for row in rows if row[0] == "Antal aktiva under perioden")
    assert active[2:] == (5, "<5", "<5", 10)


def test_the_board_page_orders_pdf_and_excel_with_a_form(client, admin_user, example):
    client.force_login(admin_user)
    page = client.get(reverse("board_report"), h1(example)).content.decode()
    assert f'action="{reverse("board_report_job", args=["pdf"])}"' in page
    assert f'action="{reverse("board_report_job", args=["xlsx"])}"' in page
    assert reverse("board_report_export", args=["pdf"]) not in page
