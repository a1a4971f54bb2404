"""SPEC §13's rules at placements and follow-ups: reserved places (rule 1, hard), the
referral path (2, soft), the triage contact (3), complementary teams (6), periods in weeks (7)
and the enrolment's own follow-up interval (8)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from modules import selectors, services
from modules.models import Module, ModuleReservation, Placement, TriageContact
from modules.rules import WEEKS, add_period
from rehab.models import Kommun, Referrer, RuleWarning
from tests.factories import ParticipantFactory, TeamFactory

D = datetime.date
TODAY = timezone.localdate


def _resident(name):
    return ParticipantFactory(kommun=Kommun.objects.get(name=name))


@pytest.fixture
def reserved(portalen):
    """Portalen with 3 places, 1 kept for Smedjebacken."""
    portalen.capacity = 3
    portalen.save()
    ModuleReservation.objects.create(
        module=portalen, kommun=Kommun.objects.get(name="Smedjebacken"), places=1
    )
    return portalen


# --- Rule 1: reserved places ----------------------------------------------------------------


def test_reserved_place_is_kept_for_its_kommun(reserved, make_enrolment, handledare_a):
    start = D(2024, 2, 1)
    for _ in range(2):
        services.placement_create(
            enrolment=make_enrolment(participant=_resident("Ludvika")),
            module=reserved,
            start_date=start,
            by=handledare_a,
        )
    third = make_enrolment(participant=_resident("Ludvika"))
    with pytest.raises(ValidationError) as refused:
        services.placement_create(
            enrolment=third, module=reserved, start_date=start, by=handledare_a
        )
    assert "reserverade (1 för Smedjebacken)" in refused.value.messages[0]
    assert refused.value.error_list[0].code == services.MODULE_FULL
    assert not Placement.objects.filter(enrolment=third).exists()
    # The Smedjebacken resident takes the kept place.
    services.placement_create(
        enrolment=make_enrolment(participant=_resident("Smedjebacken")),
        module=reserved,
        start_date=start,
        by=handledare_a,
    )
    assert selectors.occupied_places(reserved) == 3


def test_reserved_place_used_by_its_kommun_frees_the_rest(reserved, make_enrolment, handledare_a):
    start = D(2024, 2, 1)
    services.placement_create(
        enrolment=make_enrolment(participant=_resident("Smedjebacken")),
        module=reserved,
        start_date=start,
        by=handledare_a,
    )
    for _ in range(2):  # the reservation is used: both remaining places are open to anyone
        services.placement_create(
            enrolment=make_enrolment(participant=_resident("Ludvika")),
            module=reserved,
            start_date=start,
            by=handledare_a,
        )
    assert selectors.occupied_places(reserved) == 3


def test_reserved_places_used_count_the_kommuns_placements_held_on_the_day(
    reserved, make_enrolment, handledare_a, django_assert_num_queries
):
    """A reservation's use is its kommun's valid placements in the module held on the day:
    not ended ones, not another kommun's, not a future one, not one marked in error. Counted
    in a subquery of the module's placements, not a join of every placement it ever had."""
    smedjebacken = Kommun.objects.get(name="Smedjebacken")
    day = D(2024, 6, 1)

    def placed(kommun, start, end=None, **enrolment):
        placement = Placement.objects.create(
            enrolment=make_enrolment(participant=_resident(kommun), **enrolment),
            module=reserved,
            start_date=start,
            next_review_due=start,
            end_date=end,
        )
        return placement

    for i in range(5):  # the history: ended long ago
        placed("Smedjebacken", D(2020, 1, 1 + i), D(2020, 3, 1))
    placed("Smedjebacken", D(2024, 1, 1), D(2024, 6, 1))  # ends on the day: not held
    placed("Smedjebacken", D(2024, 1, 1), D(2024, 6, 2))  # held on the day
    placed("Smedjebacken", D(2024, 7, 1))  # open, but starts after the day
    placed("Ludvika", D(2024, 1, 1))  # another kommun
    wrong = placed("Smedjebacken", D(2024, 2, 1))
    wrong.enrolment.registered_in_error = True
    wrong.enrolment.save()
    team = reserved.team
    with django_assert_num_queries(3):  # running per kommun, quotas, reservations
        places = selectors.team_places(team, day=day)
    assert [(r.kommun, r.reserved, r.used) for r in places.reserved] == [("Smedjebacken", 1, 1)]
    # Open placements regardless of their start, for the kept places at a new placement.
    assert selectors.reserved_free(reserved, kommun_id=0) == []
    assert selectors.reserved_free(reserved, kommun_id=Kommun.objects.get(name="Ludvika").pk) == []
    ModuleReservation.objects.filter(module=reserved).update(places=3)
    [(reservation, free)] = selectors.reserved_free(reserved, kommun_id=0)
    assert (reservation.kommun, free) == (smedjebacken, 2)  # 3 kept, 1 open (July) used
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        selectors.team_places(reserved.team, day=day)
    reservations = [
        q["sql"] for q in ctx.captured_queries if "modules_modulereservation" in q["sql"]
    ]
    assert reservations and 'LEFT OUTER JOIN "modules_placement"' not in reservations[0]


