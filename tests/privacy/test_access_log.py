"""The access log: what is logged, once per request, and that nothing can change it."""

import logging

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from privacy.gate import purge_alias, purge_gate
from privacy.models import AccessLog, AppendOnlyError
from rehab.models import AuditEvent, JournalNote
from tests.separation import purge_db

pytestmark = pytest.mark.django_db


def test_participant_page_read_is_logged_with_who_what_whom_and_where(client, handledare_a, case):
    client.force_login(handledare_a)
    response = client.get(
        reverse("participant_detail", args=[case.participant_id]), REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert entry.user == handledare_a
    assert entry.role == "handledare"
    assert entry.kind == AccessLog.Kind.READ
    assert entry.action == "participant_detail"
    assert (entry.object_type, entry.object_id) == ("participant", str(case.participant_id))
    assert entry.participant_id == case.participant_id
    assert entry.ip == "10.1.2.3"
    assert entry.at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("participant_update", "participant"),
        ("enrolment_update", "enrolment"),
        ("modules:enrolment", "enrolment"),
        ("note_create", "enrolment"),
        ("goal_create", "enrolment"),
    ],
)
def test_every_case_page_of_a_person_logs_one_read(client, handledare_a, case, name, arg):
    client.force_login(handledare_a)
    pk = case.participant_id if arg == "participant" else case.pk
    assert client.get(reverse(name, args=[pk])).status_code == 200
    assert list(AccessLog.objects.values_list("participant_id", "kind")) == [
        (case.participant_id, "read")
    ]


def test_referral_detail_read_is_logged(client, handledare_a, case, rehab_team):
    from referrals.models import Referral

    referral = Referral.objects.create(
        team=rehab_team,
        source="AF",
        need="Stöd",
        received_date=case.start_date,
        participant=case.participant,
    )
    client.force_login(handledare_a)
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.object_type, entry.participant_id) == ("referral", case.participant_id)


def test_a_request_reading_several_objects_writes_one_insert(
    client, handledare_a, case, django_assert_max_num_queries
):
    client.force_login(handledare_a)
    url = reverse("modules:enrolment", args=[case.pk])
    client.get(url)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    inserts = [q["sql"] for q in queries.captured_queries if "privacy_accesslog" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")


def test_lists_log_nothing_and_show_masked_personnummer(client, handledare_a, case):
    client.force_login(handledare_a)
    body = client.get(reverse("caseload")).content.decode()
    pnr = case.participant.personnummer
    assert f"{pnr[:8]}-****" in body and pnr not in body
    assert not AccessLog.objects.exists()


def test_refused_reads_are_not_logged_as_reads(client, handledare_b, case):
    """Only as a denied attempt (tests/privacy/test_denied.py)."""
    client.force_login(handledare_b)
    assert client.get(reverse("participant_detail", args=[case.participant_id])).status_code == 404
    assert list(AccessLog.objects.values_list("kind", flat=True)) == [AccessLog.Kind.DENIED]


def test_change_is_logged_with_ip_and_its_audit_event_keeps_text_out(client, handledare_a, case):
    client.force_login(handledare_a)
    response = client.post(
        reverse("note_create", args=[case.pk]),
        {"date": "2024-02-01", "kind": "phone", "text": "Hemlig diagnos"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    assert JournalNote.objects.count() == 1
    change = AccessLog.objects.get(kind=AccessLog.Kind.CHANGE)
    event = AuditEvent.objects.get(pk=change.audit_event_id)
    assert (change.action, change.user, change.ip) == ("note_create", handledare_a, "192.0.2.7")
    assert change.participant_id == case.participant_id == event.participant_id
    assert "Hemlig" not in str(event.changes)


def test_identity_changes_keep_names_and_personnummer_out_of_the_audit_trail(case, handledare_a):
    from rehab import services

    services.participant_update(
        participant=case.participant, by=handledare_a, first_name="Zorro", phone="070-1234567"
    )
    event = AuditEvent.objects.get(action="participant_update")
    assert "Zorro" not in str(event.changes) and "070" not in str(event.changes)
    assert AccessLog.objects.get(kind="change").ip is None  # no request: no address


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, handledare_a, case, settings):
    client.force_login(handledare_a)
    url = reverse("participant_detail", args=[case.participant_id])
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    settings.PRIVACY_TRUST_X_FORWARDED_FOR = True
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="inte-en-adress")
    assert list(AccessLog.objects.order_by("pk").values_list("ip", flat=True)) == [
        "10.0.0.1",
        "203.0.113.9",
        "10.0.0.1",
    ]


# --- Append-only -----------------------------------------------------------------------------


@pytest.fixture
def entry(handledare_a, case):
    return AccessLog.objects.create(
        user=handledare_a, kind="read", action="x", participant_id=case.participant_id
    )


def test_model_refuses_update_and_delete(entry):
    entry.action = "ändrad"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(action="ändrad")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().action == "x"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE privacy_accesslog SET action = 'ändrad'",
        "UPDATE privacy_accesslog SET participant_id = NULL",
        "DELETE FROM privacy_accesslog",
    ],
)
def test_database_rejects_raw_update_and_delete(entry, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessLog.objects.get().action == "x"


@purge_db
def test_the_purge_gate_lets_delete_through_and_closes_after(entry):
    alias = purge_alias()
    with (
        transaction.atomic(using=alias),
        purge_gate(alias),
        connections[alias].cursor() as cursor,
    ):
        cursor.execute("DELETE FROM privacy_accesslog")
    assert not AccessLog.objects.exists()
    AccessLog.objects.create(kind="read", action="y")
    # The application's own connection, outside the gate, is refused still.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_accesslog")
    assert AccessLog.objects.exists()


@purge_db
def test_the_purge_gate_never_allows_update(entry):
    alias = purge_alias()
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(using=alias),
        purge_gate(alias),
        connections[alias].cursor() as cursor,
    ):
        cursor.execute("UPDATE privacy_accesslog SET action = 'ändrad'")
    assert AccessLog.objects.get().action == "x"


