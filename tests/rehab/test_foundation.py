"""Log-in, start pages per role, team pages and who may open them."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.urls import reverse

from rehab.models import ForbundMembership, Kommun, Membership, Team
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_all_290_kommuner_are_loaded_with_scb_codes():
    assert Kommun.objects.count() == 290
    assert Kommun.objects.get(code="2085").name == "Ludvika"
    assert Kommun.objects.get(name="Smedjebacken").county_name == "Dalarnas län"


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_swedish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="sv">' in body
    assert "Logga in" in body
    assert "Användarnamn" in body


def test_wrong_password_shows_swedish_error(client, handledare_a):
    response = client.post(reverse("login"), {"username": "hanna", "password": "fel"})
    assert response.status_code == 200
    assert "korrekt användarnamn och lösenord" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("handledare_a", "Du är inloggad som handledare"),
        ("handledare_b", "Du är inloggad som handledare"),
        ("admin", "Du är inloggad som enhetschef."),
        ("forbund", "Du är inloggad som förbundstjänsteperson och ser"),
        ("styrgrupp", "Du är inloggad som ledamot i styrgruppen och ser"),
    ],
)
def test_each_role_reaches_its_start_page(client, personas, persona, expected):
    client.force_login(personas[persona])
    response = client.get(reverse("start"))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_handledare_sees_own_team_only_on_start_page(client, handledare_a):
    client.force_login(handledare_a)
    body = client.get(reverse("start")).content.decode()
    assert "Rehabteamet" in body
    assert ">EVI<" not in body


def test_user_without_role_gets_explanation(client, django_user_model):
    user = django_user_model.objects.create_user("norole", password="x" * 14)
    client.force_login(user)
    assert "ingen roll" in client.get(reverse("start")).content.decode()


def test_member_opens_own_team_page_with_modules(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    response = client.get(reverse("team_detail", args=[rehab_team.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for module in ("Portalen", "Kompassen", "Passagen"):
        assert module in body
    assert "0 av 30" in body


def test_handledare_cannot_open_another_teams_page(client, handledare_b, rehab_team):
    client.force_login(handledare_b)
    assert client.get(reverse("team_detail", args=[rehab_team.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_aggregate_roles_cannot_open_team_pages(client, personas, persona, rehab_team):
    client.force_login(personas[persona])
    for name, args in [("team_detail", [rehab_team.pk]), ("team_list", [])]:
        assert client.get(reverse(name, args=args)).status_code == 403


def test_unknown_team_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("team_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_cannot_open_overview(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("overview")).status_code == 403


def test_overview_suppresses_small_counts(client, forbund_user, rehab_team, other_team):
    for _ in range(3):
        EnrolmentFactory(team=rehab_team)
    for _ in range(6):
        EnrolmentFactory(team=other_team)
    client.force_login(forbund_user)
    response = client.get(reverse("overview"))
    rows = {team.name: count for team, count in response.context["sections"][0]["rows"]}
    assert rows == {"EVI": "6", "Rehabteamet": "<5"}
    # 9 minus the 6 shown would reveal the 3: the total is hidden.
    assert response.context["sections"][0]["total"] == "–"
    body = response.content.decode()
    assert "&lt;5" in body


def test_overview_shows_no_names(client, styrgrupp_user, rehab_team):
    from tests.factories import ParticipantFactory

    enrolments = [
        EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(last_name=f"Xyzåsson{i}"))
        for i in range(5)
    ]
    client.force_login(styrgrupp_user)
    body = client.get(reverse("start")).content.decode()
    for e in enrolments:
        assert e.participant.last_name not in body
        assert e.participant.personnummer not in body


def test_logout_requires_post_and_ends_session(client, handledare_a):
    client.force_login(handledare_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("start")).status_code == 302


def test_pages_with_login_are_not_stored(client, handledare_a):
    client.force_login(handledare_a)
    assert "no-store" in client.get(reverse("start"))["Cache-Control"]


def test_404_page_is_swedish(client, handledare_a, settings):
    settings.DEBUG = False
    client.force_login(handledare_a)
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


def test_admin_site_lists_only_organisation_models(client, admin_user):
    from demo.organisation import _admin_group

    admin_user.groups.add(_admin_group())
    client.force_login(admin_user)
    body = client.get(reverse("admin:index")).content.decode()
    assert "Team" in body
    assert "Moduler" in body
    assert "Deltagare" not in body


def test_admin_edits_only_managed_teams(client, handledare_a, org, django_user_model):
    from demo.organisation import _admin_group
    from tests.factories import TeamFactory

    manager = django_user_model.objects.create_user("chef", password="x" * 14, is_staff=True)
    manager.groups.add(_admin_group())
    Membership.objects.create(user=manager, team=org["Rehabteamet"], role="admin")
    foreign = TeamFactory(name="Annat team")
    client.force_login(manager)
    assert client.get(reverse("admin:rehab_team_change", args=[foreign.pk])).status_code == 302
    listing = client.get(reverse("admin:rehab_team_changelist")).content.decode()
    assert "Rehabteamet" in listing
    assert "Annat team" not in listing


class TestSeedDemo:
    def test_creates_organisation_and_users(self, capsys):
        call_command("seed_demo", "--participants", "0", "--password", "demo-lösenord-123")
        out = capsys.readouterr().out
        for name in ("handledare", "handledare2", "admin", "forbund", "styrgrupp"):
            assert name in out
        assert "demo-lösenord-123" in out
        team = Team.objects.get(name="Rehabteamet")
        modules = {m.name: m for m in team.modules.all()}
        assert modules["Portalen"].capacity == 30
        assert modules["Portalen"].max_extensions == 1
        assert modules["Portalen"].first_period == 3
        assert modules["Kompassen"].max_extensions is None
        assert sorted(team.kommuner.values_list("name", flat=True)) == ["Ludvika", "Smedjebacken"]
        assert Team.objects.get(name="EVI").kind == Team.Kind.TRIAGE
        assert Membership.objects.get(user__username="handledare2").team.name == "EVI"
        assert ForbundMembership.objects.get(user__username="styrgrupp").role == "styrgrupp"

    def test_running_twice_changes_nothing(self, django_user_model):
        call_command("seed_demo", "--participants", "0", "--password", "demo-lösenord-123")
        before = list(django_user_model.objects.values_list("username", "password"))
        counts = (Team.objects.count(), Membership.objects.count())
        call_command("seed_demo", "--participants", "0", "--password", "demo-lösenord-123")
        call_command("seed_demo", "--participants", "0")
        assert list(django_user_model.objects.values_list("username", "password")) == before
        assert (Team.objects.count(), Membership.objects.count()) == counts

    def test_participants_are_seeded_once_with_realistic_cases(self, capsys):
        from modules.models import Placement
        from rehab.models import Enrolment, JournalNote, Participant

        call_command(
            "seed_demo",
            "--participants",
            "40",
            "--seed",
            "7",
            "--password",
            "x" * 14,
            "--only-vasterbergslagen",
        )
        assert "Skapade 40 deltagare" in capsys.readouterr().out
        counts = (
            Participant.objects.count(),
            Enrolment.objects.count(),
            JournalNote.objects.count(),
            Placement.objects.count(),
        )
        assert counts[0] == 40 and counts[1] >= 40 and counts[2] > 100 and counts[3] >= 40
        exited = Enrolment.objects.filter(exit_date__isnull=False)
        assert exited.exists() and Enrolment.objects.filter(exit_date__isnull=True).exists()
        assert not exited.exclude(exit_outcome="").filter(exit_date__lt=F("start_date")).exists()
        # At most one open placement per enrolment, none on an exited enrolment.
        assert not Placement.objects.filter(
            end_date__isnull=True, enrolment__exit_date__isnull=False
        ).exists()
        call_command("seed_demo", "--participants", "40", "--seed", "7", "--only-vasterbergslagen")
        assert "finns redan" in capsys.readouterr().out
        assert Participant.objects.count() == 40

    def test_negative_participants_is_refused(self):
        with pytest.raises(CommandError, match="0 eller större"):
            call_command("seed_demo", "--participants", "-1")

    def test_demo_user_logs_in_with_printed_password(self, client):
        call_command("seed_demo", "--participants", "0", "--password", "demo-lösenord-123")
        assert client.login(username="admin", password="demo-lösenord-123")

    def test_default_password_is_random_and_printed(self, capsys, client):
        call_command("seed_demo", "--participants", "0")
        out = capsys.readouterr().out
        password = re.search(r"^  handledare +/ (\S+) ", out, re.M).group(1)
        assert len(password) >= 12
        assert client.login(username="handledare", password=password)
