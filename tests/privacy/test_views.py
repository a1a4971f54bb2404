"""Log review, CSV export, subject-access export and purge runs: who may, what they see."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.models import AccessLog, PurgeRun
from referrals.models import Consent, Referral
from rehab.models import JournalNote
from tests.factories import EnrolmentFactory
from tests.reporting.conftest import pdf_objects

pytestmark = pytest.mark.django_db


def _urls(case):
    pk = case.participant_id
    return [
        reverse("privacy:log_review"),
        reverse("privacy:log_csv"),
        reverse("privacy:subject_access", args=[pk]),
        reverse("privacy:subject_access_json", args=[pk]),
        reverse("privacy:purge_runs"),
        reverse("privacy:purge_start"),
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("handledare_a", 403),
        ("handledare_b", 403),
        ("forbund", 403),
        ("styrgrupp", 403),
    ],
)
def test_only_unit_managers_reach_privacy_pages(client, personas, case, persona, status):
    client.force_login(personas[persona])
    for url in _urls(case):
        assert client.get(url).status_code == status, url


def test_anonymous_visitors_are_sent_to_log_in(client, case):
    for url in _urls(case):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/logga-in/")


def test_unit_manager_of_another_team_gets_404_for_the_export(client, admin_b, case):
    client.force_login(admin_b)
    for name in ("subject_access", "subject_access_json"):
        assert (
            client.get(reverse(f"privacy:{name}", args=[case.participant_id])).status_code == 404
        )
    ordered = client.post(reverse("privacy:subject_access_pdf_job", args=[case.participant_id]))
    assert ordered.status_code == 404


def test_log_review_shows_a_handledares_read(client, handledare_a, admin_user, case):
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[case.participant_id]))
    client.force_login(admin_user)
    response = client.get(reverse("privacy:log_review"))
    body = response.content.decode()
    assert response.status_code == 200
    assert handledare_a.get_full_name() in body
    # The action and object type in Swedish, never the codes the log stores.
    assert "Deltagarens sida (deltagare" in body
    assert "participant_detail" not in body
    assert "Granskning av loggen" in body and "Logggranskning" not in body
    assert case.participant.masked_personnummer in body
    assert case.participant.personnummer not in body


def test_review_is_scoped_to_the_managers_teams(client, handledare_a, admin_b, case):
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[case.participant_id]))
    client.force_login(admin_b)
    response = client.get(reverse("privacy:log_review"))
    assert response.context["page"].paginator.count == 0


def test_search_by_personnummer_is_posted_and_kept_out_of_the_url(
    client, handledare_a, admin_user, case, rehab_team
):
    other = EnrolmentFactory(team=rehab_team)
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[case.participant_id]))
    client.get(reverse("participant_detail", args=[other.participant_id]))
    client.force_login(admin_user)
    pnr = case.participant.personnummer
    response = client.post(
        reverse("privacy:log_review") + "?ej_tilldelad=", {"personnummer": f"{pnr[:8]}-{pnr[8:]}"}
    )
    assert response.status_code == 302
    assert pnr[8:] not in response["Location"]
    page = client.get(response["Location"])
    assert [e.participant_id for e in page.context["page"]] == [case.participant_id]
    assert pnr not in page.content.decode()
    # Reading one person's log is itself logged.
    assert AccessLog.objects.filter(user=admin_user, object_type="access_log").count() == 1
    cleared = client.post(reverse("privacy:log_review"), {"clear": "1"})
    assert client.get(cleared["Location"]).context["page"].paginator.count >= 3


@pytest.mark.parametrize("value", ["19850312-0000", "abc", "1985031"])
def test_a_bad_or_unknown_personnummer_gets_a_clear_error(client, admin_user, case, value):
    client.force_login(admin_user)
    response = client.post(reverse("privacy:log_review"), {"personnummer": value})
    assert response.status_code == 200
    assert response.context["search"].errors["personnummer"]
    assert value in response.content.decode()  # what was typed is kept


def test_unknown_valid_personnummer_is_not_found(client, admin_user, case):
    client.force_login(admin_user)
    response = client.post(reverse("privacy:log_review"), {"personnummer": "19121212-1212"})
    assert "Ingen deltagare med det personnumret" in response.content.decode()


def test_filters_by_user_and_date_and_the_unassigned_preset(
    client, handledare_a, admin_user, case, rehab_team
):
    not_mine = EnrolmentFactory(team=rehab_team, responsible=admin_user)
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[case.participant_id]))
    client.get(reverse("participant_detail", args=[not_mine.participant_id]))
    client.force_login(admin_user)
    url = reverse("privacy:log_review")

    def ids(**params):
        return [e.participant_id for e in client.get(url, params).context["page"]]

    assert len(ids(user=handledare_a.pk)) == 2
    assert ids(user=admin_user.pk) == []
    today = timezone.localdate()
    assert len(ids(date_from=today.isoformat(), date_to=today.isoformat())) == 2
    assert ids(date_to=(today - datetime.timedelta(days=1)).isoformat()) == []
    assert ids(user=handledare_a.pk, ej_tilldelad="on") == [not_mine.participant_id]
    body = client.get(url, {"ej_tilldelad": "on"}).content.decode()
    assert "ansvarig handledare" in body  # the definition is stated on the page


def test_bad_filter_values_do_not_fail(client, admin_user, case):
    client.force_login(admin_user)
    for params in (
        {"user": "x"},
        {"date_from": "2024-13-40"},
        {"date_from": "2024-05-02", "date_to": "2024-05-01"},
        {"sida": "999"},
    ):
        assert client.get(reverse("privacy:log_review"), params).status_code == 200


def test_review_queries_do_not_grow_with_rows(
    client, handledare_a, admin_user, rehab_team, django_assert_max_num_queries
):
    enrolments = [EnrolmentFactory(team=rehab_team) for _ in range(3)]
    client.force_login(handledare_a)
    for e in enrolments:
        client.get(reverse("participant_detail", args=[e.participant_id]))
    client.force_login(admin_user)
    url = reverse("privacy:log_review")
    with django_assert_max_num_queries(10):
        client.get(url)
    for _ in range(40):
        e = EnrolmentFactory(team=rehab_team)
        client.force_login(handledare_a)
        client.get(reverse("participant_detail", args=[e.participant_id]))
    client.force_login(admin_user)
    # Session, user, roles (2), team users, count, page, the page's participants.
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(response.context["rows"]) == 43


def test_csv_export_downloads_the_filtered_log_and_is_logged(
    client, handledare_a, admin_user, case
):
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[case.participant_id]), REMOTE_ADDR="10.9.9.9")
    client.force_login(admin_user)
    response = client.get(reverse("privacy:log_csv"), {"user": handledare_a.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["anvandare"] == handledare_a.username
    assert rows[0]["ip"] == "10.9.9.9"
    assert rows[0]["vad"] == "Deltagarens sida"
    assert rows[0]["objekttyp"] == "deltagare"
    assert rows[0]["tid_utc"].endswith("Z")
    assert case.participant.personnummer not in text
    assert AccessLog.objects.filter(user=admin_user, kind="export").exists()


# --- Subject-access export ------------------------------------------------------------------


@pytest.fixture
def full_case(case, handledare_a, rehab_team):
    JournalNote.objects.create(
        enrolment=case,
        date=datetime.date(2024, 2, 1),
        kind="phone",
        text="Ringde om praktik",
        author=handledare_a,
    )
    Consent.objects.create(
        participant=case.participant,
        agencies="AF",
        scope="Utbyte med AF",
        given_date=datetime.date(2024, 1, 15),
    )
    Referral.objects.create(
        team=rehab_team,
        source="AF",
        need="Behov av stöd",
        received_date=datetime.date(2024, 1, 2),
        participant=case.participant,
    )
    return case


def test_json_export_holds_everything_with_stable_keys(
    client, handledare_a, admin_user, full_case
):
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[full_case.participant_id]))
    client.force_login(admin_user)
    response = client.get(reverse("privacy:subject_access_json", args=[full_case.participant_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert set(data) == {
        "format",
        "generated_at",
        "scope",
        "teams",
        "person",
        "enrolments",
        "referrals",
        "consents",
        "accesses",
    }
    pnr = full_case.participant.personnummer
    assert data["person"]["personnummer"] == f"{pnr[:8]}-{pnr[8:]}"
    (enrolment,) = data["enrolments"]
    assert enrolment["start_date"] == "2024-01-15"
    assert enrolment["goals"][0]["text"] == "Hitta praktik"
    assert enrolment["notes"][0]["text"] == "Ringde om praktik"
    assert data["referrals"][0]["need"] == "Behov av stöd"
    assert data["referrals"][0]["channel"] == "Telefon"
    assert data["referrals"][0]["intro_date"] is None
    assert data["consents"][0]["scope"] == "Utbyte med AF"
    # Accesses: dates and roles, never the names of staff.
    assert data["accesses"][0]["role"] and "count" in data["accesses"][0]
    assert handledare_a.username not in json.dumps(data["accesses"])
    export = AccessLog.objects.get(kind="export")
    assert (export.user, export.object_type) == (admin_user, "subject_access")


def test_pdf_export_is_a_tagged_pdf_and_is_logged(client, admin_user, full_case, job_file):
    client.force_login(admin_user)
    response = job_file(
        client, reverse("privacy:subject_access_pdf_job", args=[full_case.participant_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"/StructTreeRoot" in pdf_objects(response.content)
    assert AccessLog.objects.filter(kind="export", object_id="pdf").count() == 1


def test_participant_page_links_the_export_for_unit_managers_only(
    client, handledare_a, admin_user, case
):
    url = reverse("privacy:subject_access", args=[case.participant_id])
    client.force_login(admin_user)
    assert (
        url
        in client.get(reverse("participant_detail", args=[case.participant_id])).content.decode()
    )
    client.force_login(handledare_a)
    assert (
        url
        not in client.get(
            reverse("participant_detail", args=[case.participant_id])
        ).content.decode()
    )


def test_menu_shows_log_review_to_unit_managers_only(client, handledare_a, admin_user):
    url = reverse("privacy:log_review")
    client.force_login(admin_user)
    menu = client.get(reverse("start")).content.decode()
    assert url in menu
    assert "Granskning av loggen" in menu and "Logggranskning" not in menu
    client.force_login(handledare_a)
    assert url not in client.get(reverse("start")).content.decode()


def test_purge_runs_page_lists_counts(client, admin_user):
    PurgeRun.objects.create(as_of=datetime.date(2025, 1, 1), counts={"notes": 7})
    client.force_login(admin_user)
    body = client.get(reverse("privacy:purge_runs")).content.decode()
    assert "2025-01-01" in body and "<td>7</td>" in body


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"date_to": "9999-12-31"}, 1),
        ({"date_from": "9999-12-31", "date_to": "9999-12-31"}, 0),
        ({"date_from": "0001-01-01"}, 1),
        ({"date_from": "0001-01-01", "date_to": "0001-01-01"}, 0),
        ({"date_from": "1899-01-01", "date_to": "9999-12-31"}, 1),
    ],
)
def test_dates_at_the_calendars_ends_filter_without_a_server_error(
    client, handledare_a, admin_user, case, params, found
):
    """Found by tests/test_crawler.py: date_to 9999-12-31 overflowed (issue #14)."""
    client.force_login(handledare_a)
    client.get(reverse("participant_detail", args=[case.participant_id]))
    client.force_login(admin_user)
    response = client.get(reverse("privacy:log_review"), params)
    assert response.status_code == 200
    assert len(response.context["page"]) == found
    assert client.get(reverse("privacy:log_csv"), params).status_code == 200


def test_the_export_names_the_agencies_in_full(client, admin_user, full_case):
    """Issue "Pleasant to work in": agencies by name, as the referrer is, not "AF"."""
    full_case.agencies = ["FK", "AF"]
    full_case.save(update_fields=["agencies"])
    client.force_login(admin_user)
    response = client.get(reverse("privacy:subject_access_json", args=[full_case.participant_id]))
    data = json.loads(response.content)
    assert data["enrolments"][0]["agencies"] == ["Arbetsförmedlingen", "Försäkringskassan"]
    assert data["consents"][0]["agencies"] == "Arbetsförmedlingen"