def test_reservations_of_an_unlimited_module_refuse_nothing(
    portalen, make_enrolment, handledare_a
):
    portalen.capacity = None
    portalen.save()
    ModuleReservation.objects.create(
        module=portalen, kommun=Kommun.objects.get(name="Smedjebacken"), places=5
    )
    services.placement_create(
        enrolment=make_enrolment(participant=_resident("Ludvika")),
        module=portalen,
        start_date=D(2024, 2, 1),
        by=handledare_a,
    )


def test_a_reservation_needs_at_least_one_place(portalen):
    reservation = ModuleReservation(
        module=portalen, kommun=Kommun.objects.get(name="Smedjebacken"), places=0
    )
    with pytest.raises(ValidationError, match="Minst en plats"):
        reservation.full_clean()


# --- Rule 2: referral path at placement -----------------------------------------------------


def test_placement_from_another_referrer_warns_and_is_counted(
    portalen, make_enrolment, handledare_a
):
    portalen.expected_referrer = Referrer.EVI
    portalen.save()
    other = make_enrolment(referrer=Referrer.AF)
    placement = services.placement_create(
        enrolment=other, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    assert len(placement.warnings) == 1
    assert "via En väg in" in placement.warnings[0]
    assert RuleWarning.objects.get(enrolment=other).code == RuleWarning.Code.REFERRAL_PATH
    via_evi = make_enrolment(referrer=Referrer.EVI, participant=ParticipantFactory())
    placement = services.placement_create(
        enrolment=via_evi, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    assert placement.warnings == []
    assert not RuleWarning.objects.filter(enrolment=via_evi).exists()


# --- Rule 3: triage contact -------------------------------------------------------------------


@pytest.fixture
def triage_portalen(portalen):
    portalen.triage_contact = True
    portalen.save()
    return portalen


def test_extension_creates_the_contact_deadline(triage_portalen, make_enrolment, handledare_a):
    today = TODAY()
    enrolment = make_enrolment(start=today - datetime.timedelta(days=100))
    placement = services.placement_create(
        enrolment=enrolment,
        module=triage_portalen,
        start_date=enrolment.start_date,
        by=handledare_a,
    )
    assert not TriageContact.objects.exists()  # a first placement needs no contact
    services.placement_extend(placement=placement, by=handledare_a)
    contact = TriageContact.objects.get()
    assert contact.reason == TriageContact.Reason.EXTENSION
    assert contact.due_date == today + datetime.timedelta(days=14)
    found = selectors.deadlines(type(enrolment).objects.filter(pk=enrolment.pk), as_of=today)
    assert [(d.kind_label, d.due) for d in found if d.kind == selectors.TRIAGE] == [
        ("Kontakta EVI", contact.due_date)
    ]
    # Recording the contact meets the deadline.
    services.triage_contact_record(
        contact=contact, contacted_date=today, channel="telefon", note="", by=handledare_a
    )
    found = selectors.deadlines(type(enrolment).objects.filter(pk=enrolment.pk), as_of=today)
    assert not [d for d in found if d.kind == selectors.TRIAGE]


def test_extension_at_a_review_is_dated_by_the_meeting(
    triage_portalen, make_enrolment, handledare_a
):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    placement = services.placement_create(
        enrolment=enrolment, module=triage_portalen, start_date=D(2024, 1, 15), by=handledare_a
    )
    services.review_record(
        placement=placement,
        held_date=D(2024, 4, 10),
        decision="extend",
        attended_participant=True,
        attended_case_officer=True,
        attended_staff=True,
        by=handledare_a,
    )
    assert TriageContact.objects.get().due_date == D(2024, 4, 24)


def test_rereferral_to_the_module_creates_the_contact(
    triage_portalen, kompassen, make_enrolment, handledare_a
):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    first = services.placement_create(
        enrolment=enrolment, module=triage_portalen, start_date=D(2024, 1, 15), by=handledare_a
    )
    services.placement_end(placement=first, end_date=D(2024, 2, 1), by=handledare_a)
    services.placement_create(
        enrolment=enrolment, module=triage_portalen, start_date=D(2024, 3, 1), by=handledare_a
    )
    contact = TriageContact.objects.get()
    assert (contact.reason, contact.due_date) == ("rereferral", D(2024, 3, 15))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contacted_date": D(2020, 1, 1), "channel": "telefon"}, "före placeringens start"),
        (
            {"contacted_date": TODAY() + datetime.timedelta(days=1), "channel": "telefon"},
            "framtiden",
        ),
        ({"contacted_date": D(2024, 5, 1), "channel": "fax"}, "Välj hur kontakten togs."),
    ],
)
def test_triage_contact_bad_input_is_refused(
    triage_portalen, make_enrolment, handledare_a, data, message
):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    placement = services.placement_create(
        enrolment=enrolment, module=triage_portalen, start_date=D(2024, 1, 15), by=handledare_a
    )
    contact = TriageContact.objects.create(
        placement=placement, reason="extension", due_date=D(2024, 5, 1)
    )
    with pytest.raises(ValidationError, match=message):
        services.triage_contact_record(contact=contact, note="", by=handledare_a, **data)
    contact.refresh_from_db()
    assert contact.contacted_date is None


