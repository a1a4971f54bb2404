"""Log-in through the municipality's identity provider in the browser, against the real test
provider (tests/oidc/provider.js): the demo handledare lands on her start page, and logs out
here and at the provider."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.oidc.fixtures import EMAIL

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.oidc]


@pytest.fixture
def provider(oidc_providers, live_server, settings, demo):
    settings.REQUIRE_2FA = True
    get_user_model().objects.filter(username="handledare").update(email=EMAIL)
    return oidc_providers(live_server.url).configure(settings)


def _log_in_at_provider(page, live_server, login):
    page.goto(f"{live_server.url}/")
    assert "/logga-in/" in page.url
    assert_accessible(page)
    page.get_by_role("link", name="Logga in med kommunens identitetstjänst").click()
    page.get_by_label("Testanvändare").fill(login)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_load_state()


def test_handledare_logs_in_through_the_provider_and_out_again(page, live_server, provider):
    _log_in_at_provider(page, live_server, "hanna-mfa")
    # The provider reported MFA: no local code is asked for.
    assert page.url == f"{live_server.url}/"
    body = page.locator("main").inner_text()
    assert "Du är inloggad som handledare" in body
    assert "Rehabteamet" in body
    assert_accessible(page)

    page.get_by_role("button", name="Logga ut").click()
    assert page.url.startswith(provider.issuer)
    page.get_by_role("button", name="Ja, logga ut").click()
    page.wait_for_url(f"{live_server.url}/logga-in/")
    # Logged out here too: the start page asks for a log-in again.
    page.goto(f"{live_server.url}/")
    assert "/logga-in/" in page.url


def test_unknown_person_sees_a_swedish_refusal(page, live_server, provider):
    _log_in_at_provider(page, live_server, "okand")
    assert "/logga-in/" in page.url
    expect(page.locator("main")).to_contain_text(
        "Du har inget konto i Finsam ärendehantering", use_inner_text=True
    )
    assert_accessible(page)


def test_without_mfa_from_the_provider_the_code_is_asked_for(page, live_server, provider):
    _log_in_at_provider(page, live_server, "hanna-pwd")
    # REQUIRE_2FA: the handledare has no app yet, so she is sent to set one up.
    assert "/konto/tvafaktor/" in page.url
