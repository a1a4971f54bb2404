"""Referral details (SPEC §13 rule 5) and the introductory conversation of an En väg in
referral (rule 4): each field's edges and bad input, and who may record the conversation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Referral
from rehab.models import INCOME_BITS, AuditEvent, IncomeSource, Referrer, income_from_bits
from tests.factories import TeamFactory
from tests.referrals.conftest import RECEIVED

pytestmark = pytest.mark.django_db

Status = Referral.Status
D = datetime.date


def _messages(excinfo):
    return " ".join(excinfo.value.messages)


def _field_errors(excinfo, field):
    return " ".join(excinfo.value.message_dict.get(field, []))


# --- The new choices ------------------------------------------------------------------------


def test_existing_income_bits_keep_their_values_and_the_new_source_takes_the_next():
    assert {s: INCOME_BITS[s] for s in IncomeSource.values} == {
        "sjukpenning": 1,
        "ersattning": 2,
        "akassa": 4,
        "aktivitetsstod": 8,
        "forsorjningsstod": 16,
        "etableringsersattning": 128,
        "annan": 32,
        "ingen": 64,
    }
    assert IncomeSource("etableringsersattning").label == "Etableringsersättning"
    assert income_from_bits(128 | 64) == ["etableringsersattning", "ingen"]


def test_referrer_funded_by_the_forbund():
    assert Referrer("Forbund").label == "Verksamhet finansierad av förbundet"


# --- Channel, diary number and the two judgements ---------------------------------------------


def test_referral_carries_its_details_and_the_teams_forbund(rehab_team, make_referral):
    referral = make_referral(
        rehab_team,
        channel=Referral.Channel.BREV,
        diary_number="  SF-2024/17  ",
        work_within_two_years=Referral.WorkWithinTwoYears.VET_EJ,
        declared_motivated=Referral.Motivated.JA,
    )
    referral.refresh_from_db()
    assert referral.forbund_id == rehab_team.forbund_id
    assert referral.channel == "brev"
    assert referral.diary_number == "SF-2024/17"
    assert referral.work_within_two_years == "vet_ej"
    assert referral.declared_motivated == "ja"
    event = AuditEvent.objects.get(action="referral_create", object_id=str(referral.pk))
    assert event.changes["diary_number"] == "SF-2024/17"
    assert event.changes["channel"] == "brev"


def test_channel_defaults_to_telephone_and_the_judgements_may_be_left_blank(
    rehab_team, make_referral
):
    referral = make_referral(rehab_team)
    assert referral.channel == Referral.Channel.TELEFON
    assert referral.diary_number == ""
    assert referral.work_within_two_years == ""
    assert referral.declared_motivated == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channel", "fax", "Välj hur remissen kom in."),
        ("channel", "", "Välj hur remissen kom in."),
        ("work_within_two_years", "kanske", "Välj ja, nej eller vet ej."),
        ("declared_motivated", "vet_ej", "Välj ja eller nej."),
    ],
)
def test_unknown_choices_are_refused(rehab_team, make_referral, field, value, message):
    with pytest.raises(ValidationError) as excinfo:
        make_referral(rehab_team, **{field: value})
    assert _field_errors(excinfo, field) == message
    assert not Referral.objects.exists()


def test_duplicate_diary_number_in_the_same_forbund_is_refused(
    org, rehab_team, other_team, make_referral
):
    make_referral(rehab_team, diary_number="Dnr 2024/5")
    # Another team of the same förbund, and the same number in another case.
    with pytest.raises(ValidationError) as excinfo:
        make_referral(other_team, diary_number="dnr 2024/5")
    assert _field_errors(excinfo, "diary_number") == (
        "Diarienumret dnr 2024/5 finns redan på en annan remiss i förbundet."
    )
    assert Referral.objects.count() == 1


def test_the_same_diary_number_is_allowed_in_another_forbund(rehab_team, make_referral):
    elsewhere = TeamFactory()
    make_referral(rehab_team, diary_number="Dnr 2024/5")
    referral = make_referral(elsewhere, diary_number="Dnr 2024/5")
    assert referral.forbund_id == elsewhere.forbund_id != rehab_team.forbund_id


def test_many_referrals_without_a_diary_number(rehab_team, make_referral):
    make_referral(rehab_team)
    make_referral(rehab_team, diary_number="   ")
    assert Referral.objects.filter(diary_number="").count() == 2


def test_the_database_refuses_a_duplicate_diary_number_too(rehab_team, make_referral):
    first = make_referral(rehab_team, diary_number="A-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            team=rehab_team,
            forbund=first.forbund,
            source=Referrer.AF,
            need="Behov",
            received_date=RECEIVED,
            diary_number="A-1",
        )


def test_a_referral_made_without_the_service_still_gets_the_forbund(rehab_team):
    referral = Referral.objects.create(
        team=rehab_team, source=Referrer.AF, need="Behov", received_date=RECEIVED
    )
    assert referral.forbund_id == rehab_team.forbund_id


@pytest.mark.parametrize(
    "diary_number",
    ["19900101-1239", "900101-1239", "9001011239", "Dnr 199001011239", "900101+1239"],
)
def test_diary_number_that_looks_like_a_personnummer_is_refused(
    rehab_team, make_referral, diary_number
):
    with pytest.raises(ValidationError) as excinfo:
        make_referral(rehab_team, diary_number=diary_number)
    assert "ser ut att innehålla ett personnummer" in _field_errors(excinfo, "diary_number")


def test_diary_number_length_edges(rehab_team, make_referral):
    assert make_referral(rehab_team, diary_number="D" * 50).diary_number == "D" * 50
    with pytest.raises(ValidationError) as excinfo:
        make_referral(rehab_team, diary_number="E" * 51)
    assert _field_errors(excinfo, "diary_number") == "Diarienumret får vara högst 50 tecken."


def test_diary_number_with_a_line_break_is_refused(rehab_team, make_referral):
    with pytest.raises(ValidationError) as excinfo:
        make_referral(rehab_team, diary_number="A\nB")
    assert "styrtecken" in _field_errors(excinfo, "diary_number")


# --- The form -------------------------------------------------------------------------------


def _create_data(team, **overrides):
    return {
        "team": team.pk,
        "source": Referrer.FORBUND,
        "need": "Behöver stöd i arbetsträning.",
        "received_date": "2024-05-02",
        "channel": Referral.Channel.DIGITAL,
        "diary_number": "VB-2024/88",
        "work_within_two_years": "ja",
        "declared_motivated": "nej",
        **overrides,
    }


def test_form_registers_the_details_and_the_page_shows_them(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    form_page = client.get(reverse("referral_create")).content.decode()
    assert 'value="telefon" selected' in form_page
    response = client.post(reverse("referral_create"), _create_data(rehab_team))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    for text in ("Digital", "VB-2024/88", "Verksamhet finansierad av förbundet"):
        assert text in body
    assert "Ej angivet" not in body


def test_form_refuses_a_duplicate_diary_number_on_the_field(
    client, handledare_a, rehab_team, make_referral
):
    make_referral(rehab_team, diary_number="VB-2024/88")
    client.force_login(handledare_a)
    response = client.post(reverse("referral_create"), _create_data(rehab_team))
    assert response.status_code == 200
    assert "Diarienumret VB-2024/88 finns redan på en annan remiss i förbundet." in (
        " ".join(response.context["form"].errors["diary_number"])
    )
    assert Referral.objects.count() == 1


def test_form_refuses_a_personnummer_as_diary_number(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.post(
        reverse("referral_create"), _create_data(rehab_team, diary_number="19900101-1239")
    )
    assert response.status_code == 200
    assert "personnummer" in " ".join(response.context["form"].errors["diary_number"])
    assert not Referral.objects.exists()


def test_form_without_a_channel_is_refused(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.post(reverse("referral_create"), _create_data(rehab_team, channel=""))
    assert response.status_code == 200
    assert response.context["form"].errors["channel"]


def test_the_list_finds_a_referral_by_its_diary_number(
    client, handledare_a, rehab_team, make_referral
):
    make_referral(rehab_team, diary_number="VB-2024/99", case_officer_name="Sökbar Person")
    make_referral(rehab_team, case_officer_name="Annan Person")
    client.force_login(handledare_a)
    body = client.get(reverse("referral_list"), {"q": "2024/99"}).content.decode()
    assert "Sökbar Person" in body
    assert "Annan Person" not in body


# --- The introductory conversation: the service ----------------------------------------------


def _intro(referral, date, by, **who):
    who = {"with_participant": True, "with_referrer": False, "with_staff": False, **who}
    return services.referral_intro_record(referral=referral, intro_date=date, by=by, **who)


def test_intro_is_recorded_with_who_took_part(org, make_referral, staff):
    referral = make_referral(org["EVI"], Status.ASSESSING)
    _intro(referral, D(2024, 3, 6), staff, with_referrer=True, with_staff=True)
    referral.refresh_from_db()
    assert referral.intro_date == D(2024, 3, 6)
    assert referral.intro_participants == ["deltagaren", "remittenten", "förbundets personal"]
    event = AuditEvent.objects.get(action="referral_intro_record")
    assert event.changes["intro_date"] == "2024-03-06"
    assert event.changes["previous_intro_date"] is None


def test_intro_on_the_day_received_and_on_the_decision_day_is_allowed(org, make_referral, staff):
    referral = make_referral(org["EVI"], Status.RECEIVED)
    _intro(referral, RECEIVED, staff)
    accepted = make_referral(org["EVI"], Status.ACCEPTED)  # decided 2024-03-11
    _intro(accepted, D(2024, 3, 11), staff)
    accepted.refresh_from_db()
    assert accepted.intro_date == D(2024, 3, 11)


def test_intro_before_the_referral_was_received_is_refused(org, make_referral, staff):
    referral = make_referral(org["EVI"])
    with pytest.raises(ValidationError) as excinfo:
        _intro(referral, RECEIVED - datetime.timedelta(days=1), staff)
    assert _field_errors(excinfo, "intro_date") == (
        "Introduktionssamtalet kan inte ligga före remissens mottagningsdatum (2024-03-01)."
    )


def test_intro_in_the_future_is_refused(org, make_referral, staff):
    referral = make_referral(org["EVI"])
    with pytest.raises(ValidationError) as excinfo:
        _intro(referral, timezone.localdate() + datetime.timedelta(days=1), staff)
    assert _field_errors(excinfo, "intro_date") == (
        "Introduktionssamtalet kan inte ligga i framtiden."
    )


def test_intro_after_the_decision_is_refused(org, make_referral, staff):
    referral = make_referral(org["EVI"], Status.DECLINED)  # decided 2024-03-11
    with pytest.raises(ValidationError) as excinfo:
        _intro(referral, D(2024, 3, 12), staff)
    assert "efter beslutsdatumet (2024-03-11)" in _field_errors(excinfo, "intro_date")
    referral.refresh_from_db()
    assert referral.intro_date is None


def test_intro_without_anyone_taking_part_is_refused(org, make_referral, staff):
    referral = make_referral(org["EVI"])
    with pytest.raises(ValidationError) as excinfo:
        _intro(referral, D(2024, 3, 2), staff, with_participant=False)
    assert _field_errors(excinfo, "with_participant") == "Ange vilka som deltog i samtalet."


def test_intro_without_a_date_is_refused(org, make_referral, staff):
    referral = make_referral(org["EVI"])
    with pytest.raises(ValidationError) as excinfo:
        _intro(referral, None, staff)
    assert _field_errors(excinfo, "intro_date") == "Ange datumet för introduktionssamtalet."


def test_intro_only_for_a_triage_entry(rehab_team, make_referral, staff):
    referral = make_referral(rehab_team)
    with pytest.raises(ValidationError) as excinfo:
        _intro(referral, D(2024, 3, 2), staff)
    assert _messages(excinfo) == (
        "Introduktionssamtal registreras bara för remisser till ett En väg in-team."
    )


def test_recording_the_intro_again_corrects_it(org, make_referral, staff):
    referral = make_referral(org["EVI"])
    _intro(referral, D(2024, 3, 2), staff)
    _intro(referral, D(2024, 3, 3), staff, with_participant=False, with_staff=True)
    referral.refresh_from_db()
    assert referral.intro_date == D(2024, 3, 3)
    assert referral.intro_participants == ["förbundets personal"]
    last = AuditEvent.objects.filter(action="referral_intro_record").order_by("pk").last()
    assert last.changes["previous_intro_date"] == "2024-03-02"


# --- The introductory conversation: the page -------------------------------------------------

PERSONAS = ["handledare_a", "handledare_b", "admin", "forbund", "styrgrupp", "anonymous"]

# An En väg in (team B) referral: EVI's handledare and the unit manager record the
# conversation; Rehabteamet's handledare does not see the referral at all.
INTRO = {
    "handledare_a": 404,
    "handledare_b": 200,
    "admin": 200,
    "forbund": 403,
    "styrgrupp": 403,
    "anonymous": "login",
}


def _client_for(client, personas, persona):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    return client


def _assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_intro_page_per_persona(client, personas, org, make_referral, persona):
    referral = make_referral(org["EVI"])
    response = _client_for(client, personas, persona).get(
        reverse("referral_intro", args=[referral.pk])
    )
    _assert_status(response, INTRO[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_intro_post_per_persona(client, personas, org, make_referral, persona):
    referral = make_referral(org["EVI"])
    response = _client_for(client, personas, persona).post(
        reverse("referral_intro", args=[referral.pk]),
        {"intro_date": "2024-03-04", "with_participant": "on", "with_staff": "on"},
    )
    expected = INTRO[persona]
    _assert_status(response, 302 if expected == 200 else expected)
    referral.refresh_from_db()
    assert (referral.intro_date == D(2024, 3, 4)) is (expected == 200)


def test_the_methods_handledare_sees_the_referral_but_does_not_record_the_intro(
    client, org, rehab_team, admin_user, handledare_a, make_referral
):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    client.force_login(handledare_a)
    detail = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert reverse("referral_intro", args=[referral.pk]) not in detail
    response = client.get(reverse("referral_intro", args=[referral.pk]))
    assert response.status_code == 403


def test_no_intro_page_for_a_referral_to_a_rehabilitation_team(
    client, rehab_team, handledare_a, make_referral
):
    referral = make_referral(rehab_team)
    client.force_login(handledare_a)
    assert client.get(reverse("referral_intro", args=[referral.pk])).status_code == 404
    detail = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Introduktionssamtal" not in detail


def test_the_referral_page_links_to_the_intro_until_the_decision(
    client, org, handledare_b, make_referral
):
    open_referral = make_referral(org["EVI"], Status.ASSESSING)
    decided = make_referral(org["EVI"], Status.ACCEPTED)
    client.force_login(handledare_b)
    body = client.get(reverse("referral_detail", args=[open_referral.pk])).content.decode()
    assert reverse("referral_intro", args=[open_referral.pk]) in body
    assert "Inget registrerat" in body
    body = client.get(reverse("referral_detail", args=[decided.pk])).content.decode()
    assert reverse("referral_intro", args=[decided.pk]) not in body


def test_the_page_refuses_bad_input_on_the_fields(client, org, handledare_b, make_referral):
    referral = make_referral(org["EVI"])
    client.force_login(handledare_b)
    url = reverse("referral_intro", args=[referral.pk])
    response = client.post(url, {"intro_date": "2024-02-28", "with_participant": "on"})
    assert response.status_code == 200
    assert "före remissens mottagningsdatum" in " ".join(
        response.context["form"].errors["intro_date"]
    )
    response = client.post(url, {"intro_date": "2024-03-02"})
    assert response.status_code == 200
    assert response.context["form"].errors["with_participant"] == [
        "Ange vilka som deltog i samtalet."
    ]
    response = client.post(url, {"intro_date": "inte ett datum", "with_participant": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["intro_date"]
    referral.refresh_from_db()
    assert referral.intro_date is None


def test_the_page_shows_the_recorded_intro_and_its_waiting_time(
    client, org, handledare_b, make_referral
):
    referral = make_referral(org["EVI"])
    client.force_login(handledare_b)
    client.post(
        reverse("referral_intro", args=[referral.pk]),
        {"intro_date": "2024-03-08", "with_referrer": "on"},
    )
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "2024-03-08, med remittenten" in body
    assert "7 dagar" in body
    assert "Ändra introduktionssamtalet" in body
    form = client.get(reverse("referral_intro", args=[referral.pk])).context["form"]
    assert form["intro_date"].value() == D(2024, 3, 8)
    assert form["with_referrer"].value() is True
