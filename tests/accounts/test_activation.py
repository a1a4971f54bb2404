"""Registering an authenticator app needs an activation code from the unit manager: a
password alone must not set up the second factor (issue #15)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ActivationCode
from rehab.models import AuditEvent
from tests.accounts.conftest import current_code, post_login
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def _type_activation(client, code, next_url=""):
    return client.post(reverse("two_factor_setup"), {"activation_code": code, "next": next_url})


def _issue(client_of_admin, target):
    response = client_of_admin.post(reverse("activation_code_create", args=[target.pk]))
    assert response.status_code == 200
    return "".join(response.context["code_groups"])


@pytest.fixture
def anita(client, admin_user):
    """The unit manager, logged in (REQUIRE_2FA off in these tests unless asked)."""
    from django.test import Client

    manager = Client()
    manager.force_login(admin_user)
    return manager


class TestPasswordAlone:
    def test_password_alone_shows_no_secret(self, client, handledare_a, require_2fa):
        post_login(client, "hanna")
        response = client.get(reverse("two_factor_setup"))
        assert response.status_code == 200
        assert "secret_groups" not in response.context
        assert "qr_svg" not in response.context
        assert "Be din enhetschef om en aktiveringskod" in response.content.decode()
        assert not TOTPDevice.objects.filter(user=handledare_a).exists()

    def test_password_alone_reads_no_personal_data(
        self, client, handledare_a, rehab_team, require_2fa
    ):
        from tests.factories import EnrolmentFactory

        enrolment = EnrolmentFactory(
            team=rehab_team, participant=ParticipantFactory(), responsible=handledare_a
        )
        post_login(client, "hanna")
        # Whatever a code-less attacker posts to the set-up page, no device is confirmed...
        client.get(reverse("two_factor_setup"))
        for guess in ("000000", "123456"):
            client.post(reverse("two_factor_setup"), {"code": guess})
        assert not TOTPDevice.objects.filter(user=handledare_a).exists()
        # ... and the participant's page stays closed.
        url = reverse("participant_detail", args=[enrolment.participant_id])
        assert client.get(url).status_code == 302

    def test_a_secret_seen_before_the_code_is_thrown_away(self, client, handledare_a, require_2fa):
        old = TOTPDevice.objects.create(user=handledare_a, name="x", confirmed=False)
        post_login(client, "hanna")
        code = services.activation_code_issue(user=handledare_a, by=None)
        _type_activation(client, code)
        client.get(reverse("two_factor_setup"))
        assert not TOTPDevice.objects.filter(pk=old.pk).exists()


class TestTheCode:
    def test_stored_only_as_a_hash(self, handledare_a):
        code = services.activation_code_issue(user=handledare_a, by=None)
        stored = ActivationCode.objects.get(user=handledare_a)
        assert code not in stored.code_hash
        assert code.lower() not in stored.code_hash.lower()
        assert len(code) == 12

    def test_expires_after_72_hours(self, client, handledare_a, require_2fa):
        code = services.activation_code_issue(user=handledare_a, by=None)
        stored = ActivationCode.objects.get(user=handledare_a)
        assert stored.expires_at - stored.created_at == datetime.timedelta(hours=72)
        ActivationCode.objects.filter(pk=stored.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        post_login(client, "hanna")
        response = _type_activation(client, code)
        assert response.status_code == 200
        assert "secret_groups" not in response.context
        assert "gäller inte längre" in response.content.decode()

    def test_single_use(self, client, handledare_a, require_2fa):
        code = services.activation_code_issue(user=handledare_a, by=None)
        post_login(client, "hanna")
        assert _type_activation(client, code).status_code == 302
        client.get(reverse("two_factor_setup"))
        device = TOTPDevice.objects.get(user=handledare_a)
        client.post(reverse("two_factor_setup"), {"code": current_code(device)})
        device.refresh_from_db()
        assert device.confirmed
        assert ActivationCode.objects.get(user=handledare_a).used_at is not None
        client.post(reverse("logout"))
        post_login(client, "hanna")
        response = _type_activation(client, code)
        assert response.status_code == 200
        assert "secret_groups" not in response.context

    def test_another_users_code_does_not_work(
        self, client, handledare_a, handledare_b, require_2fa
    ):
        code = services.activation_code_issue(user=handledare_b, by=None)
        post_login(client, "hanna")
        response = _type_activation(client, code)
        assert response.status_code == 200
        assert "secret_groups" not in response.context

    def test_a_new_code_replaces_the_unused_one(self, client, handledare_a, require_2fa):
        first = services.activation_code_issue(user=handledare_a, by=None)
        second = services.activation_code_issue(user=handledare_a, by=None)
        assert ActivationCode.objects.filter(user=handledare_a).count() == 1
        post_login(client, "hanna")
        assert _type_activation(client, first).status_code == 200
        # Typed as shown, grouped, in lower case.
        shown = f"{second[:4]}-{second[4:8]} {second[8:]}".lower()
        assert _type_activation(client, shown).status_code == 302

    def test_a_code_that_expires_while_the_qr_code_is_shown_stops_the_set_up(
        self, client, handledare_a, require_2fa
    ):
        code = services.activation_code_issue(user=handledare_a, by=None)
        post_login(client, "hanna")
        _type_activation(client, code)
        client.get(reverse("two_factor_setup"))
        device = TOTPDevice.objects.get(user=handledare_a)
        ActivationCode.objects.update(expires_at=timezone.now())
        response = client.post(reverse("two_factor_setup"), {"code": current_code(device)})
        assert "secret_groups" not in response.context
        device.refresh_from_db()
        assert not device.confirmed


class TestLostPhone:
    def test_new_code_lets_a_user_with_an_app_register_a_new_one(
        self, client, handledare_a, require_2fa
    ):
        old = TOTPDevice.objects.create(user=handledare_a, name="app", confirmed=True)
        code = services.activation_code_issue(user=handledare_a, by=None)
        post_login(client, "hanna")
        assert client.get(reverse("caseload"))["Location"].startswith(reverse("two_factor_verify"))
        assert _type_activation(client, code, "/deltagare/").status_code == 302
        client.get(reverse("two_factor_setup"))
        new = TOTPDevice.objects.get(user=handledare_a, confirmed=False)
        # The old app keeps working until the new one is confirmed.
        assert TOTPDevice.objects.filter(pk=old.pk).exists()
        response = client.post(
            reverse("two_factor_setup"), {"code": current_code(new), "next": "/deltagare/"}
        )
        assert response["Location"].startswith(reverse("recovery_codes_show"))
        assert list(TOTPDevice.objects.filter(user=handledare_a)) == [new]
        assert client.get(reverse("caseload")).status_code == 200


class TestThrottledSetUp:
    def test_throttled_correct_code_says_to_wait(self, client, handledare_a, require_2fa):
        require_2fa.OTP_TOTP_THROTTLE_FACTOR = 10
        code = services.activation_code_issue(user=handledare_a, by=None)
        post_login(client, "hanna")
        _type_activation(client, code)
        client.get(reverse("two_factor_setup"))
        device = TOTPDevice.objects.get(user=handledare_a)
        wrong = f"{(int(current_code(device)) + 5) % 1_000_000:06d}"
        client.post(reverse("two_factor_setup"), {"code": wrong})
        response = client.post(reverse("two_factor_setup"), {"code": current_code(device)})
        body = response.content.decode()
        assert "För många försök. Vänta 10 sekunder och försök igen." in body
        assert "Koden stämmer inte" not in body


class TestIssuing:
    def test_unit_manager_issues_a_code_shown_once_and_audited(
        self, anita, client, admin_user, handledare_a, require_2fa
    ):
        page = anita.get(reverse("activation_codes"))
        assert page.status_code == 200
        assert "hanna" in page.content.decode()
        confirm = anita.get(reverse("activation_code_create", args=[handledare_a.pk]))
        assert confirm.status_code == 200
        assert not ActivationCode.objects.exists()
        code = _issue(anita, handledare_a)
        stored = ActivationCode.objects.get(user=handledare_a)
        assert stored.created_by == admin_user
        event = AuditEvent.objects.get(action="activation_code_issued")
        assert event.user == admin_user and event.changes == {"user": handledare_a.pk}
        assert code not in str(event.changes)
        # The list shows only that a code is out, never the code.
        assert code not in anita.get(reverse("activation_codes")).content.decode()

        post_login(client, "hanna")
        assert _type_activation(client, code).status_code == 302

    def test_unit_manager_of_another_team_gets_404(
        self, client, handledare_a, handledare_b, other_team
    ):
        from rehab.models import Membership
        from tests.factories import UserFactory

        evi_chef = UserFactory(username="eva")
        Membership.objects.create(user=evi_chef, team=other_team, role="admin")
        client.force_login(evi_chef)
        url = reverse("activation_code_create", args=[handledare_a.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert not ActivationCode.objects.exists()
        listed = client.get(reverse("activation_codes")).content.decode()
        assert "hugo" in listed and "hanna" not in listed
        own = reverse("activation_code_create", args=[handledare_b.pk])
        assert client.get(own).status_code == 200

    def test_no_code_for_oneself(self, anita, admin_user):
        url = reverse("activation_code_create", args=[admin_user.pk])
        assert anita.get(url).status_code == 404

    def test_handledare_may_not_issue(self, client, handledare_a, handledare_b):
        client.force_login(handledare_a)
        assert client.get(reverse("activation_codes")).status_code == 403
        url = reverse("activation_code_create", args=[handledare_b.pk])
        assert client.post(url).status_code == 403

    def test_superuser_issues_for_anyone(self, client, forbund_user):
        from tests.factories import UserFactory

        root = UserFactory(username="root", is_superuser=True, is_staff=True)
        client.force_login(root)
        assert (
            client.post(reverse("activation_code_create", args=[forbund_user.pk])).status_code
            == 200
        )
        assert ActivationCode.objects.filter(user=forbund_user, created_by=root).exists()

    def test_menu_links_the_page_for_unit_managers(self, anita, client, handledare_a):
        assert reverse("activation_codes") in anita.get(reverse("account_detail")).content.decode()
        client.force_login(handledare_a)
        assert (
            reverse("activation_codes")
            not in client.get(reverse("account_detail")).content.decode()
        )
