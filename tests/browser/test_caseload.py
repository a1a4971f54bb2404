"""The caseload and the participant page on a phone (390 × 844) and a laptop (1366 × 800):
nothing needs sideways scrolling, a row's module, next review and status are in view, and
the kept search says which filters hide a participant."""

import datetime

import pytest
from playwright.sync_api import expect

from modules.models import Module, Placement
from referrals.models import Consent
from rehab.models import Team
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 800)}
SCREENSHOT = "/tmp/ux3-{}-{}.png"  # noqa: S108 – looked at by hand, not read back


@pytest.fixture
def caseload(demo):
    team = Team.objects.get(name="Rehabteamet")
    module = Module.objects.filter(team=team).order_by("name").first()
    enrolment = EnrolmentFactory(
        team=team,
        participant=ParticipantFactory(first_name="Annika", last_name="Aaltonen-Björkqvist"),
        start_date=D(2024, 1, 15),
        phase="aktivitet",
    )
    Placement.objects.create(
        enrolment=enrolment, module=module, start_date=D(2024, 2, 1), next_review_due=D(2024, 5, 2)
    )
    for i in range(4):
        EnrolmentFactory(team=team, participant=ParticipantFactory(last_name=f"Bergström{i}"))
    Consent.objects.create(
        participant=enrolment.participant,
        agencies="AF, FK, Region, Kommun",
        scope="Information om insatsen, deltagarens planering, arbetsförmåga och hälsa får delas "
        "mellan de angivna myndigheterna under hela inskrivningen.",
        given_date=D(2024, 1, 15),
    )
    EnrolmentFactory(
        team=team,
        participant=ParticipantFactory(first_name="Anna", last_name="Utskrivensson"),
        start_date=D(2023, 1, 1),
        exit_date=D(2023, 6, 1),
        exit_outcome="arbete",
    )
    return enrolment, module


def _no_sideways_scroll(page):
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, f"{page.url}: {width} px bred sida i {inner} px fönster"


def _in_view(page, locator):
    """The element is visible and lies within the window's width."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    inner = page.evaluate("() => window.innerWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= inner, (box, inner)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_caseload_and_consent_fit_the_screen(page, live_server, caseload, viewport):
    _, module = caseload
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/deltagare/")
    page.screenshot(path=SCREENSHOT.format("caseload", viewport), full_page=True)
    _no_sideways_scroll(page)
    first = page.locator("table.caseload-table tbody tr").first
    expect(first).to_contain_text("Aaltonen-Björkqvist", use_inner_text=True)
    for text in (module.name, "2024-05-02", "Aktivitet"):
        _in_view(page, first.locator("td", has_text=text).first)
    details = page.locator("details.caseload-filters")
    # On the phone the filters start folded, so the list is on the first screen.
    assert details.evaluate("d => d.open") is (viewport == "desktop")
    if viewport == "phone":
        assert page.get_by_label("Status").is_hidden()
        page.get_by_text("Filter", exact=True).click()
    expect(page.get_by_label("Status")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Aaltonen-Björkqvist").first.click()
    consent = page.locator("section[aria-labelledby=samtycke-rubrik] table")
    consent.first.wait_for()
    page.screenshot(path=SCREENSHOT.format("participant", viewport), full_page=True)
    _no_sideways_scroll(page)
    for text in ("2024-01-15", "Gäller", "hela inskrivningen"):
        _in_view(page, consent.first.locator("td", has_text=text).first)
    assert_accessible(page)


def test_kept_search_names_the_hiding_filter_and_shows_the_exited(page, live_server, caseload):
    width, height = VIEWPORTS["phone"]
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/deltagare/")
    page.get_by_label("Sök på namn eller personnummer").fill("Anna")
    page.get_by_role("button", name="Sök", exact=True).click()
    # Annika matches too; narrow to the exited one's surname to empty the active list.
    page.get_by_label("Sök på namn eller personnummer").fill("Utskrivensson")
    page.get_by_role("button", name="Sök", exact=True).click()
    # Away and back: the search is kept, and the page says why the list is empty.
    page.get_by_role("link", name="Remisser", exact=True).click()
    page.get_by_role("link", name="Deltagare", exact=True).click()
    main = page.locator("main")
    active = page.get_by_role("group", name="Aktiva filter")
    assert "Visar: aktiva inskrivningar · sökning ”Utskrivensson”" in " ".join(
        active.inner_text().replace("×", "").replace(", ta bort", "").split()
    )
    expect(main).to_contain_text("Inga deltagare matchar filtren", use_inner_text=True)
    page.screenshot(path=SCREENSHOT.format("empty", "phone"), full_page=True)
    _no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_role("link", name="Visa även avslutade (1 träff)").click()
    expect(page.locator("table")).to_contain_text("Utskrivensson", use_inner_text=True)
    expect(active).to_contain_text("alla inskrivningar", use_inner_text=True)
    page.get_by_role("button", name="Rensa alla filter").click()
    assert page.get_by_label("Sök på namn eller personnummer").input_value() == ""
    expect(page.locator("table")).to_contain_text("Bergström0", use_inner_text=True)
    expect(main).not_to_contain_text("Rensa alla filter", use_inner_text=True)


def test_column_header_sorts_and_says_so(page, live_server, caseload):
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/deltagare/")
    page.get_by_role("link", name="Namn", exact=True).click()
    header = page.get_by_role("columnheader", name="Namn")
    assert header.get_attribute("aria-sort") == "descending"
    names = page.locator("tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, key=lambda n: n.split()[-1], reverse=True)
    assert page.get_by_role("columnheader", name="Modul").get_attribute("aria-sort") is None
    assert_accessible(page)
