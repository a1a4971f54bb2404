"""Denied reads: a logged-in user refused (403/404) on a participant-scoped URL leaves a row
of kind "nekad" with the attempted object, bounded per user and minute."""

import datetime
import types

import pytest
from django.db import connection
from django.http import HttpResponseNotFound
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from privacy import recorder
from privacy.denied import DENIED_OBJECT_TYPES, ID_KWARGS, NOT_PARTICIPANT_SCOPED
from privacy.models import AccessLog
from referrals.models import Referral

pytestmark = pytest.mark.django_db
DENIED = AccessLog.Kind.DENIED


@pytest.fixture(autouse=True)
def _no_remembered_caps():
    """The recorder remembers, per process, whose bound it has seen reached in which minute;
    the tests reuse user ids and fake minutes."""
    recorder._denied_capped.clear()
    yield
    recorder._denied_capped.clear()


def _denied():
    return list(
        AccessLog.objects.filter(kind=DENIED)
        .order_by("pk")
        .values_list("user__username", "action", "object_type", "object_id", "participant_id")
    )


def test_probing_another_teams_participant_enrolment_and_referral_is_logged(
    client, handledare_b, case, rehab_team
):
    referral = Referral.objects.create(
        team=rehab_team, source="AF", need="Stöd", received_date=case.start_date
    )
    client.force_login(handledare_b)
    urls = [
        ("participant_detail", case.participant_id),
        ("modules:enrolment", case.pk),
        ("enrolment_update", case.pk),
        ("referral_detail", referral.pk),
        ("participant_detail", 999999),  # no such person: refused all the same
    ]
    for name, pk in urls:
        response = client.get(reverse(name, args=[pk]), REMOTE_ADDR="10.9.8.7")
        assert response.status_code == 404, name
    assert _denied() == [
        ("hugo", "participant_detail", "participant", str(case.participant_id), None),
        ("hugo", "modules:enrolment", "enrolment", str(case.pk), None),
        ("hugo", "enrolment_update", "enrolment", str(case.pk), None),
        ("hugo", "referral_detail", "referral", str(referral.pk), None),
        ("hugo", "participant_detail", "participant", "999999", None),
    ]
    entry = AccessLog.objects.filter(kind=DENIED).first()
    assert entry.ip == "10.9.8.7"
    assert entry.get_kind_display() == "Nekad"
    # Nothing of the person was read.
    assert not AccessLog.objects.exclude(kind=DENIED).exists()


def test_a_forbidden_participant_page_is_logged(client, handledare_a, case):
    client.force_login(handledare_a)
    response = client.get(reverse("privacy:subject_access", args=[case.participant_id]))
    assert response.status_code == 403
    assert _denied() == [
        ("hanna", "privacy:subject_access", "participant", str(case.participant_id), None)
    ]


def test_a_refused_post_and_participant_pk_urls_are_logged(client, handledare_b, case):
    client.force_login(handledare_b)
    assert client.post(reverse("goal_create", args=[case.pk]), {}).status_code == 404
    consent = reverse("consent_create", kwargs={"participant_pk": case.participant_id})
    assert client.get(consent).status_code == 404
    assert [(a, t, i) for _u, a, t, i, _p in _denied()] == [
        ("goal_create", "enrolment", str(case.pk)),
        ("consent_create", "participant", str(case.participant_id)),
    ]


def test_the_denied_row_is_in_the_requests_one_insert(client, handledare_b, case):
    client.force_login(handledare_b)
    url = reverse("participant_detail", args=[case.participant_id])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 404
    inserts = [q["sql"] for q in queries.captured_queries if "privacy_accesslog" in q["sql"]]
    assert len([q for q in inserts if q.startswith("INSERT")]) == 1


def test_anonymous_allowed_and_not_scoped_requests_write_no_denied_row(
    client, handledare_a, handledare_b, case, other_team
):
    url = reverse("participant_detail", args=[case.participant_id])
    assert client.get(url).status_code == 302  # anonymous: to the log-in, not logged
    client.force_login(handledare_a)
    assert client.get(url).status_code == 200  # allowed: a read, not a denial
    assert client.get(reverse("team_detail", args=[other_team.pk])).status_code == 404
    assert client.get("/deltagare/999999/ingen-sida/").status_code == 404  # no URL name
    assert _denied() == []


