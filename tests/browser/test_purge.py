"""The unit manager starts the purge from /gallring/ (issue #19): a confirmation page with the
counts, a required tick box, then the job's status page; once the worker has run it, the page
(polling by itself) says what was purged, in counts only, and the run is listed."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login, run_worker
from tests.separation import PURGE_ALIAS, SEPARATE_PURGE

# With separated roles the worker purges over the purge connection (tests/separation.py).
pytestmark = pytest.mark.django_db(
    transaction=True, databases=["default", PURGE_ALIAS] if SEPARATE_PURGE else ["default"]
)


def test_unit_manager_confirms_and_watches_the_purge(page, live_server, demo):
    today = timezone.localdate()
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}{reverse('privacy:purge_runs')}")
    expect(page.get_by_role("heading", name="Gallringskörningar")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ingen gallring har körts ännu.")
    assert_accessible(page)

    page.get_by_role("link", name="Starta gallring nu…").click()
    expect(page.get_by_role("heading", name="Starta gallring")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("bara antal")
    assert_accessible(page)
    # The hurried click: nothing starts without the tick.
    page.get_by_role("button", name="Starta gallringen").click()
    expect(page.locator("main")).to_contain_text("Kryssa i rutan för att bekräfta gallringen.")
    assert_accessible(page)

    page.get_by_label(re.compile("Jag förstår att det som gallras tas bort")).check()
    page.get_by_role("button", name="Starta gallringen").click()
    expect(page.get_by_role("heading", name=f"Gallring per {today:%Y-%m-%d}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("I kö")
    assert_accessible(page)

    run_worker()
    # The poller reloads the page when the job has finished.
    expect(page.get_by_role("status")).to_contain_text("Status: Klar")
    assert_accessible(page)

    page.goto(f"{live_server.url}{reverse('privacy:purge_runs')}")
    expect(page.get_by_role("table").locator("caption")).to_have_text("1 körning")
    expect(page.get_by_role("link", name="Starta gallring nu…")).to_be_visible()
