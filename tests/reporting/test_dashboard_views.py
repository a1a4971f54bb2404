"""The dashboard pages under /instrumentpanel/: who may open them, what each persona sees,
bad input, the CSV files, and a query count that does not grow with the data."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from modules.models import Module, Placement, WaitingListEntry
from referrals.models import Referral
from rehab.freshness import forget_all
from rehab.models import ForbundMembership, Referrer
from reporting.board import aggregates
from reporting.dashboards.dashboard import FIGURE_KEYS
from tests.factories import TeamFactory, UserFactory
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboard")
D = datetime.date
# The budget's and the case meetings' figures are there only for teams that have them.
CSV_KEYS = [k for k in FIGURE_KEYS if k not in ("budget", "arendemoten")]


def csv_url(key):
    return reverse("dashboard_csv", args=[key])


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def data(rehab_team):
    """2024: 1 K, 4 M and 6 X start in March; one K leaves on March 31."""
    enrol(rehab_team, start=D(2024, 3, 1), exit=D(2024, 3, 31), gender="K", outcome="arbete")
    for _ in range(4):
        enrol(rehab_team, start=D(2024, 3, 1), gender="M")
    for _ in range(6):
        enrol(rehab_team, start=D(2024, 3, 1), gender="X")
    return rehab_team


# --- Who may -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, data):
    for url in [PAGE, *(csv_url(k) for k in FIGURE_KEYS)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_get_403_everywhere(client, personas, data, persona):
    as_user(client, personas[persona])
    assert client.get(PAGE).status_code == 403
    for key in FIGURE_KEYS:
        assert client.get(csv_url(key), {"ar": "2024"}).status_code == 403


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_forbund_and_steering_group_see_suppressed_counts(client, personas, data, persona):
    as_user(client, personas[persona])
    response = client.get(PAGE, {"scope": f"team-{data.pk}", "ar": "2024"})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.exact is False
    content = response.content.decode()
    assert "&lt;5" in content
    assert "Inga uppgifter om enskilda deltagare visas." in content
    flows = dict(board.figure("inflode-och-avslut").rows)
    assert flows["mar 2024"][:4] == ["<5", "<5", 6, "–"]
    # The chart data on the page carries null, never the true value.
    start = content.index('id="diagramdata-inflode-och-avslut"')
    payload = content[content.index(">", start) + 1 : content.index("</script>", start)]
    chart = json.loads(payload)
    march = chart["labels"].index("mar 2024")
    kvinnor = next(d for d in chart["datasets"] if d["label"] == "Nya: Kvinnor")
    assert kvinnor["data"][march] is None and kvinnor["text"][march] == "<5"


def test_unit_manager_sees_exact_counts_of_own_teams(client, admin_user, data):
    response = as_user(client, admin_user).get(PAGE, {"scope": f"team-{data.pk}", "ar": "2024"})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.exact is True
    assert dict(board.figure("inflode-och-avslut").rows)["mar 2024"][:4] == [1, 4, 6, 11]
    assert "&lt;5" not in response.content.decode()


def test_unit_manager_of_one_team_only_sees_that_team(client, rehab_team, other_team, data):
    from rehab.models import Membership

    manager = UserFactory(username="maja")
    Membership.objects.create(user=manager, team=rehab_team, role="admin")
    response = as_user(client, manager).get(PAGE)
    assert [key for key, _label in response.context["form"].fields["scope"].choices] == [
        f"team-{rehab_team.pk}"
    ]
    refused = client.get(PAGE, {"scope": f"team-{other_team.pk}", "ar": "2024"})
    assert refused.status_code == 400
    assert "Välj ett av teamen i listan." in refused.content.decode()


def test_another_forbunds_teams_are_never_included(client, forbund_user, org, data):
    foreign = TeamFactory(name="Främmande team")
    for _ in range(9):
        enrol(foreign, start=D(2024, 3, 1), gender="K")
    as_user(client, forbund_user)
    response = client.get(PAGE, {"ar": "2024"})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.scope.is_forbund_wide
    assert foreign not in board.scope.teams
    assert "Främmande team" not in response.content.decode()
    # March: K 1 (ours) — the foreign team's 9 women are not counted.
    assert dict(board.figure("inflode-och-avslut").rows)["mar 2024"][0] == "<5"
    refused = client.get(PAGE, {"scope": f"team-{foreign.pk}", "ar": "2024"})
    assert refused.status_code == 400
    assert client.get(csv_url("aktiva"), {"scope": f"team-{foreign.pk}"}).status_code == 400
    # A steering-group member of the foreign förbund sees only that one.
    outsider = UserFactory(username="olle")
    ForbundMembership.objects.create(user=outsider, forbund=foreign.forbund, role="styrgrupp")
    client.force_login(outsider)
    scopes = client.get(PAGE).context["scopes"]
    assert [s.label for s in scopes] == ["Främmande team"]


def test_menu_links_to_the_dashboard_for_aggregate_roles(client, personas):
    for name in ("forbund", "styrgrupp", "admin"):
        client.force_login(personas[name])
        assert ("Instrumentpanel", PAGE) in client.get(reverse("start")).context["nav_items"]
    client.force_login(personas["handledare_a"])
    assert ("Instrumentpanel", PAGE) not in client.get(reverse("start")).context["nav_items"]


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        ({"ar": "tjugo"}, "Ange året med fyra siffror"),
        ({"ar": "1999"}, "Året kan inte vara före 2000."),
        ({"ar": "9999"}, "Året kan inte ligga efter"),
        ({"ar": ""}, "Ange vilket år du vill se."),
        ({"scope": "team-999999"}, "Välj ett av teamen i listan."),
        ({"scope": "<script>"}, "Välj ett av teamen i listan."),
    ],
)
def test_bad_parameters_give_a_clear_400(client, styrgrupp_user, data, params, message):
    as_user(client, styrgrupp_user)
    response = client.get(PAGE, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["board"] is None
    response = client.get(csv_url("aktiva"), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_unknown_figure_is_404(client, styrgrupp_user, data):
    as_user(client, styrgrupp_user)
    assert client.get(csv_url("personnummer")).status_code == 404


def test_budget_csv_is_404_without_a_budget(client, styrgrupp_user, data):
    as_user(client, styrgrupp_user)
    assert client.get(csv_url("budget"), {"ar": "2024"}).status_code == 404


def test_post_is_not_allowed(client, styrgrupp_user):
    as_user(client, styrgrupp_user)
    assert client.post(PAGE).status_code == 405


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", CSV_KEYS)
def test_every_figure_downloads_as_csv(client, forbund_user, data, key):
    as_user(client, forbund_user)
    response = client.get(csv_url(key), {"scope": f"team-{data.pk}", "ar": "2024"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="instrumentpanel_{key}_team-{data.pk}_2024.csv"'
    )
    rows = read_csv(response)
    assert len(rows) > 1
    assert all(len(row) == len(rows[0]) for row in rows)


def test_csv_carries_the_same_suppression_as_the_page(client, forbund_user, admin_user, data):
    params = {"scope": f"team-{data.pk}", "ar": "2024"}
    as_user(client, forbund_user)
    rows = read_csv(client.get(csv_url("inflode-och-avslut"), params))
    assert rows[0][:5] == [
        "Månad",
        "Nya: Kvinnor",
        "Nya: Män",
        "Nya: Annat / ej angivet",
        "Nya: Totalt",
    ]
    march = next(r for r in rows if r[0] == "mar 2024")
    assert march[1:5] == ["<5", "<5", "6", "–"]
    client.force_login(admin_user)
    exact = read_csv(client.get(csv_url("inflode-och-avslut"), params))
    assert next(r for r in exact if r[0] == "mar 2024")[1:5] == ["1", "4", "6", "11"]


# --- Queries -------------------------------------------------------------------------------------


def _more_data(team, n):
    portalen = Module.objects.filter(team=team).first()
    for i in range(n):
        enrolment = enrol(
            team,
            start=D(2023, 1 + i % 12, 1 + i % 28),
            exit=D(2024, 1 + i % 12, 1) if i % 3 == 0 else None,
            gender="KMX"[i % 3],
            outcome="arbete" if i % 3 == 0 else "",
        )
        if portalen is not None and i % 3:
            Placement.objects.create(
                enrolment=enrolment,
                module=portalen,
                start_date=enrolment.start_date,
                next_review_due=enrolment.start_date,
            )
        elif portalen is not None:
            WaitingListEntry.objects.create(
                module=portalen, enrolment=enrolment, added_date=D(2024, 1, 1)
            )
        Referral.objects.create(
            team=team,
            source=Referrer.values[i % 6],
            need="Behov",
            received_date=D(2024, 1 + i % 12, 1),
            decided_date=D(2024, 1 + i % 12, 15),
            status=Referral.Status.ACCEPTED,
        )


def _count_queries(client, django_assert_max_num_queries, params):
    forget_all()  # the cold page: computed, not read from the cache
    aggregates.rebuild()  # the factories wrote past the services (test_aggregates.py)
    # 40 for the figures, and at most 2 for the questionnaire's wellbeing target (issue #21).
    with django_assert_max_num_queries(42) as captured:
        assert client.get(PAGE, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["styrgrupp", "admin"])
def test_query_count_does_not_grow_with_the_data(
    client, personas, rehab_team, other_team, django_assert_max_num_queries, persona
):
    as_user(client, personas[persona])
    params = {"ar": "2024"}
    _more_data(rehab_team, 2)
    small = _count_queries(client, django_assert_max_num_queries, params)
    _more_data(rehab_team, 60)
    _more_data(other_team, 30)
    large = _count_queries(client, django_assert_max_num_queries, params)
    assert large == small
    for key in CSV_KEYS:
        with django_assert_max_num_queries(small):
            assert client.get(csv_url(key), params).status_code == 200


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_the_aggregate_start_page_links_to_the_dashboard(client, personas, persona):
    as_user(client, personas[persona])
    assert f'href="{PAGE}"' in client.get(reverse("start")).content.decode()


def _team_with_budget(forbund, name, *, budget=True):
    team = TeamFactory(forbund=forbund, name=name, kind="rehab")
    if budget:
        _add_budget(team)
    return team


def _add_budget(team):
    from decimal import Decimal

    from reporting.models import ActualCost, Budget, BudgetLine

    made = Budget.objects.create(team=team, year=2024)
    line = BudgetLine.objects.create(budget=made, name="Lön", amount=Decimal("120000"))
    ActualCost.objects.create(line=line, month=1, amount=Decimal("10000"))


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_query_count_does_not_grow_with_the_number_of_teams(
    client, personas, rehab_team, other_team, django_assert_max_num_queries, persona
):
    """Each team's budget follow-up is read with the others' (issue #8): a förbund with five
    teams, some with a budget, costs the dashboard as many queries as one with two."""
    as_user(client, personas[persona])
    params = {"ar": "2024"}
    _more_data(rehab_team, 6)
    _add_budget(rehab_team)
    two_teams = _count_queries(client, django_assert_max_num_queries, params)
    forbund = rehab_team.forbund
    for i, has_budget in enumerate([True, True, False]):
        team = _team_with_budget(forbund, f"Nytt team {i}", budget=has_budget)
        _more_data(team, 6)
    body = client.get(PAGE, params).content.decode()
    assert "Nytt team 0" in body and "Nytt team 2 har ingen budget för 2024" in body
    assert _count_queries(client, django_assert_max_num_queries, params) == two_teams


def test_en_vag_in_dashboard_shows_the_introductory_conversations_suppressed(
    client, styrgrupp_user, other_team
):
    for days in (1, 2):
        Referral.objects.create(
            team=other_team,
            source=Referrer.AF,
            need="Behov",
            received_date=D(2024, 3, 1),
            intro_date=D(2024, 3, 1 + days),
            intro_with_participant=True,
        )
    as_user(client, styrgrupp_user)
    params = {"scope": f"team-{other_team.pk}", "ar": "2024"}
    page = client.get(PAGE, params)
    assert page.status_code == 200
    assert "Dagar till introduktionssamtal, medel" in page.content.decode()
    rows = read_csv(client.get(csv_url("remisser"), params))
    assert rows[0][-2:] == ["Introduktionssamtal", "Dagar till introduktionssamtal, medel"]
    af = next(r for r in rows if r[0] == "Arbetsförmedlingen")
    assert af[-2:] == ["<5", "–"]
    assert all(len(row) == len(rows[0]) for row in rows)
