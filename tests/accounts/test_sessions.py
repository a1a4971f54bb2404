"""Idle and absolute session time-outs, and "log out everywhere"."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountSecurity
from accounts.sessions import AUTH_AT, GENERATION, SEEN_AT
from rehab.models import AuditEvent

pytestmark = pytest.mark.django_db


def _shift(client, key, seconds):
    """Move a session timestamp into the past, as if `seconds` had passed."""
    session = client.session
    session[key] -= seconds
    session.save()


@pytest.fixture
def timeouts(settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 10 * 60 * 60
    return settings


def test_log_in_records_times_and_generation(client, handledare_a):
    client.force_login(handledare_a)
    session = client.session
    assert session[AUTH_AT] == session[SEEN_AT]
    assert session[GENERATION] == 0


def test_idle_session_ends(client, handledare_a, timeouts):
    client.force_login(handledare_a)
    _shift(client, SEEN_AT, 31 * 60)
    response = client.get(reverse("caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/deltagare/" in response["Location"]
    page = client.get(response["Location"])
    assert "inaktiv för länge" in page.content.decode()
    assert client.get(reverse("caseload")).status_code == 302


def test_activity_keeps_the_session_alive(client, handledare_a, timeouts):
    client.force_login(handledare_a)
    _shift(client, SEEN_AT, 29 * 60)
    _shift(client, AUTH_AT, 29 * 60)
    assert client.get(reverse("caseload")).status_code == 200
    # The request moved "last seen" forward: 29 more minutes are fine.
    _shift(client, SEEN_AT, 29 * 60)
    assert client.get(reverse("caseload")).status_code == 200


def test_last_seen_is_not_saved_on_every_request(client, handledare_a):
    client.force_login(handledare_a)
    before = client.session[SEEN_AT]
    client.get(reverse("caseload"))
    assert client.session[SEEN_AT] == before


def test_absolute_time_out_ends_even_an_active_session(client, handledare_a, timeouts):
    client.force_login(handledare_a)
    _shift(client, AUTH_AT, 10 * 60 * 60 + 1)
    response = client.get(reverse("caseload"))
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "inloggad för länge" in page and "inaktiv" not in page


def test_absolute_time_out_after_the_session_store_dropped_the_session(
    client, handledare_a, timeouts
):
    """Overnight the stored session expires (SESSION_COOKIE_AGE after its last save) before
    any request reaches the check: the log-in page still says why."""
    from django.contrib.sessions.models import Session

    client.force_login(handledare_a)
    Session.objects.all().delete()
    response = client.get(reverse("caseload"))
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "inloggad för länge" in page
    # Said once: the next visit to the log-in page is plain.
    assert "inloggad för länge" not in client.get(reverse("login")).content.decode()


def test_time_outs_come_from_settings(client, handledare_a, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client.force_login(handledare_a)
    _shift(client, SEEN_AT, 6 * 60)
    assert client.get(reverse("caseload")).status_code == 302


def test_log_out_everywhere_ends_the_other_sessions(handledare_a, handledare_b):
    laptop, phone, colleague = Client(), Client(), Client()
    laptop.force_login(handledare_a)
    phone.force_login(handledare_a)
    colleague.force_login(handledare_b)
    response = laptop.post(reverse("sessions_end_all"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in laptop.session
    ended = phone.get(reverse("caseload"))
    assert ended["Location"].startswith(reverse("login"))
    assert "alla enheter" in phone.get(ended["Location"]).content.decode()
    assert colleague.get(reverse("caseload")).status_code == 200
    assert AccountSecurity.objects.get(user=handledare_a).session_generation == 1
    assert AuditEvent.objects.filter(action="sessions_end_all").count() == 1
    # A new log-in afterwards works.
    phone.force_login(handledare_a)
    assert phone.get(reverse("caseload")).status_code == 200


def test_log_out_everywhere_needs_post(client, handledare_a):
    client.force_login(handledare_a)
    assert client.get(reverse("sessions_end_all")).status_code == 405


def test_session_checks_cost_no_query_of_their_own(
    client, handledare_a, django_assert_max_num_queries
):
    """The session generation comes in the same query as the user (a join), and the session
    is not saved on a plain page view."""
    AccountSecurity.objects.create(user=handledare_a, session_generation=0)
    client.force_login(handledare_a)
    with django_assert_max_num_queries(20) as captured:
        assert client.get(reverse("account_detail")).status_code == 200
    sql = [q["sql"].lower() for q in captured.captured_queries]
    security = [q for q in sql if "accounts_accountsecurity" in q]
    assert len(security) == 1 and "auth_user" in security[0]
    assert not any(q.startswith("update") for q in sql)


def test_session_without_login_times_is_ended(client, handledare_a):
    client.force_login(handledare_a)
    session = client.session
    del session[AUTH_AT]
    session.save()
    assert client.get(reverse("caseload")).status_code == 302