def test_deleting_a_user_leaves_the_log_alone(entry, handledare_a):
    handledare_a.delete()
    assert AccessLog.objects.get().user_id is not None


# --- Masking in logs ------------------------------------------------------------------------


def test_log_filter_masks_personnummer_in_messages_arguments_and_tracebacks():
    from privacy.logfilter import PersonnummerMaskFilter

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Fel för %s och %s", None, None)
    record.args = ("198503124128", "850312-4128")
    try:
        raise ValueError("personnummer 19850312-4128 ogiltigt")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    PersonnummerMaskFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "4128" not in text
    assert "19850312-****" in text and "850312-****" in text


def test_every_configured_handler_masks():
    import io

    from privacy.logfilter import PersonnummerMaskFilter

    # The handlers LOGGING configures (pytest adds its own capture handlers beside them).
    ours = [
        h for h in logging.getLogger().handlers if not type(h).__module__.startswith("_pytest")
    ]
    assert ours
    for handler in ours:
        assert any(isinstance(f, PersonnummerMaskFilter) for f in handler.filters)
    console = ours[0]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        logging.getLogger("rehab").error("Sökte på %s", "19850312-4128")
    finally:
        console.setStream(previous)
    assert "19850312-****" in stream.getvalue() and "4128" not in stream.getvalue()


def test_error_e_mails_are_masked(rf, settings, mailoutbox):
    from privacy.logfilter import MaskingAdminEmailHandler

    settings.ADMINS = [("Drift", "drift@example.se")]
    assert any(
        isinstance(h, MaskingAdminEmailHandler) for h in logging.getLogger("django").handlers
    )
    request = rf.post("/deltagare/", {"q": "19850312-4128"})
    try:
        raise ValueError("fel för 198503124128")
    except ValueError:
        logging.getLogger("django.request").exception(
            "Internal Server Error: %s", "/deltagare/", extra={"request": request}
        )
    (mail,) = mailoutbox
    assert "4128" not in mail.subject + mail.body
    assert "19850312-****" in mail.body
