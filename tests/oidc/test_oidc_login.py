"""Log-in through the municipality's identity provider, against a real OpenID provider
(tests/oidc/provider.js) with the Django test client: matching to existing users only, the ID
token's checks, state replay, MFA from the provider or the local TOTP step, password log-in
turned off, and log-out at the provider."""

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sessions import LOGIN_METHOD, SECOND_FACTOR, SEEN_AT
from privacy.models import AccessLog, LoginMethod
from rehab.models import Membership
from tests.accounts.conftest import post_login
from tests.factories import PASSWORD, EnrolmentFactory, ParticipantFactory, UserFactory
from tests.oidc.fixtures import CLIENT_EXPIRED, CLIENT_WRONG_AUDIENCE, EMAIL, provider_login

pytestmark = [pytest.mark.django_db, pytest.mark.oidc]


@pytest.fixture
def hanna(rehab_team):
    """A handledare created here by the unit manager, with the e-mail the provider knows."""
    user = UserFactory(username="hanna", email=EMAIL.upper())
    Membership.objects.create(user=user, team=rehab_team, role="handledare")
    return user


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_login_page_has_no_oidc_button_when_not_configured(client, settings):
    settings.OIDC_ENABLED = False
    page = client.get(reverse("login")).content.decode()
    assert "kommunens identitetstjänst" not in page
    assert client.get("/logga-in/oidc/").status_code == 404
    assert client.get("/logga-in/oidc/klar/?code=x&state=y").status_code == 404


def test_login_page_offers_the_provider(client, oidc_provider):
    page = client.get(reverse("login") + "?next=/remisser/").content.decode()
    assert "Logga in med kommunens identitetstjänst" in page
    assert "/logga-in/oidc/?next=/remisser/" in page


def test_start_uses_pkce_s256_state_and_nonce(client, oidc_provider):
    response = client.get("/logga-in/oidc/")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(oidc_provider.issuer)
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == ["finsam"]
    state = query["state"][0]
    stored = client.session["oidc_states"][state]
    assert stored["nonce"] == query["nonce"][0]
    assert len(stored["code_verifier"]) >= 43


def test_handledare_logs_in_and_lands_on_her_start_page(client, oidc_provider, hanna):
    callback = provider_login(client, "hanna-mfa", next_url="/remisser/")
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/remisser/"
    assert client.session["_auth_user_id"] == str(hanna.pk)
    assert client.session[LOGIN_METHOD] == LoginMethod.OIDC
    start = client.get("/")
    assert start.status_code == 200
    assert "Du är inloggad som handledare" in start.content.decode()


