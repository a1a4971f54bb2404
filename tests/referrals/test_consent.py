"""Consent (samtycke) between named agencies: recorded while enrolled, ended at exit, and a
standing warning while there is none."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Consent, Referral
from referrals.selectors import participant_consent_status, participant_referral_context
from rehab.models import AuditEvent, Referrer
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

WARNING = "Samtycke saknas – uppgifter får inte delas mellan myndigheterna."
PERSONAS = ["handledare_a", "handledare_b", "admin", "forbund", "styrgrupp", "anonymous"]


def _record(participant, staff, given=datetime.date(2024, 2, 5), agencies=("AF", "FK")):
    return services.consent_record(
        participant=participant,
        agencies=list(agencies),
        scope="Uppgifter om arbetsförmåga och planering.",
        given_date=given,
        by=staff,
    )


# --- Services -------------------------------------------------------------------------------


def test_record_consent_for_an_enrolled_participant(enrolled_participant, staff):
    consent = _record(enrolled_participant, staff, agencies=["Region", "AF", "AF"])
    assert consent.agencies == "AF,Region"
    assert participant_consent_status(enrolled_participant) == consent
    audit = AuditEvent.objects.get(action="consent_record")
    assert audit.participant_id == enrolled_participant.pk
    assert audit.changes["agencies"] == "AF,Region"


def test_record_refuses_missing_agencies_scope_and_future_date(enrolled_participant, staff):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.consent_record(
            participant=enrolled_participant,
            agencies=["EVI"],
            scope=" ",
            given_date=tomorrow,
            by=staff,
        )
    assert excinfo.value.message_dict == {
        "agencies": ["Välj minst en myndighet som samtycket gäller."],
        "scope": ["Beskriv vad samtycket omfattar."],
        "given_date": ["Datumet kan inte ligga i framtiden."],
    }


def test_record_needs_an_active_enrolment(rehab_team, staff):
    not_enrolled = ParticipantFactory()
    with pytest.raises(ValidationError) as excinfo:
        _record(not_enrolled, staff)
    assert (
        "bara registreras för en deltagare med en pågående inskrivning"
        in (excinfo.value.messages[0])
    )
    exited = EnrolmentFactory(
        team=rehab_team,
        start_date=datetime.date(2023, 1, 1),
        exit_date=datetime.date(2023, 6, 1),
        exit_outcome="arbete",
    ).participant
    with pytest.raises(ValidationError):
        _record(exited, staff)
    assert not Consent.objects.exists()


def test_new_consent_replaces_the_active_one(enrolled_participant, staff):
    first = _record(enrolled_participant, staff, given=datetime.date(2024, 2, 5))
    second = _record(enrolled_participant, staff, given=datetime.date(2024, 3, 1), agencies=["FK"])
    first.refresh_from_db()
    assert first.ended_date == datetime.date(2024, 3, 1)
    assert participant_consent_status(enrolled_participant) == second
    with pytest.raises(ValidationError) as excinfo:
        _record(enrolled_participant, staff, given=datetime.date(2024, 2, 1))
    assert excinfo.value.message_dict == {
        "given_date": [
            "Det gällande samtycket lämnades 2024-03-01; ett nytt samtycke kan inte vara äldre."
        ]
    }


def test_end_all_ends_active_consent(enrolled_participant, staff):
    _record(enrolled_participant, staff, given=datetime.date(2024, 2, 5))
    ended = services.consent_end_all(
        participant=enrolled_participant, ended_date=datetime.date(2024, 6, 30), by=staff
    )
    assert ended == 1
    assert participant_consent_status(enrolled_participant) is None
    assert Consent.objects.get().ended_date == datetime.date(2024, 6, 30)
    audit = AuditEvent.objects.get(action="consent_end_all")
    assert audit.participant_id == enrolled_participant.pk
    assert audit.changes["ended_date"] == "2024-06-30"


def test_end_all_without_consent_changes_nothing(enrolled_participant, staff):
    assert (
        services.consent_end_all(
            participant=enrolled_participant, ended_date=datetime.date(2024, 6, 30), by=staff
        )
        == 0
    )
    assert not AuditEvent.objects.filter(action="consent_end_all").exists()


def test_end_all_before_consent_was_given_is_refused(enrolled_participant, staff):
    _record(enrolled_participant, staff, given=datetime.date(2024, 2, 5))
    with pytest.raises(ValidationError) as excinfo:
        services.consent_end_all(
            participant=enrolled_participant, ended_date=datetime.date(2024, 2, 1), by=staff
        )
    assert excinfo.value.messages == [
        "Samtycket lämnades 2024-02-05 och kan inte upphöra 2024-02-01, före det lämnades."
    ]
    assert participant_consent_status(enrolled_participant) is not None


# --- Selector and partials ------------------------------------------------------------------


def test_context_for_participant_page_in_fixed_queries(
    enrolled_participant, rehab_team, other_team, handledare_a, staff, django_assert_num_queries
):
    _record(enrolled_participant, staff, given=datetime.date(2024, 2, 5))
    _record(enrolled_participant, staff, given=datetime.date(2024, 3, 5))
    for team in (rehab_team, rehab_team, other_team):
        services.referral_create(
            team=team,
            source=Referrer.AF,
            need="Behov",
            received_date=datetime.date(2024, 1, 10),
            participant=enrolled_participant,
            by=staff,
        )
    from rehab.access import get_access

    get_access(handledare_a)  # read once per request by the page that includes the partials
    with django_assert_num_queries(3):
        context = participant_referral_context(enrolled_participant, handledare_a)
        html = render_to_string("referrals/partials/participant_consent.html", context)
        html += render_to_string("referrals/partials/participant_referrals.html", context)
    assert context["active_consent"].given_date == datetime.date(2024, 3, 5)
    assert len(context["consents"]) == 2
    assert context["can_edit"] is True
    # Only the referrals the user's teams may see: EVI's is left out for Rehabteamet's handledare.
    assert len(context["referrals"]) == 2
    assert {r.team for r in context["referrals"]} == {rehab_team}
    assert WARNING not in html
    assert "Arbetsförmedlingen, Försäkringskassan" in html
    assert reverse("consent_create", args=[enrolled_participant.pk]) in html
    assert f"{reverse('referral_create')}?deltagare={enrolled_participant.pk}" in html


def test_partial_warns_when_there_is_no_active_consent(enrolled_participant, handledare_a, staff):
    context = participant_referral_context(enrolled_participant, handledare_a)
    html = render_to_string("referrals/partials/participant_consent.html", context)
    assert WARNING in html
    assert 'class="alert alert-warning" role="alert"' in html
    _record(enrolled_participant, staff)
    services.consent_end_all(
        participant=enrolled_participant, ended_date=datetime.date(2024, 6, 1), by=staff
    )
    context = participant_referral_context(enrolled_participant, handledare_a)
    html = render_to_string("referrals/partials/participant_consent.html", context)
    assert WARNING in html
    assert "2024-06-01" in html  # the ended consent stays in the history


def test_no_consent_form_link_without_active_enrolment(rehab_team, handledare_a, staff):
    referral = services.referral_create(
        team=rehab_team,
        source=Referrer.AF,
        need="Behov",
        received_date=datetime.date(2024, 1, 10),
        participant=ParticipantFactory(),
        by=staff,
    )
    context = participant_referral_context(referral.participant, handledare_a)
    assert context["can_edit"] is False
    html = render_to_string("referrals/partials/participant_consent.html", context)
    assert reverse("consent_create", args=[referral.participant_id]) not in html


def test_context_for_aggregate_user_holds_no_referrals(
    enrolled_participant, rehab_team, forbund_user, staff
):
    services.referral_create(
        team=rehab_team,
        source=Referrer.AF,
        need="Behov",
        received_date=datetime.date(2024, 1, 10),
        participant=enrolled_participant,
        by=staff,
    )
    context = participant_referral_context(enrolled_participant, forbund_user)
    assert context["referrals"] == []
    assert context["can_edit"] is False


# --- The consent page -----------------------------------------------------------------------

CONSENT_PAGE = {
    "handledare_a": 200,
    "handledare_b": 404,
    "admin": 200,
    "forbund": 403,
    "styrgrupp": 403,
    "anonymous": "login",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_consent_page_per_persona(client, personas, enrolled_participant, persona, method):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    url = reverse("consent_create", args=[enrolled_participant.pk])
    data = {"agencies": ["AF"], "scope": "Allt", "given_date": "2024-02-05"}
    response = client.get(url) if method == "get" else client.post(url, data)
    expected = CONSENT_PAGE[persona]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif method == "post" and expected == 200:
        assert response.status_code == 302
    else:
        assert response.status_code == expected
    assert Consent.objects.exists() is (method == "post" and expected == 200)


def test_consent_page_of_unknown_participant_is_404(client, handledare_a):
    client.force_login(handledare_a)
    assert client.get(reverse("consent_create", args=[999999])).status_code == 404


def test_record_consent_through_the_form(client, handledare_a, enrolled_participant):
    client.force_login(handledare_a)
    url = reverse("consent_create", args=[enrolled_participant.pk])
    body = client.get(url).content.decode()
    assert WARNING in body
    assert "Registrera nytt samtycke" in body
    response = client.post(
        url,
        {"agencies": ["AF", "Kommun"], "scope": "Planering", "given_date": "2024-02-05"},
        follow=True,
    )
    assert response.redirect_chain == [
        (reverse("participant_detail", args=[enrolled_participant.pk]), 302)
    ]
    body = response.content.decode()
    assert "Samtycket är registrerat." in body
    assert WARNING not in body
    assert "Arbetsförmedlingen, Kommunen (IFO/AME)" in body


def test_consent_form_errors_in_swedish(client, handledare_a, enrolled_participant):
    client.force_login(handledare_a)
    url = reverse("consent_create", args=[enrolled_participant.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        url, {"agencies": ["EVI"], "scope": "", "given_date": tomorrow.isoformat()}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in body
    assert "Detta fält måste fyllas i." in body
    assert "Datumet kan inte ligga i framtiden." in body
    assert not Consent.objects.exists()


def test_consent_page_without_enrolment_explains_and_refuses(
    client, handledare_a, rehab_team, staff
):
    referral = services.referral_create(
        team=rehab_team,
        source=Referrer.AF,
        need="Behov",
        received_date=datetime.date(2024, 1, 10),
        participant=ParticipantFactory(),
        by=staff,
    )
    client.force_login(handledare_a)
    url = reverse("consent_create", args=[referral.participant_id])
    assert "bara registreras när deltagaren har en pågående inskrivning" in (
        client.get(url).content.decode()
    )
    response = client.post(url, {"agencies": ["AF"], "scope": "x", "given_date": "2024-02-05"})
    assert response.status_code == 200
    assert "pågående inskrivning" in response.content.decode()
    assert not Consent.objects.exists()
    assert Referral.objects.count() == 1