def _fake_clock(monkeypatch, start):
    """privacy.recorder's clock, advanced by the test."""
    state = {"now": start}
    monkeypatch.setattr(recorder, "timezone", types.SimpleNamespace(now=lambda: state["now"]))
    return state


START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def test_denied_rows_are_bounded_per_user_and_minute(
    client, handledare_a, handledare_b, case, monkeypatch
):
    clock = _fake_clock(monkeypatch, START)
    client.force_login(handledare_b)
    for pk in range(1, 31):
        assert client.get(reverse("participant_detail", args=[pk + 5000])).status_code == 404
    rows = _denied()
    assert len(rows) == recorder.DENIED_PER_MINUTE + 1
    assert rows[-1][1:4] == ("fler nekade försök", "", "")
    # Another user has a bound of their own.
    client.force_login(handledare_a)
    client.get(reverse("privacy:subject_access", args=[case.participant_id]))
    assert AccessLog.objects.filter(kind=DENIED, user=handledare_a).count() == 1
    # The next minute starts again.
    clock["now"] = START + datetime.timedelta(seconds=60)
    client.force_login(handledare_b)
    client.get(reverse("participant_detail", args=[6000]))
    assert AccessLog.objects.filter(kind=DENIED, user=handledare_b).count() == 22


def test_a_scan_of_ten_thousand_ids_leaves_a_bounded_number_of_rows(handledare_b, monkeypatch):
    """10 000 ids at 50 a second (3 min 20 s, four started minutes): at most 21 rows a minute."""
    clock = _fake_clock(monkeypatch, START)
    middleware = recorder.AccessLogMiddleware(lambda request: HttpResponseNotFound())
    factory = RequestFactory()
    for number in range(10_000):
        clock["now"] = START + datetime.timedelta(milliseconds=20 * number)
        path = reverse("participant_detail", args=[number + 1])
        request = factory.get(path)
        request.user = handledare_b
        request.resolver_match = resolve(path)
        middleware(request)
    per_minute = recorder.DENIED_PER_MINUTE + 1
    assert AccessLog.objects.count() == 4 * per_minute == 84
    assert AccessLog.objects.filter(action=recorder.DENIED_SUMMARY_ACTION).count() == 4


def _named_patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            if pattern.namespace == "admin":
                continue
            yield from _named_patterns(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", set(pattern.pattern.converters)


def test_every_url_with_an_id_is_classified():
    """A new page with a pk or participant_pk must be put in privacy/denied.py: in the table of
    participant-scoped URLs or among those that are not."""
    with_ids = {
        name
        for name, kwargs in _named_patterns(get_resolver().url_patterns)
        if kwargs & set(ID_KWARGS)
    }
    unclassified = with_ids - set(DENIED_OBJECT_TYPES) - NOT_PARTICIPANT_SCOPED
    assert not unclassified, f"Not in privacy/denied.py: {sorted(unclassified)}"
    stale = (set(DENIED_OBJECT_TYPES) | NOT_PARTICIPANT_SCOPED) - with_ids
    assert not stale, f"No such URL with an id: {sorted(stale)}"
    assert not set(DENIED_OBJECT_TYPES) & NOT_PARTICIPANT_SCOPED


def test_log_review_filters_denied_attempts_and_counts_them_per_user(
    client, handledare_b, admin_user, case, monkeypatch
):
    _fake_clock(monkeypatch, datetime.datetime.now(datetime.UTC).replace(second=0))
    client.force_login(admin_user)
    client.get(reverse("participant_detail", args=[case.participant_id]))  # a read
    client.force_login(handledare_b)
    for pk in range(25):
        client.get(reverse("participant_detail", args=[pk + 7000]))
    client.force_login(admin_user)
    url = reverse("privacy:log_review")
    everything = client.get(url)
    assert everything.context["page"].paginator.count == 1 + 21  # the read and the denials
    response = client.get(url, {"nekade": "on"})
    assert response.status_code == 200
    entries = list(response.context["page"])
    assert len(entries) == 21 and {e.kind for e in entries} == {DENIED}
    counts = response.context["denied_counts"]
    assert [(r["user"], r["attempts"], r["capped_minutes"]) for r in counts] == [
        (handledare_b, 20, 1)
    ]
    body = response.content.decode()
    assert "Nekade försök per användare" in body
    assert "fler nekade försök" in body
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    earlier = client.get(url, {"date_to": yesterday.isoformat()})
    assert earlier.context["denied_counts"] == []