def test_unknown_person_is_refused_in_swedish_and_logged(client, oidc_provider, hanna, caplog):
    users_before = set(hanna.__class__.objects.values_list("pk", flat=True))
    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        response = client.get(provider_login(client, "okand"))
    assert response["Location"] == reverse("login")
    assert any("inget konto i Finsam" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session
    assert set(hanna.__class__.objects.values_list("pk", flat=True)) == users_before
    assert "no active user" in caplog.text
    # The message is shown on the log-in page.
    assert "inget konto i Finsam" in client.get(reverse("login")).content.decode()


def test_no_identifying_claim_is_refused(client, oidc_provider, hanna):
    response = client.get(provider_login(client, "utan-epost"))
    assert any("skickade inte vem du är" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session


def test_two_accounts_with_the_same_address_are_refused(client, oidc_provider, hanna):
    UserFactory(username="hanna2", email=EMAIL)
    response = client.get(provider_login(client, "hanna-mfa"))
    assert any("inget konto i Finsam" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session


def test_match_by_subject_to_the_user_name(client, oidc_provider, settings, rehab_team):
    """As with Entra ID's object id: OIDC_USER_CLAIM=oid, OIDC_USER_FIELD=username."""
    settings.OIDC_USER_CLAIM = "sub"
    settings.OIDC_USER_FIELD = "username"
    user = UserFactory(username="hanna-pwd", email="")
    client.get(provider_login(client, "hanna-pwd"))
    assert client.session["_auth_user_id"] == str(user.pk)


def test_inactive_account_is_refused(client, oidc_provider, hanna):
    hanna.is_active = False
    hanna.save()
    response = client.get(provider_login(client, "hanna-mfa"))
    assert any("inget konto i Finsam" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("client_id", "reason"),
    [(CLIENT_WRONG_AUDIENCE, "another audience"), (CLIENT_EXPIRED, "expired")],
)
def test_id_token_for_another_audience_or_expired_is_refused(
    client, oidc_providers, settings, hanna, caplog, client_id, reason
):
    oidc_providers("http://testserver").configure(settings, client_id=client_id)
    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        response = client.get(provider_login(client, "hanna-mfa"))
    assert response["Location"] == reverse("login")
    assert any("svaret från identitetstjänsten var inte giltigt" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session
    assert reason in caplog.text


def test_replayed_state_is_refused(client, oidc_provider, hanna, caplog):
    callback = provider_login(client, "hanna-mfa")
    assert client.get(callback)["Location"] == "/"
    client.logout()
    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        again = client.get(callback)
    assert again["Location"] == reverse("login")
    assert any("redan använts" in m for m in _messages(again))
    assert "_auth_user_id" not in client.session
    assert "unknown or already used state" in caplog.text


def test_callback_in_another_browser_is_refused(client, oidc_provider, hanna):
    callback = provider_login(client, "hanna-mfa")
    stranger = Client()
    response = stranger.get(callback)
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in stranger.session
    # The browser that started it still can.
    assert client.get(callback)["Location"] == "/"


def test_answer_naming_another_issuer_is_refused(client, oidc_provider, hanna):
    callback = provider_login(client, "hanna-mfa")
    assert "iss=" in callback
    forged = callback.replace("iss=", "iss=http%3A%2F%2Fevil.example%2F&x=")
    response = client.get(forged)
    assert any("inte giltigt" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session
    # The state is used up: the genuine answer cannot follow.
    assert client.get(callback)["Location"] == reverse("login")


def test_provider_error_is_shown_and_uses_up_the_state(client, oidc_provider):
    response = client.get("/logga-in/oidc/")
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    answer = client.get(f"/logga-in/oidc/klar/?error=access_denied&state={state}")
    assert any("avbröts" in m for m in _messages(answer))
    assert state not in client.session["oidc_states"]


def test_unreachable_provider_gives_a_swedish_message(client, settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.OIDC_CLIENT_ID = "finsam"
    settings.OIDC_CLIENT_SECRET = "x"
    settings.OIDC_TIMEOUT = 2
    response = client.get("/logga-in/oidc/")
    assert response["Location"] == reverse("login")
    assert any("svarar inte" in m for m in _messages(response))


# --- Multi-factor authentication -------------------------------------------------------------


@pytest.fixture
def hanna_with_app(hanna):
    TOTPDevice.objects.create(user=hanna, name="Autentiseringsapp", confirmed=True)
    return hanna


@pytest.mark.parametrize("login", ["hanna-mfa", "hanna-acr"])
def test_mfa_reported_by_the_provider_skips_totp(
    client, oidc_provider, settings, hanna_with_app, login
):
    settings.REQUIRE_2FA = True
    settings.OIDC_MFA_AMR = ["mfa"]
    settings.OIDC_MFA_ACR = ["urn:test:loa:2"]
    client.get(provider_login(client, login))
    assert client.session[SECOND_FACTOR] is True
    assert client.get("/").status_code == 200


def test_without_mfa_from_the_provider_the_local_totp_step_applies(
    client, oidc_provider, settings, hanna_with_app
):
    settings.REQUIRE_2FA = True
    settings.OIDC_MFA_ACR = ["urn:test:loa:2"]
    client.get(provider_login(client, "hanna-pwd"))
    assert client.session[SECOND_FACTOR] is False
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_mfa_always_trusts_the_provider_without_claims(
    client, oidc_provider, settings, hanna_with_app
):
    settings.REQUIRE_2FA = True
    settings.OIDC_MFA_ALWAYS = True
    client.get(provider_login(client, "hanna-pwd"))
    assert client.session[SECOND_FACTOR] is True


def test_without_mfa_and_without_app_the_setup_applies(client, oidc_provider, settings, hanna):
    settings.REQUIRE_2FA = True
    client.get(provider_login(client, "hanna-pwd"))
    response = client.get("/")
    assert response["Location"].startswith(reverse("two_factor_setup"))


# --- Password log-in turned off ---------------------------------------------------------------


def test_password_login_off_for_everyone_but_superusers(client, oidc_provider, settings, hanna):
    settings.PASSWORD_LOGIN = "superusers"
    response = post_login(client, "hanna")
    assert response.status_code == 200
    assert "Inloggning med lösenord är avstängd" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # A wrong password says nothing about the policy (no hint that the account exists).
    wrong = post_login(client, "hanna", password="fel-lösenord-här")
    assert "avstängd" not in wrong.content.decode()
    assert "Bara för administratörer" in client.get(reverse("login")).content.decode()
    # The identity provider still lets her in.
    client.get(provider_login(client, "hanna-mfa"))
    assert client.session["_auth_user_id"] == str(hanna.pk)


def test_password_login_off_also_on_the_admin_log_in(client, oidc_provider, settings, admin_user):
    settings.PASSWORD_LOGIN = "superusers"
    client.post(
        "/admin/login/",
        {"username": admin_user.username, "password": PASSWORD},
        REMOTE_ADDR="1.2.3.4",
    )
    assert "_auth_user_id" not in client.session


def test_superuser_keeps_password_as_break_glass(client, oidc_provider, settings):
    settings.PASSWORD_LOGIN = "superusers"
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = post_login(client, "root")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(root.pk)
    assert client.session[LOGIN_METHOD] == LoginMethod.PASSWORD


# --- Log-out ------------------------------------------------------------------------------------


def test_logout_ends_the_session_here_and_at_the_provider(client, oidc_provider, hanna):
    client.get(provider_login(client, "hanna-mfa"))
    # The log-out form on every page may end at the provider: the CSP allows its origin.
    policy = client.get("/")["Content-Security-Policy"]
    assert f"form-action 'self' {oidc_provider.issuer}" in policy
    response = client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == oidc_provider.issuer
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/logga-in/"]
    assert query["client_id"] == ["finsam"]
    assert query["id_token_hint"][0].count(".") == 2


def test_password_logout_stays_local(client, oidc_provider, hanna):
    post_login(client, "hanna")
    assert "form-action 'self';" in client.get("/")["Content-Security-Policy"] + ";"
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client, hanna):
    client.force_login(hanna)
    assert client.get(reverse("logout")).status_code == 405


# --- Access log ---------------------------------------------------------------------------------


def test_access_log_records_the_login_method(client, oidc_provider, hanna, rehab_team):
    participant = ParticipantFactory()
    EnrolmentFactory(participant=participant, team=rehab_team, responsible=hanna)
    client.get(provider_login(client, "hanna-mfa"))
    assert client.get(reverse("participant_detail", args=[participant.pk])).status_code == 200
    row = AccessLog.objects.filter(participant_id=participant.pk).latest("pk")
    assert row.login_method == LoginMethod.OIDC
    client.post(reverse("logout"))
    post_login(client, "hanna")
    client.get(reverse("participant_detail", args=[participant.pk]))
    assert AccessLog.objects.filter(participant_id=participant.pk).latest("pk").login_method == (
        LoginMethod.PASSWORD
    )


def test_log_review_and_csv_show_the_login_method(client, oidc_provider, hanna, admin_user):
    team = hanna.memberships.get().team
    participant = ParticipantFactory()
    EnrolmentFactory(participant=participant, team=team, responsible=hanna)
    client.get(provider_login(client, "hanna-mfa"))
    client.get(reverse("participant_detail", args=[participant.pk]))
    client.post(reverse("logout"))
    client.force_login(admin_user)
    page = client.get(reverse("privacy:log_review")).content.decode()
    assert '<th scope="col">Inloggning</th>' in page
    assert "Kommunens identitetstjänst" in page
    csv = b"".join(client.get(reverse("privacy:log_csv")).streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].endswith(",inloggning")
    assert "Kommunens identitetstjänst" in csv


# --- Session rules ------------------------------------------------------------------------------


def test_session_timeouts_apply_after_an_oidc_login(client, oidc_provider, settings, hanna):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.get(provider_login(client, "hanna-mfa"))
    session = client.session
    session[SEEN_AT] -= 31 * 60
    session.save()
    response = client.get(reverse("caseload"))
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_log_out_everywhere_ends_an_oidc_session(client, oidc_provider, hanna):
    client.get(provider_login(client, "hanna-mfa"))
    other = Client()
    other.force_login(hanna)
    other.post(reverse("sessions_end_all"))
    assert client.get(reverse("caseload"))["Location"].startswith(reverse("login"))
