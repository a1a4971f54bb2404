"""A steering-group membership limited to chosen teams (SPEC §13 rule 15, En väg in's own
steering group): every aggregate page shows those teams only, the team pickers list only them,
another team of the förbund is refused, and nothing personal is shown."""

import datetime

import pytest
from django.urls import reverse

from jobs.models import Job
from rehab.models import ForbundMembership
from reporting.scopes import BOARD, DASHBOARD, report_scopes
from tests.factories import ForbundFactory, TeamFactory, UserFactory
from tests.reporting.budget_fixtures import make_budget
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db
D = datetime.date
FORBUND = "Västerbergslagens samordningsförbund"


def _member(org, *teams, role="styrgrupp", username="sara"):
    user = UserFactory(username=username)
    membership = ForbundMembership.objects.create(user=user, forbund=org["forbund"], role=role)
    membership.teams.set(teams)
    return user


@pytest.fixture
def evi_group(org):
    """A steering group for EVI (En väg in) alone."""
    return _member(org, org["EVI"])


@pytest.fixture
def figures(rehab_team, other_team):
    """Rehabteamet: 9 active, one of them named Hemlig; EVI: 6 active."""
    enrol(rehab_team, start=D(2024, 3, 1), participant__first_name="Hemlig")
    for _ in range(8):
        enrol(rehab_team, start=D(2024, 3, 1))
    for _ in range(6):
        enrol(other_team, start=D(2024, 3, 1))
    make_budget(rehab_team, 2024)
    make_budget(other_team, 2024)


def test_scopes_list_only_the_chosen_teams(org, evi_group, styrgrupp_user):
    for report in (BOARD, DASHBOARD):
        assert [s.label for s in report_scopes(evi_group, report)] == ["EVI"]
        # A membership of the whole förbund is unchanged.
        assert [s.label for s in report_scopes(styrgrupp_user, report)] == [
            f"Alla team i {FORBUND}",
            "EVI",
            "Rehabteamet",
        ]


def test_two_chosen_teams_together_are_only_those(org):
    third = TeamFactory(name="AKTIV", forbund=org["forbund"])
    user = _member(org, org["EVI"], third)
    scopes = report_scopes(user, DASHBOARD)
    assert [s.label for s in scopes] == [f"Alla dina team i {FORBUND}", "AKTIV", "EVI"]
    assert {t.name for t in scopes[0].teams} == {"AKTIV", "EVI"}


def test_a_team_of_another_forbund_widens_nothing(org):
    foreign = TeamFactory(name="Främmande", forbund=ForbundFactory(name="Annat förbund"))
    user = _member(org, foreign)
    # Limited, but to no team of its förbund: it sees no team at all, not the whole förbund.
    assert report_scopes(user, DASHBOARD) == []
    assert report_scopes(user, BOARD) == []


def test_dashboard_shows_only_her_teams_and_refuses_another(client, evi_group, figures, org):
    client.force_login(evi_group)
    page = client.get(reverse("dashboard"), {"ar": "2024"})
    assert page.status_code == 200
    assert [k for k, _ in page.context["form"].fields["scope"].choices] == [
        f"team-{org['EVI'].pk}"
    ]
    assert page.context["board"].scope.teams == [org["EVI"]]
    content = page.content.decode()
    assert "Rehabteamet" not in content and "Hemlig" not in content
    for url in (reverse("dashboard"), reverse("dashboard_csv", args=["aktiva"])):
        for scope in (f"team-{org['Rehabteamet'].pk}", f"forbund-{org['forbund'].pk}"):
            refused = client.get(url, {"scope": scope, "ar": "2024"})
            assert refused.status_code == 400
            assert "Välj ett av teamen i listan." in refused.content.decode()
            assert refused.context["board"] is None


def test_board_report_shows_only_her_teams_and_refuses_another(client, evi_group, figures, org):
    client.force_login(evi_group)
    page = client.get(reverse("board_report"))
    assert page.status_code == 200
    assert page.context["scope"].teams == [org["EVI"]]
    assert "Hemlig" not in page.content.decode()
    query = {"scope": f"team-{org['Rehabteamet'].pk}", "fran": "2024-01-01", "till": "2024-12-31"}
    refused = client.get(reverse("board_report"), query)
    assert refused.status_code == 400
    assert "view" not in refused.context
    for fmt in ("csv", "nationell"):
        response = client.get(reverse("board_report_export", args=[fmt]), query)
        assert response.status_code == 400, fmt
        assert "attachment" not in response.get("Content-Disposition", "")
    for fmt in ("xlsx", "pdf"):
        response = client.post(reverse("board_report_job", args=[fmt]), query)
        assert response.status_code == 302 and response.url == reverse("board_report"), fmt
    assert not Job.objects.exists()


def test_budget_pages_are_scoped(client, evi_group, figures, org):
    client.force_login(evi_group)
    index = client.get(reverse("budget_index"))
    assert [b.team.name for b in index.context["budgets"]] == ["EVI"]
    evi = client.get(reverse("budget_followup", args=[org["EVI"].pk, 2024]))
    assert evi.status_code == 200
    rehab = client.get(reverse("budget_followup", args=[org["Rehabteamet"].pk, 2024]))
    assert rehab.status_code == 404


def test_start_page_and_overview_list_only_her_teams(client, evi_group, figures):
    client.force_login(evi_group)
    for url in (reverse("start"), reverse("overview")):
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "EVI" in content
        assert "Rehabteamet" not in content
        assert "Hemlig" not in content


def test_whole_forbund_membership_still_sees_every_team(client, styrgrupp_user, figures, org):
    client.force_login(styrgrupp_user)
    response = client.get(
        reverse("dashboard"), {"scope": f"forbund-{org['forbund'].pk}", "ar": "2024"}
    )
    assert response.status_code == 200
    assert {t.name for t in response.context["board"].scope.teams} == {"EVI", "Rehabteamet"}
    assert "Hemlig" not in response.content.decode()


def test_admin_form_refuses_a_team_of_another_forbund(org):
    from rehab.admin import ForbundMembershipForm

    foreign = TeamFactory(name="Främmande", forbund=ForbundFactory(name="Annat förbund"))
    user = UserFactory(username="olle")
    data = {"user": user.pk, "forbund": org["forbund"].pk, "role": "styrgrupp"}
    form = ForbundMembershipForm(data={**data, "teams": [org["EVI"].pk, foreign.pk]})
    assert not form.is_valid()
    assert "Främmande" in form.errors["teams"][0]
    ok = ForbundMembershipForm(data={**data, "teams": [org["EVI"].pk]})
    assert ok.is_valid(), ok.errors
    membership = ok.save()
    assert list(membership.teams.all()) == [org["EVI"]]


def test_admin_site_sets_the_teams(client, org):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    user = _member(org, username="lisa")
    membership = ForbundMembership.objects.get(user=user)
    client.force_login(superuser)
    url = reverse("admin:rehab_forbundmembership_change", args=[membership.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "team som medlemskapet gäller" in page.content.decode().lower()
    listing = client.get(reverse("admin:rehab_forbundmembership_changelist"))
    assert "Alla team i förbundet" in listing.content.decode()
