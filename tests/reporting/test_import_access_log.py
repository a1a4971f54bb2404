"""The import's writes reach the access log: `rehab.audit.record_many` writes one change row per
participant, with the same fields as `rehab.audit.record`, in a constant number of statements."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from privacy.models import LOGIN_METHOD_SESSION_KEY, AccessLog
from rehab import audit
from rehab.models import AuditEvent, Participant
from reporting import imports as importing
from reporting.imports.views import SESSION_KEY
from reporting.models import PendingImport
from tests.data import EXAMPLE_CSV
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 1, 1)
LOGGED_FIELDS = (
    "user_id",
    "role",
    "kind",
    "action",
    "object_type",
    "object_id",
    "participant_id",
    "ip",
)


def _plan(team, rows):
    data = importing.rows_to_csv(rows).encode()
    return importing.validate_rows(importing.parse_file(data, "fil.csv"), team=team, today=TODAY)


def _changes():
    return AccessLog.objects.filter(kind=AccessLog.Kind.CHANGE)


def test_ten_thousand_rows_leave_one_access_log_row_per_created_participant(
    rehab_team, django_assert_max_num_queries
):
    plan = _plan(rehab_team, importing.example_rows(10_000, seed=3))
    assert plan.ok and plan.new_participants == 10_000
    # As tests/reporting/test_import_validation.py: bulk inserts, never a query per row.
    with django_assert_max_num_queries(1_000):
        result = importing.import_apply(plan, team=rehab_team, by=None)
    assert result.created_participants == 10_000

    created = set(Participant.objects.values_list("pk", flat=True))
    per_participant = _changes().filter(participant_id__isnull=False)
    logged = list(per_participant.values_list("participant_id", flat=True))
    assert len(logged) == len(set(logged)) == 10_000
    assert set(logged) == created
    # Each row points at that participant's own audit record of the import.
    events = dict(
        AuditEvent.objects.filter(action="import_enrolments", object_type="enrolment").values_list(
            "pk", "participant_id"
        )
    )
    assert len(events) == 10_000
    for event_id, participant_id in per_participant.values_list(
        "audit_event_id", "participant_id"
    ):
        assert events[event_id] == participant_id
    # Plus the import's own record (no participant), as before.
    team_row = _changes().get(participant_id__isnull=True)
    assert team_row.audit_event_id == result.audit_event_id


def test_an_existing_participant_given_a_new_enrolment_is_logged_once(rehab_team):
    rows = importing.example_rows(3, seed=5)
    known = rows[0]["personnummer"].replace("-", "")
    ParticipantFactory(personnummer=known)
    plan = _plan(rehab_team, rows)
    assert (plan.new_enrolments, plan.new_participants) == (3, 2)
    importing.import_apply(plan, team=rehab_team, by=None)
    logged = list(
        _changes().filter(participant_id__isnull=False).values_list("participant_id", flat=True)
    )
    assert sorted(logged) == sorted(
        Participant.objects.filter(enrolments__team=rehab_team).values_list("pk", flat=True)
    )
    assert len(logged) == 3


def test_import_through_the_pages_logs_the_user_role_and_address(client, admin_user, rehab_team):
    client.force_login(admin_user)
    client.post(
        reverse("import_upload"),
        {
            "team": rehab_team.pk,
            "file": SimpleUploadedFile("inskrivningar.csv", EXAMPLE_CSV.read_bytes()),
        },
    )
    sha = PendingImport.objects.get(pk=client.session[SESSION_KEY]).sha256
    response = client.post(reverse("import_confirm"), {"sha256": sha}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 302
    rows = list(_changes().filter(participant_id__isnull=False))
    assert len(rows) == Participant.objects.count() == 12
    assert {(r.user, r.role, r.ip, r.action) for r in rows} == {
        (admin_user, "admin", "192.0.2.9", "import_enrolments")
    }


def test_an_import_run_as_a_job_logs_what_the_request_would_have(
    client, admin_user, rehab_team, settings, run_queue, django_capture_on_commit_callbacks
):
    """The worker has no request: the confirming request's user, role, address and log-in
    method go with the job (privacy.recorder.Actor), and the rows are the same."""
    settings.IMPORT_JOB_ROWS = 3
    client.force_login(admin_user)
    session = client.session
    session[LOGIN_METHOD_SESSION_KEY] = "oidc"
    session.save()
    client.post(
        reverse("import_upload"),
        {
            "team": rehab_team.pk,
            "file": SimpleUploadedFile("inskrivningar.csv", EXAMPLE_CSV.read_bytes()),
        },
    )
    sha = PendingImport.objects.get(pk=client.session[SESSION_KEY]).sha256
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import_confirm"), {"sha256": sha}, REMOTE_ADDR="192.0.2.9")
    assert response.url.startswith("/jobb/")
    assert not _changes().exists()
    run_queue()
    rows = list(_changes().filter(participant_id__isnull=False))
    assert len(rows) == Participant.objects.count() == 12
    assert {(r.user, r.role, r.ip, r.action, r.login_method) for r in rows} == {
        (admin_user, "admin", "192.0.2.9", "import_enrolments", "oidc")
    }
    team_row = _changes().get(participant_id__isnull=True)
    assert (team_row.user, team_row.role, team_row.ip) == (admin_user, "admin", "192.0.2.9")


def test_record_many_writes_what_record_would(rehab_team, admin_user):
    anna, bo = ParticipantFactory(), ParticipantFactory()
    single = audit.record(
        user=admin_user,
        action="x_changed",
        obj=rehab_team,
        participant_id=anna.pk,
        changes={"first_name": "Anna", "n": 1},
    )
    many = audit.record_many(
        user=admin_user,
        changes=[
            audit.Change(
                action="x_changed",
                obj=rehab_team,
                participant_id=anna.pk,
                changes={"first_name": "Anna", "n": 1},
            ),
            audit.Change(action="x_changed", obj=rehab_team, participant_id=anna.pk),
            audit.Change(action="x_changed", obj=rehab_team, participant_id=bo.pk),
            audit.Change(action="y_changed", object_type="team"),
        ],
    )
    assert len(many) == 4 and all(e.pk for e in many)
    fields = ("user_id", "action", "object_type", "object_id", "participant_id", "changes")
    first = AuditEvent.objects.get(pk=many[0].pk)
    assert [getattr(first, f) for f in fields] == [getattr(single, f) for f in fields]
    assert first.changes == {"first_name": "(ändrad)", "n": 1}

    by_event = {row.audit_event_id: row for row in _changes()}
    expected = by_event[single.pk]
    # One row for anna (her first event), one for bo, one for the change without a participant.
    assert set(by_event) == {single.pk, many[0].pk, many[2].pk, many[3].pk}
    assert [getattr(by_event[many[0].pk], f) for f in LOGGED_FIELDS] == [
        getattr(expected, f) for f in LOGGED_FIELDS
    ]
    assert by_event[many[2].pk].participant_id == bo.pk
    assert by_event[many[3].pk].participant_id is None


@pytest.mark.parametrize("n", [3, 40])
def test_record_many_runs_two_statements_whatever_the_number(
    rehab_team, django_assert_num_queries, n
):
    people = ParticipantFactory.create_batch(n)
    changes = [audit.Change(action="x", obj=p, participant_id=p.pk) for p in people]
    # One INSERT of events, one of access-log rows, one SELECT of the participants' teams
    # (whose cached read models go stale, rehab/freshness.py).
    with django_assert_num_queries(3):
        audit.record_many(user=None, changes=changes)
    assert _changes().count() == n


def test_record_many_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert audit.record_many(user=None, changes=[]) == []
