"""Two-factor log-in: set-up with a TOTP app, codes at log-in, single-use recovery codes."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.sessions import SECOND_FACTOR
from rehab.models import AuditEvent
from tests.accounts.conftest import current_code, post_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled_device(handledare_a):
    """Hanna has set up her app and has ten recovery codes."""
    device = TOTPDevice.objects.create(user=handledare_a, name="app", confirmed=True)
    codes = services.recovery_codes_regenerate(user=handledare_a)
    return device, codes


def _activate(client, user):
    """The unit manager has given `user` an activation code, which they type in."""
    code = services.activation_code_issue(user=user, by=None)
    response = client.post(reverse("two_factor_setup"), {"activation_code": code})
    assert response.status_code == 302
    return code


def _verify(client, code, next_url="/"):
    return client.post(reverse("two_factor_verify") + f"?next={next_url}", {"code": code})


class TestWhoMustUseIt:
    def test_handledare_without_app_is_sent_to_set_up(self, client, handledare_a, require_2fa):
        assert post_login(client, "hanna").status_code == 302
        response = client.get(reverse("caseload"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_setup"))
        assert "next=/deltagare/" in response["Location"]

    def test_admin_without_app_is_sent_to_set_up(self, client, admin_user, require_2fa):
        post_login(client, "anita")
        response = client.get(reverse("start"))
        assert response["Location"].startswith(reverse("two_factor_setup"))
        # Django admin is behind the same gate.
        assert client.get(reverse("admin:index"))["Location"].startswith(
            reverse("two_factor_setup")
        )

    @pytest.mark.parametrize("persona", ["styrgrupp_user", "forbund_user"])
    def test_aggregate_users_need_no_app(self, client, persona, request, require_2fa):
        user = request.getfixturevalue(persona)
        post_login(client, user.username)
        assert client.get(reverse("overview")).status_code == 200

    def test_styrgrupp_user_may_set_up_an_app_and_then_uses_it(
        self, client, styrgrupp_user, require_2fa
    ):
        TOTPDevice.objects.create(user=styrgrupp_user, name="app", confirmed=True)
        post_login(client, "stina")
        assert client.get(reverse("overview"))["Location"].startswith(reverse("two_factor_verify"))

    def test_without_require_2fa_handledare_goes_straight_in(self, client, handledare_a):
        post_login(client, "hanna")
        assert client.get(reverse("caseload")).status_code == 200

    def test_pages_a_pending_user_may_open(self, client, handledare_a, require_2fa):
        post_login(client, "hanna")
        assert client.get(reverse("two_factor_setup")).status_code == 200
        assert client.get(reverse("account_detail")).status_code == 302
        assert client.post(reverse("logout")).status_code == 302
        assert client.get(reverse("caseload"))["Location"].startswith(reverse("login"))


class TestSetUp:
    def test_set_up_shows_qr_code_and_secret_and_gives_ten_recovery_codes(
        self, client, handledare_a, require_2fa
    ):
        post_login(client, "hanna")
        _activate(client, handledare_a)
        page = client.get(reverse("two_factor_setup") + "?next=/deltagare/")
        body = page.content.decode()
        assert "<svg" in body and "QR-kod" in body
        device = TOTPDevice.objects.get(user=handledare_a)
        assert not device.confirmed
        secret = page.context["secret_groups"]
        assert "".join(secret) in body.replace(" ", "")
        # Reloading keeps the same secret, so a scanned code keeps working.
        client.get(reverse("two_factor_setup"))
        assert TOTPDevice.objects.filter(user=handledare_a).count() == 1

        response = client.post(
            reverse("two_factor_setup"), {"code": current_code(device), "next": "/deltagare/"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("recovery_codes_show"))
        device.refresh_from_db()
        assert device.confirmed
        shown = client.get(response["Location"])
        assert len(shown.context["codes"]) == 10
        assert StaticToken.objects.filter(device__user=handledare_a).count() == 10
        assert shown.context["next"] == "/deltagare/"
        # Shown once only.
        again = client.get(reverse("recovery_codes_show"))
        assert again.status_code == 302
        assert client.get(reverse("caseload")).status_code == 200
        assert AuditEvent.objects.filter(action="two_factor_enabled").count() == 1

    def test_wrong_code_at_set_up_is_refused(self, client, handledare_a, require_2fa):
        post_login(client, "hanna")
        _activate(client, handledare_a)
        client.get(reverse("two_factor_setup"))
        device = TOTPDevice.objects.get(user=handledare_a)
        wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
        response = client.post(reverse("two_factor_setup"), {"code": wrong})
        assert response.status_code == 200
        assert "Koden stämmer inte" in response.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        assert client.get(reverse("caseload")).status_code == 302

    @pytest.mark.parametrize("code", ["", "abc", "12345", "1234567", "12\x0034", "x" * 500])
    def test_malformed_code_at_set_up_gives_a_form_error(
        self, client, handledare_a, require_2fa, code
    ):
        post_login(client, "hanna")
        _activate(client, handledare_a)
        response = client.post(reverse("two_factor_setup"), {"code": code})
        assert response.status_code == 200
        assert response.context["form"].errors

    def test_set_up_page_of_a_user_with_an_app_asks_for_an_activation_code(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        post_login(client, "hanna")
        response = client.get(reverse("two_factor_setup"))
        assert response.status_code == 200
        assert "secret_groups" not in response.context
        assert "Be din enhetschef om en aktiveringskod" in response.content.decode()
        assert TOTPDevice.objects.filter(user=handledare_a).count() == 1

    def test_set_up_page_of_a_logged_in_user_with_an_app_redirects(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        device, _ = enrolled_device
        post_login(client, "hanna")
        _verify(client, current_code(device))
        assert client.get(reverse("two_factor_setup"))["Location"] == reverse("account_detail")


class TestLogInWithCode:
    def test_code_from_the_app_lets_the_user_in(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        device, _ = enrolled_device
        post_login(client, "hanna")
        assert client.get(reverse("caseload"))["Location"].startswith(reverse("two_factor_verify"))
        key_before = client.session.session_key
        response = _verify(client, current_code(device), "/deltagare/")
        assert response.status_code == 302
        assert response["Location"] == "/deltagare/"
        assert client.session[SECOND_FACTOR] is True
        # A new session key once the second factor is given.
        assert client.session.session_key != key_before
        assert client.get(reverse("caseload")).status_code == 200

    def test_wrong_code_is_refused(self, client, handledare_a, enrolled_device, require_2fa):
        device, _ = enrolled_device
        post_login(client, "hanna")
        wrong = f"{(int(current_code(device)) + 5) % 1_000_000:06d}"
        response = _verify(client, wrong)
        assert response.status_code == 200
        assert "Koden stämmer inte" in response.content.decode()
        assert client.get(reverse("caseload")).status_code == 302

    def test_the_same_app_code_cannot_be_used_twice(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        device, _ = enrolled_device
        code = current_code(device)
        post_login(client, "hanna")
        assert _verify(client, code).status_code == 302
        client.post(reverse("logout"))
        post_login(client, "hanna")
        assert _verify(client, code).status_code == 200

    def test_recovery_code_works_once(self, client, handledare_a, enrolled_device, require_2fa):
        _, codes = enrolled_device
        post_login(client, "hanna")
        # Typed as shown on the list, with a hyphen and upper case.
        shown = f"{codes[0][:4]}-{codes[0][4:]}".upper()
        response = _verify(client, shown)
        assert response.status_code == 302
        assert client.get(reverse("caseload")).status_code == 200
        assert services.recovery_codes_left(handledare_a) == 9
        assert AuditEvent.objects.filter(action="recovery_code_used").count() == 1

        client.post(reverse("logout"))
        post_login(client, "hanna")
        response = _verify(client, codes[0])
        assert response.status_code == 200
        assert "Koden stämmer inte" in response.content.decode()
        assert _verify(client, codes[1]).status_code == 302

    def test_repeated_wrong_codes_are_throttled(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        require_2fa.OTP_TOTP_THROTTLE_FACTOR = 1
        device, _ = enrolled_device
        post_login(client, "hanna")
        wrong = f"{(int(current_code(device)) + 5) % 1_000_000:06d}"
        _verify(client, wrong)
        # Even the right code waits until the delay after a failure has passed.
        response = _verify(client, current_code(device))
        assert response.status_code == 200
        body = response.content.decode()
        assert "För många försök. Vänta 1 sekunder och försök igen." in body
        assert "Koden stämmer inte" not in body

    def test_next_outside_the_site_is_ignored(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        device, _ = enrolled_device
        post_login(client, "hanna")
        response = _verify(client, current_code(device), "https://evil.example/")
        assert response["Location"] == reverse("start")


class TestRecoveryCodes:
    def test_new_recovery_codes_replace_the_old(
        self, client, handledare_a, enrolled_device, require_2fa
    ):
        device, old = enrolled_device
        post_login(client, "hanna")
        _verify(client, current_code(device))
        response = client.post(reverse("recovery_codes_regenerate"))
        shown = client.get(response["Location"])
        new = shown.context["codes"]
        assert len(new) == 10 and not set(new) & set(old)
        assert services.two_factor_verify(user=handledare_a, token=old[1]).ok is False
        assert services.two_factor_verify(user=handledare_a, token=new[1]).ok is True

    def test_regenerate_needs_post(self, client, handledare_a):
        client.force_login(handledare_a)
        assert client.get(reverse("recovery_codes_regenerate")).status_code == 405

    def test_account_page_counts_codes_left(self, client, handledare_a, enrolled_device):
        client.force_login(handledare_a)
        # A user with an app must give a code even when REQUIRE_2FA is off.
        assert client.get(reverse("account_detail")).status_code == 302
        session = client.session
        session[SECOND_FACTOR] = True
        session.save()
        body = client.get(reverse("account_detail")).content.decode()
        assert "<strong>10</strong> oanvända reservkoder" in body
