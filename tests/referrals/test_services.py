"""The referral state machine of SPEC §5, its dates, triage and enrolment."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from referrals import services
from referrals.models import Referral, ReferralEvent
from referrals.selectors import referral_waiting_days
from rehab.models import AuditEvent, Referrer
from tests.factories import EnrolmentFactory, ParticipantFactory, TeamFactory
from tests.referrals.conftest import PATHS, RECEIVED

pytestmark = pytest.mark.django_db

Status = Referral.Status


def _messages(excinfo):
    return " ".join(excinfo.value.messages)


def _transition(referral, to_status, date, by, **kwargs):
    return services.referral_transition(
        referral=referral, to_status=to_status, date=date, by=by, **kwargs
    )


# --- Create ---------------------------------------------------------------------------------


def test_create_writes_received_event_and_audit(rehab_team, staff):
    referral = services.referral_create(
        team=rehab_team,
        source=Referrer.FK,
        case_officer_name="Karin",
        need="  Behöver stöd.  ",
        received_date=RECEIVED,
        by=staff,
    )
    assert referral.status == Status.RECEIVED
    assert referral.need == "Behöver stöd."
    assert list(referral.events.values_list("status", "date")) == [(Status.RECEIVED, RECEIVED)]
    audit = AuditEvent.objects.get(action="referral_create")
    assert audit.user == staff
    assert audit.object_id == str(referral.pk)
    # The need may hold health data: the audit trail says it was written, not what it says.
    assert audit.changes["need"] == "(ändrad)"


def test_create_refuses_future_received_date(rehab_team, staff):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.referral_create(
            team=rehab_team, source=Referrer.AF, need="x", received_date=tomorrow, by=staff
        )
    assert excinfo.value.message_dict == {
        "received_date": ["Mottagningsdatum kan inte ligga i framtiden."]
    }
    assert not Referral.objects.exists()


def test_create_refuses_empty_need_and_unknown_source(rehab_team, staff):
    with pytest.raises(ValidationError) as excinfo:
        services.referral_create(
            team=rehab_team, source="XX", need="  ", received_date=RECEIVED, by=staff
        )
    assert excinfo.value.message_dict == {
        "source": ["Välj remittent."],
        "need": ["Beskriv behovet."],
    }


def test_create_accepts_today(rehab_team, staff):
    today = timezone.localdate()
    referral = services.referral_create(
        team=rehab_team, source=Referrer.EGEN, need="x", received_date=today, by=staff
    )
    assert referral.received_date == today


# --- Transitions ----------------------------------------------------------------------------

ALLOWED = [
    (Status.RECEIVED, Status.ASSESSING),
    (Status.RECEIVED, Status.DECLINED),
    (Status.RECEIVED, Status.REDIRECTED),
    (Status.RECEIVED, Status.WITHDRAWN),
    (Status.ASSESSING, Status.ACCEPTED),
    (Status.ASSESSING, Status.DECLINED),
    (Status.ASSESSING, Status.REDIRECTED),
    (Status.ASSESSING, Status.WITHDRAWN),
    (Status.ACCEPTED, Status.QUEUED),
    (Status.ACCEPTED, Status.WITHDRAWN),
    (Status.QUEUED, Status.WITHDRAWN),
]


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_allowed_transition_is_dated_evented_and_audited(
    rehab_team, staff, make_referral, start, target
):
    referral = make_referral(rehab_team, start)
    day = datetime.date(2024, 4, 2)
    referral = _transition(
        referral, target, day, staff, reason="Skäl.", redirected_to="Vårdcentralen"
    )
    referral.refresh_from_db()
    assert referral.status == target
    last = referral.events.order_by("-date", "-pk").first()
    assert (last.status, last.date, last.by) == (target, day, staff)
    assert referral.events.count() == len(PATHS[start]) + 2
    audit = AuditEvent.objects.filter(action="referral_transition").order_by("-pk").first()
    assert audit.changes["from"] == start
    assert audit.changes["to"] == target
    assert audit.changes["date"] == "2024-04-02"


REFUSED = [
    (
        Status.RECEIVED,
        Status.ACCEPTED,
        "Remissen är mottagen och kan inte antas. Ta först upp den för bedömning.",
    ),
    (
        Status.RECEIVED,
        Status.QUEUED,
        "Remissen är mottagen och kan inte sättas i kö. Den måste först bedömas och antas.",
    ),
    (
        Status.ASSESSING,
        Status.QUEUED,
        "Remissen är under bedömning och kan inte sättas i kö. Den måste först antas.",
    ),
    (Status.ASSESSING, Status.ASSESSING, "Remissen är redan under bedömning."),
    (Status.ACCEPTED, Status.DECLINED, "Remissen är antagen och kan inte avböjas."),
    (Status.ACCEPTED, Status.ASSESSING, "Remissen är antagen och kan inte tas upp för bedömning."),
    (Status.QUEUED, Status.ACCEPTED, "Remissen är i kö och kan inte antas."),
    (Status.WITHDRAWN, Status.ACCEPTED, "Remissen är återkallad och kan inte antas."),
    (
        Status.WITHDRAWN,
        Status.ASSESSING,
        "Remissen är återkallad och kan inte tas upp för bedömning.",
    ),
    (Status.DECLINED, Status.ACCEPTED, "Remissen är avböjd och kan inte antas."),
    (Status.DECLINED, Status.WITHDRAWN, "Remissen är avböjd och kan inte återkallas."),
    (
        Status.REDIRECTED,
        Status.ASSESSING,
        "Remissen är hänvisad och kan inte tas upp för bedömning.",
    ),
    (Status.REDIRECTED, Status.DECLINED, "Remissen är hänvisad och kan inte avböjas."),
]


@pytest.mark.parametrize(("start", "target", "message"), REFUSED)
def test_illegal_transition_is_refused_with_message(
    rehab_team, staff, make_referral, start, target, message
):
    referral = make_referral(rehab_team, start)
    events_before = referral.events.count()
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, target, datetime.date(2024, 4, 2), staff, reason="Skäl.")
    assert _messages(excinfo) == message
    referral.refresh_from_db()
    assert referral.status == start
    assert referral.events.count() == events_before


def test_enrolled_cannot_be_set_by_hand(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.ENROLLED, datetime.date(2024, 4, 2), staff)
    assert "använd Skriv in deltagaren" in _messages(excinfo)


def test_unknown_status_is_refused(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, "lost", datetime.date(2024, 4, 2), staff)
    assert _messages(excinfo) == "Okänd status för remissen."


def test_enrolled_referral_cannot_change(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 4, 1))
    services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=staff)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.WITHDRAWN, datetime.date(2024, 4, 2), staff)
    assert _messages(excinfo) == "Remissen är inskriven och kan inte återkallas."


def test_transition_refuses_future_date(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.ASSESSING, tomorrow, staff)
    assert excinfo.value.message_dict == {"date": ["Datumet kan inte ligga i framtiden."]}
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_transition_refuses_date_before_previous_event(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)  # assessed 2024-03-04
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.ACCEPTED, datetime.date(2024, 3, 3), staff)
    assert excinfo.value.message_dict == {
        "date": [
            "Datumet kan inte ligga före remissens föregående händelse "
            "(under bedömning 2024-03-04)."
        ]
    }
    referral.refresh_from_db()
    assert referral.status == Status.ASSESSING
    assert referral.decided_date is None


def test_transition_before_received_date_is_refused(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.ASSESSING, RECEIVED - datetime.timedelta(days=1), staff)
    assert "(mottagen 2024-03-01)" in excinfo.value.message_dict["date"][0]


def test_transition_on_same_day_as_previous_event_is_allowed(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team)
    referral = _transition(referral, Status.ASSESSING, RECEIVED, staff)
    referral = _transition(referral, Status.ACCEPTED, RECEIVED, staff)
    assert referral.status == Status.ACCEPTED
    assert referral_waiting_days(referral) == (0, None)


def test_decline_without_reason_is_refused(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.DECLINED, datetime.date(2024, 3, 8), staff, reason="   ")
    assert excinfo.value.message_dict == {"reason": ["Ange skälet till att remissen avböjs."]}
    referral.refresh_from_db()
    assert referral.status == Status.ASSESSING


def test_decline_stores_reason_and_decision_date(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    referral = _transition(
        referral, Status.DECLINED, datetime.date(2024, 3, 8), staff, reason="Fel målgrupp."
    )
    referral.refresh_from_db()
    assert referral.decline_reason == "Fel målgrupp."
    assert referral.decided_date == datetime.date(2024, 3, 8)
    assert referral.events.last().note == "Fel målgrupp."


def test_redirect_needs_a_receiver(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    with pytest.raises(ValidationError) as excinfo:
        _transition(referral, Status.REDIRECTED, datetime.date(2024, 3, 8), staff)
    assert excinfo.value.message_dict == {
        "redirected_to": ["Ange vilket team eller vilken insats remissen hänvisas till."]
    }


def test_redirect_stores_receiver(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    referral = _transition(
        referral, Status.REDIRECTED, datetime.date(2024, 3, 8), staff, redirected_to="Balder"
    )
    referral.refresh_from_db()
    assert referral.redirected_to == "Balder"
    assert referral.decided_date == datetime.date(2024, 3, 8)
    audit = AuditEvent.objects.filter(action="referral_transition").order_by("-pk").first()
    assert audit.changes["redirected_to"] == "Balder"


def test_withdrawal_is_not_a_decision(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    referral = _transition(referral, Status.WITHDRAWN, datetime.date(2024, 3, 8), staff)
    referral.refresh_from_db()
    assert referral.decided_date is None
    assert referral_waiting_days(referral) == (None, None)


def test_decline_reason_is_kept_out_of_the_audit_trail(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    _transition(
        referral,
        Status.DECLINED,
        datetime.date(2024, 3, 8),
        staff,
        reason="Behöver psykiatrisk vård först.",
    )
    audit = AuditEvent.objects.filter(action="referral_transition").order_by("-pk").first()
    assert "psykiatrisk" not in str(audit.changes)


def test_allowed_transitions_follow_the_state_machine(rehab_team, make_referral):
    assert services.allowed_transitions(make_referral(rehab_team)) == [
        Status.ASSESSING,
        Status.DECLINED,
        Status.REDIRECTED,
        Status.WITHDRAWN,
    ]
    assert services.allowed_transitions(make_referral(rehab_team, Status.ASSESSING)) == [
        Status.ACCEPTED,
        Status.DECLINED,
        Status.REDIRECTED,
        Status.WITHDRAWN,
    ]
    assert services.allowed_transitions(make_referral(rehab_team, Status.ACCEPTED)) == [
        Status.QUEUED,
        Status.WITHDRAWN,
    ]
    assert services.allowed_transitions(make_referral(rehab_team, Status.DECLINED)) == []


# --- Enrolment ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.QUEUED])
def test_mark_enrolled_links_participant_and_dates_start(rehab_team, staff, make_referral, status):
    referral = make_referral(rehab_team, status)
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 4, 15))
    referral = services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=staff)
    referral.refresh_from_db()
    assert referral.status == Status.ENROLLED
    assert referral.participant == enrolment.participant
    assert referral.enrolment == enrolment
    last = referral.events.order_by("-date", "-pk").first()
    assert (last.status, last.date) == (Status.ENROLLED, datetime.date(2024, 4, 15))
    audit = AuditEvent.objects.get(action="referral_mark_enrolled")
    assert audit.participant_id == enrolment.participant_id
    # Received 2024-03-01, accepted 2024-03-11, started 2024-04-15.
    assert referral_waiting_days(referral) == (10, 45)


@pytest.mark.parametrize(
    "status", [Status.RECEIVED, Status.ASSESSING, Status.DECLINED, Status.WITHDRAWN]
)
def test_mark_enrolled_needs_an_accepted_referral(rehab_team, staff, make_referral, status):
    referral = make_referral(rehab_team, status)
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 4, 15))
    with pytest.raises(ValidationError) as excinfo:
        services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=staff)
    assert "bara en antagen remiss (eller en i kö) kan leda till en inskrivning" in _messages(
        excinfo
    )


def test_mark_enrolled_refuses_start_before_last_event(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)  # accepted 2024-03-11
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 3, 10))
    with pytest.raises(ValidationError) as excinfo:
        services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=staff)
    assert excinfo.value.message_dict == {
        "start_date": [
            "Startdatum kan inte ligga före remissens föregående händelse (antagen 2024-03-11)."
        ]
    }


def test_mark_enrolled_refuses_another_team(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    enrolment = EnrolmentFactory(team=TeamFactory(), start_date=datetime.date(2024, 4, 15))
    with pytest.raises(ValidationError) as excinfo:
        services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=staff)
    assert _messages(excinfo) == "Inskrivningen gäller ett annat team än remissen."


def test_mark_enrolled_refuses_another_participant(rehab_team, staff, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED, participant=ParticipantFactory())
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 4, 15))
    with pytest.raises(ValidationError) as excinfo:
        services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=staff)
    assert _messages(excinfo) == "Remissen gäller en annan deltagare."


def test_triage_referral_is_enrolled_in_the_assigned_method(
    org, rehab_team, admin_user, make_referral
):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    enrolment = EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 4, 15))
    with pytest.raises(ValidationError) as excinfo:
        services.referral_mark_enrolled(referral=referral, enrolment=enrolment, by=admin_user)
    assert _messages(excinfo) == "Remissen har inte fördelats till någon metod inom EVI ännu."
    services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    referral = services.referral_mark_enrolled(
        referral=referral, enrolment=enrolment, by=admin_user
    )
    assert referral.status == Status.ENROLLED


# --- En väg in triage -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.QUEUED])
def test_admin_assigns_triage_referral_to_a_method(
    org, rehab_team, admin_user, make_referral, status
):
    referral = make_referral(org["EVI"], status)
    referral = services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    referral.refresh_from_db()
    assert referral.assigned_team == rehab_team
    assert referral.status == status
    last = referral.events.order_by("-pk").first()
    assert last.note == "Fördelad till Rehabteamet"
    assert last.date == timezone.localdate()
    audit = AuditEvent.objects.get(action="referral_assign")
    assert audit.changes == {"from": None, "to": rehab_team.pk}


def test_handledare_of_triage_team_may_not_assign(org, rehab_team, handledare_b, make_referral):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.referral_assign(referral=referral, team=rehab_team, by=handledare_b)
    referral.refresh_from_db()
    assert referral.assigned_team is None


def test_admin_of_method_only_may_not_assign(org, rehab_team, make_referral, django_user_model):
    from rehab.models import Membership

    method_admin = django_user_model.objects.create_user("metodchef", password="x" * 14)
    Membership.objects.create(user=method_admin, team=rehab_team, role="admin")
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.referral_assign(referral=referral, team=rehab_team, by=method_admin)


def test_assignment_only_to_the_triage_teams_methods(org, admin_user, make_referral):
    from rehab.models import Membership

    other_forbund_team = TeamFactory(name="Balder")
    Membership.objects.create(user=admin_user, team=other_forbund_team, role="admin")
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    with pytest.raises(ValidationError) as excinfo:
        services.referral_assign(referral=referral, team=other_forbund_team, by=admin_user)
    assert excinfo.value.message_dict == {"team": ["Balder är inte en metod inom EVI."]}
    with pytest.raises(ValidationError) as excinfo:
        services.referral_assign(referral=referral, team=org["EVI"], by=admin_user)
    assert excinfo.value.message_dict == {"team": ["EVI är inte en metod inom EVI."]}


def test_inactive_method_is_refused(org, rehab_team, admin_user, make_referral):
    rehab_team.is_active = False
    rehab_team.save()
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    with pytest.raises(ValidationError):
        services.referral_assign(referral=referral, team=rehab_team, by=admin_user)


@pytest.mark.parametrize(
    "status", [Status.RECEIVED, Status.ASSESSING, Status.DECLINED, Status.WITHDRAWN]
)
def test_only_accepted_or_queued_referrals_are_assigned(
    org, rehab_team, admin_user, make_referral, status
):
    referral = make_referral(org["EVI"], status)
    with pytest.raises(ValidationError) as excinfo:
        services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    assert "bara en antagen remiss (eller en i kö) kan fördelas" in _messages(excinfo)


def test_non_triage_referral_is_not_assigned(rehab_team, admin_user, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    with pytest.raises(ValidationError) as excinfo:
        services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    assert _messages(excinfo) == "Bara remisser till ett En väg in-team fördelas till en metod."


def test_assigning_twice_to_the_same_method_is_refused(org, rehab_team, admin_user, make_referral):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    with pytest.raises(ValidationError) as excinfo:
        services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    assert excinfo.value.message_dict == {"team": ["Remissen är redan fördelad till Rehabteamet."]}


# --- Waiting times --------------------------------------------------------------------------


def test_waiting_days_before_any_decision(rehab_team, make_referral):
    assert referral_waiting_days(make_referral(rehab_team, Status.ASSESSING)) == (None, None)


def test_waiting_days_use_first_decision_event(rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.DECLINED)
    assert referral_waiting_days(referral) == (10, None)


def test_waiting_days_read_prefetched_events_without_queries(
    rehab_team, make_referral, django_assert_num_queries
):
    make_referral(rehab_team, Status.QUEUED)
    referral = Referral.objects.prefetch_related("events").get()
    with django_assert_num_queries(0):
        assert referral_waiting_days(referral) == (10, None)


def test_every_change_has_an_event(rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.QUEUED)
    assert list(
        ReferralEvent.objects.filter(referral=referral).values_list("status", flat=True)
    ) == [Status.RECEIVED, Status.ASSESSING, Status.ACCEPTED, Status.QUEUED]
