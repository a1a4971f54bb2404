"""A handledare sets up two-factor log-in in the browser, then logs in with a code."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def _code(secret: str, offset_steps: int = 0) -> str:
    """What the phone app shows for `secret`, `offset_steps` periods from now."""
    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() + 30 * offset_steps
    return f"{totp.token():06d}"


def _period() -> int:
    """The TOTP period (30 s) of now."""
    return int(time.time() // 30)


def _issue_code(page, live_server, username) -> str:
    """The unit manager (with REQUIRE_2FA off for her) makes an activation code."""
    login(page, live_server, "admin", PASSWORD)
    page.get_by_role("link", name="Aktiveringskoder").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"Skapa aktiveringskod för {username}$")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Skapa aktiveringskod").click()
    page.wait_for_load_state()
    code = page.locator("#activation-code").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Logga ut").click()
    return code


def test_handledare_sets_up_two_factor_and_logs_in_with_a_code(page, live_server, demo, settings):
    code = _issue_code(page, live_server, "handledare")
    settings.REQUIRE_2FA = True
    login(page, live_server, "handledare", PASSWORD)
    assert "/konto/tvafaktor/" in page.url
    # The password alone shows no secret: the set-up asks for the activation code.
    expect(page.locator("main")).to_contain_text(
        "Be din enhetschef om en aktiveringskod", use_inner_text=True
    )
    assert page.locator("#totp-secret").count() == 0
    assert_accessible(page)
    page.get_by_label("Aktiveringskod").fill(code)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Aktivera tvåfaktorsinloggning")).to_be_visible()
    expect(page.locator("figure svg")).to_be_visible()
    assert_accessible(page)

    secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())
    set_up_in = _period()
    page.get_by_label("Kod").fill(_code(secret))
    page.get_by_role("button", name="Aktivera").click()
    page.wait_for_load_state()
    assert "/konto/reservkoder/" in page.url
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Jag har sparat koderna")).click()
    assert page.url == f"{live_server.url}/"

    page.get_by_role("button", name="Logga ut").click()
    login(page, live_server, "handledare", PASSWORD)
    assert "/konto/tvafaktor/kod/" in page.url
    assert_accessible(page)
    page.get_by_label("Kod").fill("000000" if _code(secret, 1) != "000000" else "111111")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator("main")).to_contain_text("Koden stämmer inte", use_inner_text=True)
    # The code of a period after the set-up's: the one used at set-up may not be used again.
    # (The current one, not the next: on a loaded machine the set-up may be verified a period
    # late, and django-otp then follows the phone's clock one period behind.)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    while _period() <= set_up_in:
        time.sleep(0.5)
    page.get_by_label("Kod").fill(_code(secret))
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/"
    expect(page.locator("main")).to_contain_text(
        "Du är inloggad som handledare", use_inner_text=True
    )

    page.get_by_role("link", name="Mitt konto").click()
    expect(page.locator("main")).to_contain_text("aktiverad", use_inner_text=True)
    assert_accessible(page)


def test_invited_handledare_reaches_a_participant(page, live_server, example_demo, settings):
    from rehab.models import Enrolment

    enrolment = Enrolment.objects.filter(team__name="Rehabteamet").first()
    code = _issue_code(page, live_server, "handledare")
    settings.REQUIRE_2FA = True
    login(page, live_server, "handledare", PASSWORD)
    page.get_by_label("Aktiveringskod").fill(code)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_load_state()
    secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())
    page.get_by_label("Kod").fill(_code(secret))
    page.get_by_role("button", name="Aktivera").click()
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("Jag har sparat koderna")).click()
    page.goto(f"{live_server.url}/deltagare/{enrolment.participant_id}/")
    assert "/deltagare/" in page.url and "logga-in" not in page.url
    assert "tvafaktor" not in page.url
