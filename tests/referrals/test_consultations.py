"""Consultations: date, agency and topic only; counted per month and agency in one query."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Consultation
from referrals.selectors import consultation_counts
from rehab.models import AuditEvent, Referrer
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _consult(team, day, agency, staff, topic="Fråga om arbetsträning"):
    return services.consultation_create(team=team, date=day, agency=agency, topic=topic, by=staff)


def test_create_consultation_is_audited(rehab_team, staff):
    consultation = _consult(rehab_team, datetime.date(2024, 2, 3), Referrer.FK, staff)
    assert consultation.team == rehab_team
    audit = AuditEvent.objects.get(action="consultation_create")
    assert audit.changes == {"team": rehab_team.pk, "date": "2024-02-03", "agency": "FK"}
    assert audit.participant_id is None


def test_consultation_refuses_future_date_and_empty_topic(rehab_team, staff):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        _consult(rehab_team, tomorrow, Referrer.AF, staff, topic="  ")
    assert excinfo.value.message_dict == {
        "date": ["Datumet kan inte ligga i framtiden."],
        "topic": ["Ange ämnet."],
    }


@pytest.mark.parametrize(
    "topic", ["Gäller 19850312-1234", "Gäller 850312-1234", "om 198503121234", "850312+1234"]
)
def test_consultation_refuses_what_looks_like_a_personnummer(rehab_team, staff, topic):
    with pytest.raises(ValidationError) as excinfo:
        _consult(rehab_team, datetime.date(2024, 2, 3), Referrer.AF, staff, topic=topic)
    assert "får inte innehålla personuppgifter" in excinfo.value.message_dict["topic"][0]
    assert not Consultation.objects.exists()


def test_consultation_allows_ordinary_numbers(rehab_team, staff):
    _consult(rehab_team, datetime.date(2024, 2, 3), Referrer.AF, staff, topic="Tel 0240-12345")
    assert Consultation.objects.count() == 1


def test_counts_per_month_and_agency_in_one_query(
    rehab_team, other_team, staff, django_assert_num_queries
):
    rows = [
        (datetime.date(2024, 1, 10), Referrer.AF),
        (datetime.date(2024, 1, 31), Referrer.AF),
        (datetime.date(2024, 1, 15), Referrer.FK),
        (datetime.date(2024, 3, 1), Referrer.REGION),
        (datetime.date(2024, 12, 31), Referrer.KOMMUN),
        (datetime.date(2023, 12, 31), Referrer.AF),  # another year
    ]
    for day, agency in rows:
        _consult(rehab_team, day, agency, staff)
    _consult(other_team, datetime.date(2024, 1, 10), Referrer.AF, staff)  # another team
    with django_assert_num_queries(1):
        counts = consultation_counts(rehab_team, 2024)
    agencies = [a.value for a in counts["agencies"]]
    assert agencies == ["EVI", "AF", "FK", "Region", "Kommun", "Egen", "Forbund"]
    months = {m["number"]: dict(zip(agencies, m["counts"], strict=True)) for m in counts["months"]}
    assert len(counts["months"]) == 12
    assert months[1] == {
        "EVI": 0,
        "AF": 2,
        "FK": 1,
        "Region": 0,
        "Kommun": 0,
        "Egen": 0,
        "Forbund": 0,
    }
    assert months[2] == dict.fromkeys(agencies, 0)
    assert months[3]["Region"] == 1
    assert months[12]["Kommun"] == 1
    assert [m["total"] for m in counts["months"]] == [3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert dict(zip(agencies, counts["totals"], strict=True)) == {
        "EVI": 0,
        "AF": 2,
        "FK": 1,
        "Region": 1,
        "Kommun": 1,
        "Egen": 0,
        "Forbund": 0,
    }
    assert counts["total"] == 5


def test_counts_query_count_does_not_grow_with_rows(rehab_team, staff, django_assert_num_queries):
    for i in range(40):
        _consult(rehab_team, datetime.date(2024, 1 + i % 12, 1), list(Referrer)[i % 6], staff)
    with django_assert_num_queries(1):
        counts = consultation_counts(rehab_team, 2024)
    assert counts["total"] == 40


def test_list_page_shows_counts_for_chosen_team_and_year(
    client, handledare_a, rehab_team, staff, django_assert_max_num_queries
):
    _consult(rehab_team, datetime.date(2024, 5, 2), Referrer.AF, staff, topic="Råd om praktik")
    _consult(rehab_team, datetime.date(2023, 5, 2), Referrer.FK, staff, topic="Fjolårets fråga")
    client.force_login(handledare_a)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("consultation_list"), {"team": rehab_team.pk, "ar": 2024})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Råd om praktik" in body
    assert "Fjolårets fråga" not in body
    assert response.context["counts"]["total"] == 1
    assert '<option value="2023">' in body  # years with consultations can be chosen


def test_list_of_another_team_is_404(client, handledare_a, other_team):
    client.force_login(handledare_a)
    assert client.get(reverse("consultation_list"), {"team": other_team.pk}).status_code == 404
    assert client.get(reverse("consultation_list"), {"team": "x"}).status_code == 404


def test_list_ignores_a_bad_year(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.get(reverse("consultation_list"), {"ar": "abc"})
    assert response.context["year"] == timezone.localdate().year


def test_create_through_the_form(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.post(
        reverse("consultation_create"),
        {"team": rehab_team.pk, "date": "2024-04-02", "agency": "Region", "topic": "Fråga"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('consultation_list')}?team={rehab_team.pk}&ar=2024"
    consultation = Consultation.objects.get()
    assert (consultation.agency, consultation.created_by) == ("Region", handledare_a)


def test_create_form_shows_service_error_on_the_field(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.post(
        reverse("consultation_create"),
        {"team": rehab_team.pk, "date": "2024-04-02", "agency": "AF", "topic": "pnr 850312-1234"},
    )
    assert response.status_code == 200
    assert "får inte innehålla personuppgifter" in response.content.decode()
    assert not Consultation.objects.exists()


def test_create_for_another_team_is_refused(client, handledare_b, rehab_team):
    client.force_login(handledare_b)
    response = client.post(
        reverse("consultation_create"),
        {"team": rehab_team.pk, "date": "2024-04-02", "agency": "AF", "topic": "Fråga"},
    )
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not Consultation.objects.exists()


def test_member_of_an_inactive_team_only_gets_403(client, django_user_model):
    from rehab.models import Membership

    user = django_user_model.objects.create_user("vilande", password="x" * 14)
    Membership.objects.create(user=user, team=TeamFactory(is_active=False), role="handledare")
    client.force_login(user)
    response = client.get(reverse("consultation_list"))
    assert response.status_code == 403


def test_consultation_list_is_paginated_by_25(client, handledare_a, rehab_team, staff):
    for i in range(30):
        _consult(rehab_team, datetime.date(2024, 1 + i % 12, 1), Referrer.AF, staff)
    client.force_login(handledare_a)
    url = reverse("consultation_list")
    first = client.get(url, {"team": rehab_team.pk, "ar": 2024})
    assert len(first.context["page"].object_list) == 25
    assert f"?team={rehab_team.pk}&amp;ar=2024&amp;sida=2" in first.content.decode()
    second = client.get(url, {"team": rehab_team.pk, "ar": 2024, "sida": 2})
    assert len(second.context["page"].object_list) == 5
    assert second.context["counts"]["total"] == 30