def test_triage_contact_page_records_and_is_team_only(
    client, triage_portalen, make_enrolment, handledare_a, handledare_b
):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    placement = services.placement_create(
        enrolment=enrolment, module=triage_portalen, start_date=D(2024, 1, 15), by=handledare_a
    )
    contact = TriageContact.objects.create(
        placement=placement, reason="extension", due_date=D(2024, 5, 1)
    )
    url = reverse("modules:triage_contact_record", args=[contact.pk])
    client.force_login(handledare_b)
    assert client.get(url).status_code == 404
    client.force_login(handledare_a)
    page = client.get(reverse("modules:enrolment", args=[enrolment.pk])).content.decode()
    assert "Kontakter med En väg in" in page and url in page
    page = client.post(url, {"contacted_date": "2024-04-20", "channel": ""}).content.decode()
    assert "Detta fält måste fyllas i" in page or "obligatoriskt" in page
    response = client.post(
        url, {"contacted_date": "2024-04-20", "channel": "e-post", "note": "Mejl till EVI."}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.contacted_date, contact.channel) == (D(2024, 4, 20), "e-post")
    assert client.get(url).status_code == 302  # already recorded: back to the page


# --- Rule 6: complementary teams --------------------------------------------------------------


def test_complementary_team_runs_beside_a_main_team(
    rehab_team, portalen, make_enrolment, handledare_a
):
    aktiv_team = TeamFactory(forbund=rehab_team.forbund, name="AKTIV", is_complementary=True)
    aktiv = Module.objects.create(
        team=aktiv_team, name="AKTIV", first_period=12, extension_period=4, period_unit=WEEKS
    )
    participant = ParticipantFactory()
    main = make_enrolment(participant=participant)
    services.placement_create(
        enrolment=main, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    beside = make_enrolment(participant=participant, team=aktiv_team)
    placement = services.placement_create(
        enrolment=beside, module=aktiv, start_date=D(2024, 2, 5), by=None
    )
    assert placement.next_review_due == D(2024, 2, 5) + datetime.timedelta(weeks=12)
    # One placement at a time within a team still holds.
    second = Module.objects.create(
        team=aktiv_team, name="Trädgård", first_period=8, extension_period=4
    )
    with pytest.raises(ValidationError, match="redan en pågående placering i AKTIV"):
        services.placement_create(
            enrolment=beside, module=second, start_date=D(2024, 2, 6), by=None
        )


def test_two_main_teams_still_refuse_a_second_placement(
    rehab_team, portalen, make_enrolment, handledare_a
):
    other = TeamFactory(forbund=rehab_team.forbund, name="Balder")
    balder = Module.objects.create(team=other, name="Balder", first_period=6, extension_period=3)
    participant = ParticipantFactory()
    services.placement_create(
        enrolment=make_enrolment(participant=participant),
        module=portalen,
        start_date=D(2024, 2, 1),
        by=handledare_a,
    )
    with pytest.raises(ValidationError, match="Portalen hos Rehabteamet"):
        services.placement_create(
            enrolment=make_enrolment(participant=participant, team=other),
            module=balder,
            start_date=D(2024, 2, 5),
            by=None,
        )


# --- Rule 7: periods in weeks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "weeks", "expected"),
    [
        (D(2024, 1, 1), 12, D(2024, 3, 25)),
        (D(2024, 2, 29), 1, D(2024, 3, 7)),
        (D(2023, 12, 25), 2, D(2024, 1, 8)),
        (D(2024, 1, 31), 4, D(2024, 2, 28)),  # 28 days, not "one month"
    ],
)
def test_weeks_are_exactly_seven_days(start, weeks, expected):
    assert add_period(start, weeks, WEEKS) == expected
    assert (expected - start).days == 7 * weeks


