"""Playwright driving Debian's chromium against the live test server, with axe-core."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

AXE = (Path(__file__).parent / "axe.min.js").read_text(encoding="utf-8")
DEMO_PASSWORD = "webbläsartest-lösenord"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        # Never a silent skip: `make test` deselects these tests with a clear line instead.
        pytest.fail(
            "chromium saknas: installera Debians paket chromium eller kör -m 'not browser'"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # Reduced motion: Bootstrap then drops its colour transitions, so axe never measures the
    # contrast of a button half-way between its hover and rest colours.
    context = browser.new_context(locale="sv-SE", reduced_motion="reduce")
    page = context.new_page()
    # Generous limits: CI runs two suites side by side on two cores, and a steering group's
    # first dashboard computes its suppression (seconds on a quiet machine). A passing test
    # never waits for them; a failing one fails later.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(60_000)
    # The strict Content-Security-Policy holds on every page a test visits: chromium reports
    # each blocked script, style or handler on the console.
    blocked = []
    page.on(
        "console",
        lambda msg: (
            blocked.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, "CSP blockerade:\n" + "\n".join(blocked)


# `expect(...)` waits for what a test asserts (a page that is still loading, a status that
# the script updates) up to this limit.
expect.set_options(timeout=30_000)


def assert_accessible(page):
    """axe-core finds no serious or critical violation on the page."""
    # Evaluated through the DevTools protocol, not as an inline <script>: the page's CSP
    # (scripts only from 'self' or with the nonce) would block an injected script tag.
    result = None
    for attempt in range(3):
        # A click that navigates may still be loading the next page; axe is run on the page
        # once it has loaded, again if the navigation replaced the document meanwhile.
        page.wait_for_load_state("load")
        try:
            page.evaluate(AXE)
            result = page.evaluate("async () => await axe.run(document)")
            break
        except PlaywrightError as error:
            if attempt == 2 or not _navigated(error):
                raise
            page.wait_for_timeout(200)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe på {page.url}:\n" + "\n".join(bad)


def _navigated(error):
    message = str(error)
    return "documentElement" in message or "Execution context was destroyed" in message


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def run_worker():
    """The worker, run over the waiting jobs beside the live server (as `manage.py db_worker
    --batch` would in its own process)."""
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


if os.environ.get("REQUIRE_BROWSER") and shutil.which("chromium") is None:
    raise RuntimeError("REQUIRE_BROWSER är satt men chromium saknas")


@pytest.fixture
def demo(transactional_db):
    """The demo organisation and users (no participants), all with DEMO_PASSWORD."""
    call_command(
        "seed_demo", "--participants", "0", "--password", DEMO_PASSWORD, stdout=io.StringIO()
    )


@pytest.fixture
def example_demo(demo):
    """The demo organisation with the worked example's enrolments in Rehabteamet."""
    from rehab.models import Team
    from tests.reporting.conftest import load_example

    load_example(Team.objects.get(name="Rehabteamet"))
