"""The board report's section on places and soft rules (SPEC §13 rules 1, 2, 9, 10): exact for
the unit manager, absent for aggregate users; the team page's places table."""

import datetime

import pytest
from django.urls import reverse

from modules.models import Module, ModuleReservation
from rehab import services
from rehab.models import Kommun, KommunQuota, Referrer
from reporting.board.soft_rules import board_soft_rules, genitive, soft_rule_counts
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db
D = datetime.date
BOARD = reverse("board_report")


@pytest.fixture
def quota_team(rehab_team):
    """Rehabteamet given REBUS-like places: Hagfors offered 1 first, 3 in all."""
    rehab_team.total_places = 3
    rehab_team.require_referring_income = True
    rehab_team.save()
    KommunQuota.objects.create(
        team=rehab_team, kommun=Kommun.objects.get(name="Hagfors"), places=1
    )
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    ModuleReservation.objects.create(
        module=portalen, kommun=Kommun.objects.get(name="Smedjebacken"), places=2
    )
    return rehab_team


def _enrol(team, kommun, start, by, **fields):
    return services.enrolment_create(
        participant=ParticipantFactory(kommun=Kommun.objects.get(name=kommun)),
        team=team,
        start_date=start,
        by=by,
        referrer=fields.pop("referrer", Referrer.AF),
        agencies=["AF", "FK"],
        responsible=by,
        income_start=fields.pop("income_start", ["sjukpenning"]),
        **fields,
    )


@pytest.fixture
def history(quota_team, handledare_a):
    for day in (D(2024, 2, 1), D(2024, 2, 2), D(2024, 2, 3)):
        _enrol(quota_team, "Hagfors", day, handledare_a)
    _enrol(quota_team, "Ludvika", D(2024, 3, 1), handledare_a, income_start=["ingen"])
    return quota_team


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Hagfors", "Hagfors"), ("Forshaga", "Forshagas"), ("Munkfors", "Munkfors"), ("Hox", "Hox")],
)
def test_genitive_of_place_names(name, expected):
    assert genitive(name) == expected


def test_counts_say_how_often_each_rule_was_passed(history):
    texts = soft_rule_counts(history, date_from=D(2024, 1, 1), date_to=D(2024, 6, 30))
    assert texts == [
        "2 inskrivningar utöver Hagfors andel",
        "1 inskrivning utöver teamets löpande platser",
        "1 inskrivning utan försörjning från en remitterande part",
    ]
    # A period that holds none of the starts counts none.
    assert soft_rule_counts(history, date_from=D(2024, 4, 1), date_to=D(2024, 6, 30)) == []


def test_places_on_the_periods_last_day(history):
    (item,) = board_soft_rules([history], date_from=D(2024, 1, 1), date_to=D(2024, 6, 30))
    places = item.places
    assert (places.running, places.total_places, places.over_total) == (4, 3, True)
    rows = {k.kommun: (k.running, k.quota, k.over) for k in places.kommuner}
    assert rows["Hagfors"] == (3, 1, True)
    assert rows["Ludvika"] == (1, None, False)
    assert next(iter(rows)) == "Hagfors"  # kommuner with a share first
    assert [(r.module, r.kommun, r.reserved, r.used) for r in places.reserved] == [
        ("Portalen", "Smedjebacken", 2, 0)
    ]
    # Before anyone started: nobody running.
    (item,) = board_soft_rules([history], date_from=D(2024, 1, 1), date_to=D(2024, 1, 31))
    assert item.places.running == 0


def test_admin_sees_the_section_aggregate_users_do_not(
    client, history, admin_user, styrgrupp_user
):
    query = {"scope": f"team-{history.pk}", "fran": "2024-01-01", "till": "2024-06-30"}
    client.force_login(admin_user)
    page = client.get(BOARD, query).content.decode()
    assert "Platser och mjuka regler" in page
    assert "2 inskrivningar utöver Hagfors andel" in page
    assert "Över andelen" in page
    client.force_login(styrgrupp_user)
    response = client.get(BOARD, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Platser och mjuka regler" not in page
    assert "utöver Hagfors andel" not in page and "Över andelen" not in page


def test_team_page_shows_places_to_the_teams_staff(client, history, handledare_a):
    client.force_login(handledare_a)
    page = client.get(reverse("team_detail", args=[history.pk])).content.decode()
    assert "Inskrivna per kommun mot de platser kommunen erbjuds först" in page
    assert "4 löpande inskrivningar av 3 platser" in page
    assert "2 reserverade för Smedjebacken" in page
