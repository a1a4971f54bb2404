"""The unit manager imports enrolments from a spreadsheet through the browser."""

import pytest
from playwright.sync_api import expect

from jobs.models import Job
from rehab.models import Enrolment
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login, run_worker
from tests.data import EXAMPLE_CSV

EXAMPLE = EXAMPLE_CSV

pytestmark = pytest.mark.django_db(transaction=True)


def open_upload_page(page, live_server):
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/import/")
    expect(page.get_by_role("heading", name="Importera inskrivningar")).to_be_visible()


def test_admin_uploads_previews_and_confirms_the_example(page, live_server, demo):
    open_upload_page(page, live_server)
    assert_accessible(page)
    page.get_by_label("Team").select_option(label="Rehabteamet")
    page.get_by_label("Fil", exact=True).set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="Förhandsgranska").click()

    expect(page.get_by_role("heading", name="Förhandsgranska import")).to_be_visible()
    main = page.locator("main").inner_text()
    assert "Om du bekräftar importeras 12 inskrivningar (12 nya deltagare" in main
    assert "Anna Berg" in main
    assert "Kompassen från 2023-08-01" in main
    assert Enrolment.objects.count() == 0
    assert_accessible(page)

    page.get_by_role("button", name="Bekräfta och importera").click()
    expect(page.get_by_role("heading", name="Rehabteamet")).to_be_visible()
    alert = page.get_by_role("alert").inner_text()
    assert alert == "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade."
    assert Enrolment.objects.count() == 12
    assert_accessible(page)


def test_a_bad_line_is_shown_with_its_number_and_nothing_is_saved(
    page, live_server, demo, tmp_path
):
    bad = tmp_path / "inskrivningar.csv"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "2024-02-12,,,,Portalen", "2024-02-31,,,,Portalen"
        ),
        encoding="utf-8",
    )
    open_upload_page(page, live_server)
    page.get_by_label("Fil", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Förhandsgranska").click()

    main = page.locator("main").inner_text()
    assert "1 rad har fel, så ingenting kan importeras." in main
    errors = page.get_by_role("table", name="1 fel på 1 rad")
    assert errors.get_by_role("row").nth(1).inner_text() == (
        "5\tstartdatum '2024-02-31' är inget giltigt datum"
    )
    assert page.get_by_role("button", name="Bekräfta och importera").count() == 0
    assert_accessible(page)

    page.get_by_role("button", name="Avbryt").click()
    assert page.get_by_role("alert").inner_text() == "Importen avbröts. Inget sparades."
    assert Enrolment.objects.count() == 0


def test_a_wrong_file_type_is_a_form_error(page, live_server, demo, tmp_path):
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    open_upload_page(page, live_server)
    page.get_by_label("Fil", exact=True).set_input_files(str(pdf))
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.locator("main")).to_contain_text("Filtypen stöds inte.", use_inner_text=True)
    assert_accessible(page)


def test_a_large_import_runs_in_the_worker_and_the_page_shows_its_result(
    page, live_server, demo, settings
):
    """Above IMPORT_JOB_ROWS (3 here) the confirmation queues a job: the status page shows it
    waiting with its progress bar while no worker runs, and the summary once the worker has
    imported every row (the page polls and reloads by itself)."""
    settings.IMPORT_JOB_ROWS = 3
    open_upload_page(page, live_server)
    page.get_by_label("Team").select_option(label="Rehabteamet")
    page.get_by_label("Fil", exact=True).set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.locator("main")).to_contain_text(
        "Filen har fler än 3 rader och importeras i bakgrunden"
    )

    page.get_by_role("button", name="Bekräfta och importera").click()
    expect(
        page.get_by_role("heading", name="Import av inskrivningar till Rehabteamet (12 rader)")
    ).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Status: I kö")
    expect(page.get_by_label("Hur långt jobbet har kommit")).to_be_visible()
    assert_accessible(page)
    page.wait_for_timeout(2500)  # the page keeps polling; nothing runs without the worker
    expect(page.get_by_role("status")).to_contain_text("I kö")
    assert Enrolment.objects.count() == 0

    run_worker()
    expect(page.get_by_role("status")).to_contain_text("Status: Klar")
    expect(page.locator("main")).to_contain_text(
        "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade."
    )
    expect(page.get_by_label("Hur långt jobbet har kommit")).to_have_count(0)
    job = Job.objects.get()
    assert (job.progress, job.total) == (12, 12)
    assert Enrolment.objects.count() == 12
    assert_accessible(page)
    page.get_by_role("link", name="Tillbaka").click()
    expect(page.get_by_role("heading", name="Rehabteamet")).to_be_visible()
