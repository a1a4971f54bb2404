"""Two people edit the same record: nobody's change is lost (issue #14, finding 2).

Before: A saved a new phone number, then B (who had opened the form before A saved) saved a
new address, and A's phone number was gone. The same on the enrolment (A's case officer).
"""

import re
from decimal import Decimal

import pytest
from django.forms import modelform_factory
from django.test import Client
from django.urls import reverse

from common import conflicts
from rehab import services
from rehab.models import Participant, Team
from reporting.models import ActualCost
from tests.factories import EnrolmentFactory, UserFactory
from tests.reporting.budget_fixtures import make_budget

pytestmark = pytest.mark.django_db


def _form_data(html: str) -> dict:
    """The values a browser would post for the page's form: inputs, selected options,
    checked boxes and text areas."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        kind = kind.group(1) if kind else "text"
        value = re.search(r'value="([^"]*)"', tag)
        value = value.group(1) if value else ""
        if kind in ("checkbox", "radio"):
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value or "on")
            continue
        data[name.group(1)] = value.replace("&amp;", "&").replace("&quot;", '"')
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
        if chosen:
            data[name] = chosen if len(chosen) > 1 else chosen[0]
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    return data


@pytest.fixture
def enrolment(rehab_team, handledare_a):
    return EnrolmentFactory(team=rehab_team, responsible=handledare_a)


@pytest.fixture
def two_clients(handledare_a, admin_user):
    a, b = Client(), Client()
    a.force_login(handledare_a)
    b.force_login(admin_user)
    return a, b


def test_the_second_save_is_stopped_and_shows_what_changed(enrolment, two_clients):
    a, b = two_clients
    url = reverse("participant_update", args=[enrolment.participant_id])
    form_a = _form_data(a.get(url).content.decode())
    form_b = _form_data(b.get(url).content.decode())
    assert form_a[conflicts.FIELD]

    assert a.post(url, {**form_a, "phone": "070-111 11 11"}).status_code == 302
    response = b.post(url, {**form_b, "address": "Storgatan 1"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Någon annan har ändrat uppgifterna" in body
    assert "070-111 11 11" in body  # what A changed, shown to B
    assert "Storgatan 1" in body  # B's input is kept
    participant = Participant.objects.get(pk=enrolment.participant_id)
    assert participant.phone == "070-111 11 11"  # A's change is not lost
    assert participant.address != "Storgatan 1"  # nothing saved

    # B merges (keeps A's phone number) and saves again: now it goes through.
    merged = _form_data(body)
    merged.update(address="Storgatan 1", phone="070-111 11 11")
    assert b.post(url, merged).status_code == 302
    participant.refresh_from_db()
    assert (participant.phone, participant.address) == ("070-111 11 11", "Storgatan 1")


def test_the_case_officer_set_by_one_user_is_not_lost(enrolment, two_clients):
    a, b = two_clients
    url = reverse("enrolment_update", args=[enrolment.pk])
    form_a = _form_data(a.get(url).content.decode())
    form_b = _form_data(b.get(url).content.decode())
    assert a.post(url, {**form_a, "case_officer_name": "Karin Handläggare"}).status_code == 302
    response = b.post(url, {**form_b, "case_officer_phone": "08-123 45"})
    assert response.status_code == 200
    assert "Karin Handläggare" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.case_officer_name == "Karin Handläggare"
    assert enrolment.case_officer_phone != "08-123 45"


def test_a_save_without_a_change_in_between_goes_through(enrolment, two_clients):
    a, _ = two_clients
    url = reverse("participant_update", args=[enrolment.participant_id])
    form = _form_data(a.get(url).content.decode())
    assert a.post(url, {**form, "phone": "070-222 22 22"}).status_code == 302


def test_a_form_without_its_version_saves_nothing(enrolment, two_clients):
    a, _ = two_clients
    url = reverse("participant_update", args=[enrolment.participant_id])
    form = _form_data(a.get(url).content.decode())
    form[conflicts.FIELD] = "förfalskad"
    response = a.post(url, {**form, "phone": "070-333 33 33"})
    assert response.status_code == 200
    assert Participant.objects.get(pk=enrolment.participant_id).phone != "070-333 33 33"


def _version(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="loaded_version" value="([^"]*)"', page).group(1)


def test_two_saves_of_the_budget_grid_do_not_overwrite_each_other(rehab_team, admin_user):
    budget = make_budget(rehab_team, actuals={("Lönekostnader", 1): "1000"})
    salaries, rent = budget.lines.all()
    url = reverse("budget_actuals", args=[rehab_team.pk, budget.year])
    a, b = Client(), Client()
    a.force_login(admin_user)
    b.force_login(admin_user)
    version_a, version_b = _version(a, url), _version(b, url)

    cell = f"m1_r{salaries.pk}"
    assert a.post(url, {cell: "2000", conflicts.FIELD: version_a}).status_code == 302
    # B's page still shows 1000 for January and posts it back with a new February cost.
    response = b.post(url, {cell: "1000", f"m2_r{rent.pk}": "500", conflicts.FIELD: version_b})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Någon annan har ändrat uppgifterna" in body and "januari" in body
    assert ActualCost.objects.get(line=salaries, month=1).amount == Decimal("2000")
    assert not ActualCost.objects.filter(line=rent, month=2).exists()

    merged = re.search(r'name="loaded_version" value="([^"]*)"', body).group(1)
    data = {cell: "2000", f"m2_r{rent.pk}": "500", conflicts.FIELD: merged}
    assert b.post(url, data).status_code == 302
    assert ActualCost.objects.get(line=rent, month=2).amount == Decimal("500")


def test_a_phase_changed_meanwhile_is_not_overwritten(enrolment, two_clients):
    a, b = two_clients
    url = reverse("enrolment_phase", args=[enrolment.pk])
    # Both pages showed "Kartläggning"; A moves the case on first.
    assert a.post(url, {"phase": "provning", "shown": "kartlaggning"}).status_code == 302
    response = b.post(url, {"phase": "aktivitet", "shown": "kartlaggning"}, follow=True)
    assert "Någon annan har ändrat fasen till prövning" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.phase == "provning"


def test_a_goal_status_changed_meanwhile_is_not_overwritten(enrolment, two_clients):
    a, b = two_clients
    goal = services.goal_create(enrolment=enrolment, text="Praktik", by=enrolment.responsible)
    url = reverse("goal_status", args=[goal.pk])
    shown = goal.status
    assert a.post(url, {"status": "achieved", "shown": shown}).status_code == 302
    response = b.post(url, {"status": "dropped", "shown": shown}, follow=True)
    assert "Någon annan har ändrat målets status" in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == "achieved"


def test_team_settings_changed_meanwhile_are_refused_in_the_admin(rehab_team):
    form_class = modelform_factory(
        Team,
        form=conflicts.ConflictCheckedModelForm,
        fields=["name", "frame_months", conflicts.FIELD],
    )
    version = form_class(instance=rehab_team).initial[conflicts.FIELD]
    Team.objects.filter(pk=rehab_team.pk).update(frame_months=30)  # another admin saved
    data = {"name": rehab_team.name, "frame_months": "24", conflicts.FIELD: version}
    form = form_class(data, instance=Team.objects.get(pk=rehab_team.pk))
    assert not form.is_valid()
    assert "Någon annan har ändrat uppgifterna" in " ".join(form.non_field_errors())
    assert Team.objects.get(pk=rehab_team.pk).frame_months == 30
    # Saving again from the page sent back goes through.
    again = form_class(form.data, instance=Team.objects.get(pk=rehab_team.pk))
    assert again.is_valid(), again.errors
    again.save()
    assert Team.objects.get(pk=rehab_team.pk).frame_months == 24


def test_the_team_admin_page_carries_the_version(client, rehab_team):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/rehab/team/{rehab_team.pk}/change/").content.decode()
    assert (
        'name="loaded_version"' in page and 'value=""' not in page.split("loaded_version")[1][:20]
    )
