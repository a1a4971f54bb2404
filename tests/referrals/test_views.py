"""Referral pages: who may open them, the list's search, filters and pages, and the actions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Referral
from rehab.models import Referrer

pytestmark = pytest.mark.django_db

Status = Referral.Status

PERSONAS = ["handledare_a", "handledare_b", "admin", "forbund", "styrgrupp", "anonymous"]


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


# --- Who may open what ----------------------------------------------------------------------

# A referral to Rehabteamet: its members and the admin work with it; EVI's handledare gets 404.
REHAB_REFERRAL = {
    "handledare_a": 200,
    "handledare_b": 404,
    "admin": 200,
    "forbund": 403,
    "styrgrupp": 403,
    "anonymous": "login",
}
ANY_TEAM_MEMBER = {
    "handledare_a": 200,
    "handledare_b": 200,
    "admin": 200,
    "forbund": 403,
    "styrgrupp": 403,
    "anonymous": "login",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("referral_list", ANY_TEAM_MEMBER),
        ("referral_create", ANY_TEAM_MEMBER),
        ("consultation_list", ANY_TEAM_MEMBER),
        ("consultation_create", ANY_TEAM_MEMBER),
    ],
)
def test_team_pages_per_persona(client, personas, persona, url_name, expected):
    response = _client_for(client, personas, persona).get(reverse(url_name))
    _assert_status(response, expected[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "url",
    [
        lambda r: reverse("referral_detail", args=[r.pk]),
        lambda r: reverse("referral_transition", args=[r.pk, Status.ASSESSING]),
        lambda r: reverse("referral_transition", args=[r.pk, Status.DECLINED]),
    ],
    ids=["detail", "transition", "decline_confirmation"],
)
def test_referral_pages_per_persona(client, personas, rehab_team, make_referral, persona, url):
    referral = make_referral(rehab_team)
    response = _client_for(client, personas, persona).get(url(referral))
    _assert_status(response, REHAB_REFERRAL[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_transition_post_per_persona(client, personas, rehab_team, make_referral, persona):
    referral = make_referral(rehab_team)
    response = _client_for(client, personas, persona).post(
        reverse("referral_transition", args=[referral.pk, Status.ASSESSING]),
        {"assessing-date": "2024-03-05"},
    )
    expected = REHAB_REFERRAL[persona]
    _assert_status(response, 302 if expected == 200 else expected)
    referral.refresh_from_db()
    moved = expected == 200
    assert referral.status == (Status.ASSESSING if moved else Status.RECEIVED)


# Triage: only the admin of the triage team assigns; EVI's handledare gets 403, a handledare
# of another team who cannot see the referral gets 404.
ASSIGN = {
    "handledare_a": 404,
    "handledare_b": 403,
    "admin": 200,
    "forbund": 403,
    "styrgrupp": 403,
    "anonymous": "login",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_assign_page_per_persona(client, personas, org, make_referral, persona):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    response = _client_for(client, personas, persona).get(
        reverse("referral_assign", args=[referral.pk])
    )
    _assert_status(response, ASSIGN[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_assign_post_per_persona(client, personas, org, rehab_team, make_referral, persona):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    response = _client_for(client, personas, persona).post(
        reverse("referral_assign", args=[referral.pk]), {"team": rehab_team.pk}
    )
    expected = ASSIGN[persona]
    _assert_status(response, 302 if expected == 200 else expected)
    referral.refresh_from_db()
    assert (referral.assigned_team == rehab_team) is (expected == 200)


def test_method_handledare_sees_assigned_referral_but_may_not_reassign(
    client, org, rehab_team, admin_user, handledare_a, make_referral
):
    referral = make_referral(org["EVI"], Status.ACCEPTED, need="Behöver arbetsträning.")
    client.force_login(handledare_a)
    assert "Behöver arbetsträning" not in client.get(reverse("referral_list")).content.decode()
    services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    assert "Behöver arbetsträning" in client.get(reverse("referral_list")).content.decode()
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 200
    response = client.post(reverse("referral_assign", args=[referral.pk]), {"team": rehab_team.pk})
    assert response.status_code == 403


def test_other_teams_referrals_never_reach_the_list(
    client, handledare_b, rehab_team, make_referral
):
    make_referral(rehab_team, need="Hemlig anteckning om hälsan.", case_officer_name="Kim Ek")
    client.force_login(handledare_b)
    body = client.get(reverse("referral_list")).content.decode()
    assert "Hemlig anteckning" not in body
    assert "Kim Ek" not in body
    assert "inga remisser i dina team" in body


# --- Create ---------------------------------------------------------------------------------


def _create_data(team, **overrides):
    return {
        "team": team.pk,
        "source": Referrer.FK,
        "case_officer_name": "Per Persson",
        "case_officer_agency": "Försäkringskassan",
        "case_officer_phone": "010-123 45 67",
        "case_officer_email": "per@example.se",
        "need": "Behöver stöd i arbetsträning.",
        "received_date": "2024-05-02",
        "channel": Referral.Channel.EPOST,
        **overrides,
    }


def test_handledare_registers_a_referral(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.post(reverse("referral_create"), _create_data(rehab_team))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referral_detail", args=[referral.pk])
    assert referral.team == rehab_team
    assert referral.created_by == handledare_a
    assert referral.received_date == datetime.date(2024, 5, 2)
    follow = client.get(response["Location"])
    assert "Remissen är registrerad." in follow.content.decode()


def test_create_form_refuses_future_date_in_swedish(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("referral_create"), _create_data(rehab_team, received_date=tomorrow.isoformat())
    )
    assert response.status_code == 200
    assert "Datumet kan inte ligga i framtiden." in response.content.decode()
    assert not Referral.objects.exists()


def test_create_form_shows_swedish_field_errors(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.post(
        reverse("referral_create"),
        _create_data(rehab_team, need="", case_officer_email="inte-en-adress", received_date="x"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Detta fält måste fyllas i." in body
    assert "Fyll i en giltig e-postadress." in body
    assert "Fyll i ett giltigt datum." in body
    assert not Referral.objects.exists()


def test_create_refuses_a_team_the_user_is_not_member_of(client, handledare_b, rehab_team):
    client.force_login(handledare_b)
    response = client.post(reverse("referral_create"), _create_data(rehab_team))
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not Referral.objects.exists()


def test_create_for_a_participant_links_them(
    client, handledare_a, rehab_team, enrolled_participant
):
    client.force_login(handledare_a)
    url = f"{reverse('referral_create')}?deltagare={enrolled_participant.pk}"
    assert str(enrolled_participant) in client.get(url).content.decode()
    client.post(url, _create_data(rehab_team))
    assert Referral.objects.get().participant == enrolled_participant


@pytest.mark.parametrize("value", ["abc", "", "999999"])
def test_create_for_a_bad_participant_is_404(client, handledare_a, value):
    client.force_login(handledare_a)
    assert client.get(f"{reverse('referral_create')}?deltagare={value}").status_code == 404


def test_create_for_an_invisible_participant_is_404(
    client, handledare_b, other_team, enrolled_participant
):
    client.force_login(handledare_b)
    url = f"{reverse('referral_create')}?deltagare={enrolled_participant.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, _create_data(other_team)).status_code == 404
    assert not Referral.objects.exists()


# --- Detail and actions ---------------------------------------------------------------------


def test_detail_shows_history_waiting_times_and_allowed_actions(
    client, handledare_a, rehab_team, make_referral
):
    referral = make_referral(rehab_team, Status.ASSESSING)
    client.force_login(handledare_a)
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Karin Handläggare" in body
    assert "0240-123 45" in body
    assert "2024-03-04" in body  # the assessment event
    assert "Inget beslut ännu" in body
    assert "Anta remissen" in body
    assert reverse("referral_transition", args=[referral.pk, Status.ACCEPTED]) in body
    # Actions that end the referral go through a confirmation page, never straight from here.
    decline_url = reverse("referral_transition", args=[referral.pk, Status.DECLINED])
    assert f'href="{decline_url}"' in body
    assert f'action="{decline_url}"' not in body
    assert "Sätt i kö" not in body


def test_detail_of_a_final_referral_offers_no_action(
    client, handledare_a, rehab_team, make_referral
):
    referral = make_referral(rehab_team, Status.DECLINED)
    client.force_login(handledare_a)
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Remissen är avböjd – det finns inga fler åtgärder." in body
    assert "Passar inte målgruppen." in body
    assert "10 dagar" in body  # received 2024-03-01, declined 2024-03-11


def test_accepting_through_the_form(client, handledare_a, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    client.force_login(handledare_a)
    response = client.post(
        reverse("referral_transition", args=[referral.pk, Status.ACCEPTED]),
        {"accepted-date": "2024-03-20"},
        follow=True,
    )
    assert "Remissen är nu antagen." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.decided_date == datetime.date(2024, 3, 20)


def test_refused_transition_shows_the_reason(client, handledare_a, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.WITHDRAWN)
    client.force_login(handledare_a)
    url = reverse("referral_transition", args=[referral.pk, Status.ACCEPTED])
    for response in (client.get(url), client.post(url, {"accepted-date": "2024-03-20"})):
        assert response.status_code == 200
        assert "Remissen är återkallad och kan inte antas." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN


def test_date_before_previous_event_is_a_field_error(
    client, handledare_a, rehab_team, make_referral
):
    referral = make_referral(rehab_team, Status.ASSESSING)
    client.force_login(handledare_a)
    response = client.post(
        reverse("referral_transition", args=[referral.pk, Status.ACCEPTED]),
        {"accepted-date": "2024-03-02"},
    )
    assert response.status_code == 200
    assert "kan inte ligga före remissens föregående händelse" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ASSESSING


def test_decline_needs_reason_and_confirmation(client, handledare_a, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    client.force_login(handledare_a)
    url = reverse("referral_transition", args=[referral.pk, Status.DECLINED])
    page = client.get(url).content.decode()
    assert "Detta avslutar remissen och kan inte ångras." in page
    assert "Bekräfta – avböj remissen" in page
    response = client.post(url, {"declined-date": "2024-03-20", "declined-reason": ""})
    assert response.status_code == 200
    assert "Detta fält måste fyllas i." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ASSESSING
    response = client.post(
        url, {"declined-date": "2024-03-20", "declined-reason": "Fel målgrupp."}, follow=True
    )
    assert "Remissen är nu avböjd." in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (Status.DECLINED, "Fel målgrupp.")


def test_withdraw_with_confirmation(client, handledare_a, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    client.force_login(handledare_a)
    url = reverse("referral_transition", args=[referral.pk, Status.WITHDRAWN])
    assert "Bekräfta – återkalla remissen" in client.get(url).content.decode()
    client.post(url, {"withdrawn-date": "2024-03-20", "withdrawn-reason": ""})
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN


def test_redirect_to_a_team_of_the_forbund(client, handledare_a, org, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.ASSESSING)
    client.force_login(handledare_a)
    url = reverse("referral_transition", args=[referral.pk, Status.REDIRECTED])
    response = client.post(url, {"redirected-date": "2024-03-20"})
    assert "Välj vilket team remissen hänvisas till eller skriv en annan mottagare." in (
        response.content.decode()
    )
    response = client.post(
        url,
        {
            "redirected-date": "2024-03-20",
            "redirected-redirect_team": org["EVI"].pk,
            "redirected-redirected_to": "Vårdcentralen",
        },
    )
    assert "inte båda" in response.content.decode()
    client.post(url, {"redirected-date": "2024-03-20", "redirected-redirect_team": org["EVI"].pk})
    referral.refresh_from_db()
    assert (referral.status, referral.redirected_to) == (Status.REDIRECTED, "EVI")


def test_redirect_to_free_text(client, handledare_a, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.RECEIVED)
    client.force_login(handledare_a)
    client.post(
        reverse("referral_transition", args=[referral.pk, Status.REDIRECTED]),
        {"redirected-date": "2024-03-20", "redirected-redirected_to": "Vårdcentralen Ludvika"},
    )
    referral.refresh_from_db()
    assert referral.redirected_to == "Vårdcentralen Ludvika"


@pytest.mark.parametrize("status", ["enrolled", "okand"])
def test_no_page_for_enrolled_or_unknown_status(
    client, handledare_a, rehab_team, make_referral, status
):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    client.force_login(handledare_a)
    assert (
        client.get(reverse("referral_transition", args=[referral.pk, status])).status_code == 404
    )


def test_assign_form_shows_only_the_triage_teams_methods(client, admin_user, org, make_referral):
    from tests.factories import TeamFactory

    TeamFactory(name="Fristående team", forbund=org["forbund"])
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    client.force_login(admin_user)
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Fördela remissen" in body
    assert ">Rehabteamet</option>" in body
    assert "Fristående team" not in body
    assert "skrivs in när enhetschefen för EVI har fördelat den" in body
    response = client.post(reverse("referral_assign", args=[referral.pk]), {"team": org["EVI"].pk})
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    referral.refresh_from_db()
    assert referral.assigned_team is None


def test_assign_form_is_hidden_from_handledare(client, handledare_b, org, make_referral):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    client.force_login(handledare_b)
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert reverse("referral_assign", args=[referral.pk]) not in body


def test_assign_page_explains_when_not_yet_accepted(client, admin_user, org, make_referral):
    referral = make_referral(org["EVI"], Status.ASSESSING)
    client.force_login(admin_user)
    body = client.get(reverse("referral_assign", args=[referral.pk])).content.decode()
    assert "bara en antagen remiss (eller en i kö) kan fördelas" in body


def test_admin_assigns_through_the_form(client, admin_user, org, rehab_team, make_referral):
    referral = make_referral(org["EVI"], Status.QUEUED)
    client.force_login(admin_user)
    response = client.post(
        reverse("referral_assign", args=[referral.pk]), {"team": rehab_team.pk}, follow=True
    )
    assert "Remissen är fördelad till Rehabteamet." in response.content.decode()


def test_accepted_referral_links_to_enrolment(client, handledare_a, rehab_team, make_referral):
    referral = make_referral(rehab_team, Status.ACCEPTED)
    client.force_login(handledare_a)
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert f'href="{reverse("enrolment_create")}?remiss={referral.pk}"' in body
    assert "Skriv in deltagaren" in body


@pytest.mark.parametrize("status", [Status.ASSESSING, Status.DECLINED])
def test_no_enrolment_link_before_acceptance_or_after_decline(
    client, handledare_a, rehab_team, make_referral, status
):
    referral = make_referral(rehab_team, status)
    client.force_login(handledare_a)
    body = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Skriv in deltagaren" not in body


def test_triage_referral_links_to_enrolment_only_once_assigned(
    client, admin_user, org, rehab_team, make_referral
):
    referral = make_referral(org["EVI"], Status.ACCEPTED)
    client.force_login(admin_user)
    url = reverse("referral_detail", args=[referral.pk])
    assert "Skriv in deltagaren" not in client.get(url).content.decode()
    services.referral_assign(referral=referral, team=rehab_team, by=admin_user)
    assert "Skriv in deltagaren" in client.get(url).content.decode()


# --- List: search, filters, sorting, pages ----------------------------------------------------


def _list(client, **params):
    response = client.get(reverse("referral_list"), params)
    assert response.status_code == 200
    return response


def _needs(response):
    return [r.need for r in response.context["page"].object_list]


def test_search_case_officer_name_and_need(client, handledare_a, rehab_team, make_referral):
    make_referral(rehab_team, case_officer_name="Lena Berg", need="Arbetsträning")
    make_referral(rehab_team, case_officer_name="Olle Ek", need="Stöd med sömn och rutiner")
    client.force_login(handledare_a)
    assert _needs(_list(client, q="berg")) == ["Arbetsträning"]
    assert _needs(_list(client, q="SÖMN")) == ["Stöd med sömn och rutiner"]
    response = _list(client, q="ingenting sådant")
    assert _needs(response) == []
    assert "Inga remisser matchar sökningen." in response.content.decode()


def test_filter_status_source_and_team(client, admin_user, org, rehab_team, make_referral):
    make_referral(rehab_team, Status.ASSESSING, need="A", source=Referrer.AF)
    make_referral(rehab_team, Status.RECEIVED, need="B", source=Referrer.FK)
    evi = make_referral(org["EVI"], Status.ACCEPTED, need="C", source=Referrer.EVI)
    client.force_login(admin_user)
    assert _needs(_list(client, status=Status.ASSESSING)) == ["A"]
    assert _needs(_list(client, source=Referrer.FK)) == ["B"]
    assert _needs(_list(client, team=org["EVI"].pk)) == ["C"]
    assert sorted(_needs(_list(client, team=rehab_team.pk))) == ["A", "B"]
    services.referral_assign(referral=evi, team=rehab_team, by=admin_user)
    # Assigned referrals show in the method's list too.
    assert sorted(_needs(_list(client, team=rehab_team.pk))) == ["A", "B", "C"]


def test_filter_for_a_team_the_user_is_not_in_is_ignored(
    client, handledare_b, rehab_team, make_referral
):
    make_referral(rehab_team, need="Rehab")
    client.force_login(handledare_b)
    response = _list(client, team=rehab_team.pk)
    assert _needs(response) == []


def test_bad_filter_values_do_not_break_the_list(client, handledare_a, rehab_team, make_referral):
    make_referral(rehab_team, need="A")
    client.force_login(handledare_a)
    assert _needs(_list(client, status="nonsense", team="x", sort="?", sida="abc")) == ["A"]
    make_referral(rehab_team, need="B")
    assert _needs(_list(client, q="B", status="nonsense")) == ["B"]


def test_sorting_by_received_date(client, handledare_a, rehab_team, make_referral):
    for day in (5, 1, 9):
        make_referral(rehab_team, need=f"dag {day}", received_date=datetime.date(2024, 3, day))
    client.force_login(handledare_a)
    assert _needs(_list(client)) == ["dag 9", "dag 5", "dag 1"]
    assert _needs(_list(client, sort="received")) == ["dag 1", "dag 5", "dag 9"]
    assert _needs(_list(client, sort="-received")) == ["dag 9", "dag 5", "dag 1"]


def test_list_is_paginated_by_25_and_keeps_filters(
    client, handledare_a, rehab_team, make_referral, django_assert_max_num_queries
):
    for i in range(30):
        make_referral(rehab_team, need=f"behov {i}", source=Referrer.AF)
    make_referral(rehab_team, need="från FK", source=Referrer.FK)
    client.force_login(handledare_a)
    first = _list(client, source=Referrer.AF)
    assert len(first.context["page"].object_list) == 25
    body = first.content.decode()
    assert "sida 1 av 2" in body
    assert "?source=AF&amp;sida=2" in body
    second = _list(client, source=Referrer.AF, sida=2)
    assert len(second.context["page"].object_list) == 5
    # The list's queries do not grow with the number of rows (session, user, roles, count, page).
    with django_assert_max_num_queries(8):
        _list(client, source=Referrer.AF)


# --- Any status in the transition URL: a Swedish answer, never a server error (issue #14) -----


@pytest.mark.parametrize("current", [s for s in Status.values if s != Status.ENROLLED])
@pytest.mark.parametrize("to_status", ["received", "enrolled", "nonsense", "RECEIVED", "x" * 300])
@pytest.mark.parametrize("method", ["get", "post"])
def test_transition_to_a_status_no_one_moves_to_by_hand_is_404(
    client, handledare_a, rehab_team, make_referral, current, to_status, method
):
    referral = make_referral(rehab_team, current)
    client.force_login(handledare_a)
    url = reverse("referral_transition", args=[referral.pk, to_status])
    response = getattr(client, method)(url, {f"{to_status}-date": "2024-03-05"})
    assert response.status_code == 404


@pytest.mark.parametrize("current", [s for s in Status.values if s != Status.ENROLLED])
@pytest.mark.parametrize(
    "to_status", [Status.ASSESSING, Status.ACCEPTED, Status.QUEUED, Status.WITHDRAWN]
)
def test_transition_impossible_from_current_shows_the_refusal(
    client, handledare_a, rehab_team, make_referral, current, to_status
):
    referral = make_referral(rehab_team, current)
    client.force_login(handledare_a)
    url = reverse("referral_transition", args=[referral.pk, to_status])
    get = client.get(url)
    post = client.post(url, {f"{to_status}-date": "2024-03-20"})
    assert get.status_code == 200
    assert post.status_code in (200, 302)
    if to_status not in services.TRANSITIONS[current]:
        assert "Remissen är" in get.content.decode()
        referral.refresh_from_db()
        assert referral.status == current


def test_refusal_message_for_every_pair_of_statuses():
    for current in Status.values:
        for to_status in [*Status.values, "nonsense"]:
            message = services.refusal_message(current, to_status)
            assert message.startswith(("Remissen ", "En remiss "))


def test_service_refuses_moving_back_to_received(rehab_team, make_referral, staff):
    referral = make_referral(rehab_team, Status.ASSESSING)
    with pytest.raises(ValidationError, match="Remissen"):
        services.referral_transition(
            referral=referral, to_status=Status.RECEIVED, date=datetime.date(2024, 3, 5), by=staff
        )