def test_week_module_extension_adds_weeks(rehab_team, make_enrolment):
    module = Module.objects.create(
        team=rehab_team, name="Kort", first_period=12, extension_period=2, period_unit=WEEKS
    )
    enrolment = make_enrolment(start=TODAY() - datetime.timedelta(days=30))
    placement = services.placement_create(
        enrolment=enrolment, module=module, start_date=enrolment.start_date, by=None
    )
    first = placement.next_review_due
    services.placement_extend(placement=placement, by=None)
    placement.refresh_from_db()
    assert placement.next_review_due == first + datetime.timedelta(weeks=2)
    assert module.periods == "12 veckor"


# --- Rule 8: the enrolment's own follow-up interval -------------------------------------------


def test_own_interval_sets_the_next_followup(rehab_team, make_enrolment):
    rehab_team.followup_interval_months = 3
    rehab_team.save()
    enrolment = make_enrolment(start=D(2024, 1, 15), followup_interval_months=1)
    services.followup_record(enrolment=enrolment, held_date=D(2024, 2, 10), by=None)
    summary = selectors.enrolment_modules(enrolment, today=D(2024, 2, 20))
    assert summary.next_followup_due == D(2024, 3, 10)
    found = selectors.deadlines(
        type(enrolment).objects.filter(pk=enrolment.pk), as_of=D(2024, 2, 20)
    )
    assert [(d.kind, d.due) for d in found if d.kind == selectors.FOLLOWUP] == [
        (selectors.FOLLOWUP, D(2024, 3, 10))
    ]


def test_contact_deadline_reaches_the_calendar_feed_and_start_page(
    client, triage_portalen, make_enrolment, handledare_a
):
    today = TODAY()
    enrolment = make_enrolment(
        start=today - datetime.timedelta(days=100), responsible=handledare_a
    )
    placement = services.placement_create(
        enrolment=enrolment,
        module=triage_portalen,
        start_date=enrolment.start_date,
        by=handledare_a,
    )
    services.placement_extend(placement=placement, by=handledare_a)
    due = (today + datetime.timedelta(days=14)).strftime("%Y%m%d")
    token = services.calendar_feed_create(by=handledare_a)
    body = client.get(reverse("modules:calendar_ics", args=[token])).content.decode()
    assert f"UID:triage-{enrolment.pk}-{due}@" in body
    assert "SUMMARY:Kontakta EVI" in body
    assert enrolment.participant.last_name not in body
    client.force_login(handledare_a)
    assert "Kontakta EVI" in client.get("/").content.decode()
