"""The log review in the browser: a handledare reads a participant, the unit manager sees that
read in the log review, downloads it as CSV and reaches the subject-access export."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from rehab.models import Team
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_handledare_read_shows_in_the_log_review(page, live_server, demo):
    handledare = get_user_model().objects.get(username="handledare")
    participant = ParticipantFactory(first_name="Lova", last_name="Granström")
    EnrolmentFactory(
        participant=participant, team=Team.objects.get(name="Rehabteamet"), responsible=handledare
    )

    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    expect(page.get_by_role("heading", name="Lova Granström")).to_be_visible()
    assert page.get_by_role("link", name="Granskning av loggen").count() == 0
    page.context.clear_cookies()

    login(page, live_server, "admin", PASSWORD)
    page.get_by_role("link", name="Granskning av loggen").click()
    expect(page.get_by_role("heading", name="Granskning av loggen")).to_be_visible()
    table = page.locator("table")
    expect(table).to_contain_text("Deltagarens sida", use_inner_text=True)
    expect(table).not_to_contain_text("participant_detail", use_inner_text=True)
    assert participant.masked_personnummer in table.inner_text()
    assert_accessible(page)

    # Search by personnummer: posted, and the address never shows it.
    page.get_by_label("Sök deltagare på personnummer").fill(participant.personnummer)
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.locator("main")).to_contain_text(
        "Visar loggen för Lova Granström", use_inner_text=True
    )
    assert participant.personnummer[8:] not in page.url
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner som CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "handledare" in text and "Deltagarens sida" in text
    assert "participant_detail" not in text

    # The subject-access export from the participant page.
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    page.get_by_role("link", name="Registerutdrag").click()
    expect(page.get_by_role("heading", name="Registerutdrag för Lova Granström")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ladda ner som PDF").click()
    page.wait_for_load_state()
    expect(
        page.get_by_role("heading", name=f"Registerutdrag som PDF (deltagare nr {participant.pk})")
    ).to_be_visible()
    expect(page.locator("h1")).not_to_contain_text("Lova", use_inner_text=True)
    call_command(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--interval",
        "0",
        "--queue-name",
        "*",
        verbosity=0,
    )
    link = page.get_by_role("link", name="Ladda ner registerutdrag_")
    link.wait_for()
    assert_accessible(page)
    with page.expect_download() as pdf_info:
        link.click()
    assert Path(pdf_info.value.path()).read_bytes()[:4] == b"%PDF"

    page.goto(f"{live_server.url}/integritet/gallring/")
    expect(page.get_by_role("heading", name="Gallringskörningar")).to_be_visible()
    assert_accessible(page)


def test_probing_other_teams_ids_shows_in_the_log_review(page, live_server, demo):
    """An EVI handledare opens ids of Rehabteamet's participants: each refusal is logged as
    "Nekad", and the unit manager sees the attempts per user (issue #15)."""
    hidden = EnrolmentFactory(team=Team.objects.get(name="Rehabteamet"))
    login(page, live_server, "handledare2", PASSWORD)
    for path in (f"/deltagare/{hidden.participant_id}/", f"/inskrivning/{hidden.pk}/andra/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_contain_text("Sidan finns inte", use_inner_text=True)
    page.context.clear_cookies()

    login(page, live_server, "admin", PASSWORD)
    page.get_by_role("link", name="Granskning av loggen").click()
    page.get_by_label("Bara nekade försök").check()
    page.get_by_role("button", name="Filtrera").click()
    main = page.locator("main").inner_text()
    assert "Nekad" in main and "Nekade försök per användare" in main
    assert "Hugo Berg" in main or "handledare2" in main
    assert_accessible(page)
