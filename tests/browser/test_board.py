"""The unit manager opens the board report, picks the first half-year, reads the table and
downloads the Excel file; the förbund officer sees the same report with small counts hidden;
the steering group reaches it from its start page and downloads the half-year table."""

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _first_half_2024(page, live_server, username):
    login(page, live_server, username, PASSWORD)
    page.goto(f"{live_server.url}/rapporter/styrelse/")
    expect(page.get_by_role("heading", name="Styrelserapport", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Rapport för").select_option(label="Rehabteamet")
    page.get_by_label("År", exact=True).fill("2024")
    page.get_by_role("button", name="Första halvåret").click()
    page.wait_for_load_state()


def test_admin_reads_the_half_year_table_and_downloads_excel(
    page, live_server, example_demo, tmp_path
):
    _first_half_2024(page, live_server, "admin")
    expect(
        page.get_by_role("heading", name="Rehabteamet, 2024-01-01 – 2024-06-30")
    ).to_be_visible()
    table = page.get_by_role("table", name="Mått enligt styrelsens tabell")
    active = table.get_by_role("row", name="Antal aktiva under perioden")
    assert active.inner_text().split() == [
        "Antal",
        "aktiva",
        "under",
        "perioden",
        "5",
        "4",
        "1",
        "10",
    ]
    expect(table).to_contain_text("342,3", use_inner_text=True)
    assert page.get_by_label("Från och med").input_value() == "2024-01-01"
    assert page.get_by_label("Till och med").input_value() == "2024-06-30"
    assert_accessible(page)

    page.get_by_label("Text till styrelsen").fill("Fler nya deltagare än väntat.")
    page.get_by_role("button", name="Spara texten").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(
        "Texten till styrelsen är sparad.", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_role("button", name="Excel", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("I kö", use_inner_text=True)
    run_worker()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner").click()
    download = download_info.value
    assert download.suggested_filename == "styrelserapport_rehabteamet_2024-01-01_2024-06-30.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = openpyxl.load_workbook(target)
    rows = list(book["Tabell"].iter_rows(values_only=True))
    assert ("Antal aktiva under perioden", "antal", 5, 4, 1, 10) in rows
    assert any(row[0] == "Fler nya deltagare än väntat." for row in rows)


def test_board_pdf_waits_for_the_worker_then_downloads(page, live_server, example_demo, tmp_path):
    """With no worker running the PDF is queued; the status page says so, and once the worker
    has run it the page (polling by itself) offers the file, which is gone after download."""
    _first_half_2024(page, live_server, "admin")
    page.get_by_role("button", name="PDF för styrelsen").click()
    page.wait_for_load_state()
    expect(
        page.get_by_role(
            "heading", name="Styrelserapporten som PDF, Rehabteamet 2024-01-01 – 2024-06-30"
        )
    ).to_be_visible()
    assert page.get_by_role("status").inner_text().startswith("Status: I kö")
    assert page.locator("progress").count() == 1
    assert_accessible(page)
    page.wait_for_timeout(2500)  # the page keeps polling; nothing runs without the worker
    expect(page.get_by_role("status")).to_contain_text("I kö", use_inner_text=True)

    run_worker()
    link = page.get_by_role("link", name="Ladda ner styrelserapport_rehabteamet_2024-01-01_")
    link.wait_for()  # the poller reloads the page when the job has finished
    expect(page.get_by_role("status")).to_contain_text("Status: Klar", use_inner_text=True)
    assert_accessible(page)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "styrelserapport_rehabteamet_2024-01-01_2024-06-30.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert "Rehabteamet" in PdfReader(target).pages[0].extract_text()
    page.reload()
    expect(page.locator("main")).to_contain_text(
        "Filen är nedladdad och borttagen från servern", use_inner_text=True
    )


def test_forbund_officer_sees_small_counts_hidden(page, live_server, example_demo):
    _first_half_2024(page, live_server, "forbund")
    table = page.get_by_role("table", name="Mått enligt styrelsens tabell")
    active = table.get_by_role("row", name="Antal aktiva under perioden")
    assert active.inner_text().split()[-4:] == ["5", "<5", "<5", "10"]
    assert page.get_by_role("button", name="Spara texten").count() == 0
    assert_accessible(page)


def test_steering_group_reads_the_report_and_downloads_the_half_year_table(
    page, live_server, example_demo, tmp_path
):
    login(page, live_server, "styrgrupp", PASSWORD)
    page.get_by_role("link", name="Öppna styrelserapporten").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Styrelserapport", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Rapport för").select_option(label="Rehabteamet")
    page.get_by_label("År", exact=True).fill("2024")
    page.get_by_role("button", name="Första halvåret").click()
    page.wait_for_load_state()
    table = page.get_by_role("table", name="Mått enligt styrelsens tabell")
    active = table.get_by_role("row", name="Antal aktiva under perioden")
    assert active.inner_text().split()[-4:] == ["5", "<5", "<5", "10"]
    expect(table).not_to_contain_text("342,3", use_inner_text=True)
    assert page.get_by_role("button", name="Spara texten").count() == 0
    assert page.get_by_label("Text till styrelsen").count() == 0
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Halvårstabell (styrelsens format), CSV").click()
    download = download_info.value
    assert download.suggested_filename == "halvarstabell_rehabteamet_2024-01-01_2024-06-30.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    body = target.read_bytes()
    assert body.startswith("\ufeff".encode())
    header, row = body.decode("utf-8-sig").splitlines()[:2]
    assert header.startswith("Team,Antal aktiva under 2024-01-01–2024-06-30,")
    assert row.startswith("Rehabteamet,")
    assert row.endswith(",252.5") and "<5" in row  # the mean over six exits is shown

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Halvårstabell (styrelsens format), Excel").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    rows = list(openpyxl.load_workbook(target)["Halvårstabell"].iter_rows(values_only=True))
    assert any(r[0] == "Rehabteamet" and "<5" in r for r in rows)
