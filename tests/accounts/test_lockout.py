"""django-axes: lock-out by user name + IP, never by a stranger from elsewhere."""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActivationCode
from tests.accounts.conftest import post_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def _fail(client, username, ip, times=LIMIT):
    for _ in range(times):
        response = post_login(client, username, "fel-lösenord-fel", ip=ip)
    return response


def test_a_strangers_failures_from_another_ip_do_not_lock_the_user_out(client, handledare_a):
    last = _fail(client, "hanna", ip="203.0.113.66", times=LIMIT + 2)
    assert last.status_code == 429
    response = post_login(client, "hanna", ip="10.0.0.1")
    assert response.status_code == 302
    assert client.get(reverse("start")).status_code == 200


def test_the_user_is_locked_out_from_their_ip_after_the_limit(client, handledare_a):
    for _ in range(LIMIT - 1):
        response = post_login(client, "hanna", "fel-lösenord-fel", ip="10.0.0.1")
        assert response.status_code == 200
        assert "ange ett korrekt" in response.content.decode().lower()
    locked = post_login(client, "hanna", "fel-lösenord-fel", ip="10.0.0.1")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "För många inloggningsförsök" in body
    assert "15 minuter" in body
    # Even the right password is refused while locked.
    right = post_login(client, "hanna", ip="10.0.0.1")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_out_lifts_after_the_cool_off(client, handledare_a):
    _fail(client, "hanna", ip="10.0.0.1")
    assert post_login(client, "hanna", ip="10.0.0.1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert post_login(client, "hanna", ip="10.0.0.1").status_code == 302
    assert client.get(reverse("start")).status_code == 200


def test_a_successful_log_in_resets_the_count(client, handledare_a):
    _fail(client, "hanna", ip="10.0.0.1", times=LIMIT - 1)
    assert post_login(client, "hanna", ip="10.0.0.1").status_code == 302
    client.post(reverse("logout"))
    # Two more failures are again below the limit.
    _fail(client, "hanna", ip="10.0.0.1", times=LIMIT - 1)
    assert post_login(client, "hanna", ip="10.0.0.1").status_code == 302


def test_lock_out_is_per_user_name(client, handledare_a, handledare_b):
    _fail(client, "hanna", ip="10.0.0.1")
    assert post_login(client, "hugo", ip="10.0.0.1").status_code == 302


def test_lock_out_page_is_swedish_and_not_stored(client, handledare_a):
    locked = _fail(client, "hanna", ip="10.0.0.1")
    assert "no-store" in locked["Cache-Control"]
    assert '<html lang="sv">' in locked.content.decode()


def test_client_login_without_request_still_works(client, handledare_a):
    """The test client's login() passes no request; the lock-out backend lets it through."""
    from tests.factories import PASSWORD

    assert client.login(username="hanna", password=PASSWORD)


def test_an_overlong_user_name_is_refused_before_the_lock_out_records_it(client):
    """The crawler found this on PostgreSQL: a user name of more than 255 characters reached
    django-axes' record of failed log-ins (a 255-character column) and gave a 500."""
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "fel"})
    assert response.status_code == 200
    assert "Användarnamnet får vara högst 150 tecken." in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_first_activation_code_comes_from_the_command_line():
    UserFactory(username="forsta", is_superuser=True, is_staff=True)
    out = io.StringIO()
    call_command("activation_code", "forsta", stdout=out)
    assert "Aktiveringskod för forsta:" in out.getvalue()
    code = ActivationCode.objects.get(user__username="forsta")
    assert code.created_by is None and code.used_at is None
