"""seed_demo builds the four förbund of SPEC §13 with their teams, rules, budgets, users and
participants; idempotent; the existing demo users keep their names and teams."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from demo import organisation, sources
from modules.models import Module, ModuleReservation
from rehab.models import Enrolment, Forbund, ForbundMembership, KommunQuota, Membership, Team
from reporting.models import Budget

pytestmark = pytest.mark.django_db


def _seed(*args):
    out = io.StringIO()
    call_command(
        "seed_demo", "--participants", "0", "--password", "pw-demo-123", *args, stdout=out
    )
    return out.getvalue()


def test_four_forbund_with_their_rules():
    printed = _seed()
    assert Forbund.objects.count() == 4
    rebus = Team.objects.get(name="REBUS")
    assert (rebus.total_places, rebus.followup_interval_months, rebus.min_age, rebus.max_age) == (
        40,
        2,
        18,
        64,
    )
    assert rebus.require_referring_income
    quotas = dict(KommunQuota.objects.filter(team=rebus).values_list("kommun__name", "places"))
    assert quotas == {"Hagfors": 17, "Forshaga": 17, "Munkfors": 6}
    aktiv = Module.objects.get(name="AKTIV")
    assert (aktiv.periods, aktiv.team.is_complementary) == ("12 veckor", True)
    balder = Team.objects.get(name="Balder")
    assert balder.triage_team.name == "En väg in Insjöriket"
    portalen = Module.objects.get(name="Portalen")
    assert portalen.triage_contact and portalen.expected_referrer == "EVI"
    assert ModuleReservation.objects.get(module=portalen).kommun.name == "Smedjebacken"
    lekeberg = Budget.objects.get(team__name="Samverkansteam Lekeberg")
    assert [(line.name, line.amount) for line in lekeberg.lines.order_by("order")] == [
        ("Lön", Decimal("507600")),
        ("OH", Decimal("20000")),
        ("Bil", Decimal("48000")),
        ("Utbildning", Decimal("10000")),
    ]
    assert sum(line.amount for line in lekeberg.lines.all()) == Decimal("585600")
    aktiv_budget = Budget.objects.get(team__name="AKTIV")
    assert sum(line.amount for line in aktiv_budget.lines.all()) == Decimal("640000")
    for user in [*organisation.DEMO_USERS, *sources.SOURCE_USERS]:
        assert f"  {user.username} " in printed


def test_existing_demo_users_keep_their_teams_and_new_users_their_forbund():
    _seed()
    User = get_user_model()
    hanna = User.objects.get(username="handledare")
    assert [m.team.name for m in Membership.objects.filter(user=hanna)] == ["Rehabteamet"]
    rut = User.objects.get(username="rebus-handledare")
    assert rut.check_password("pw-demo-123")
    assert [m.team.name for m in Membership.objects.filter(user=rut)] == ["REBUS"]
    ida = User.objects.get(username="insjo-handledare")
    assert set(Membership.objects.filter(user=ida).values_list("team__name", flat=True)) == {
        "Individsamverkansteam",
        "En väg in Insjöriket",
        "AKTIV",
        "Balder",
    }
    irma = ForbundMembership.objects.get(user__username="insjo-styrgrupp")
    assert (irma.forbund.name, irma.role) == ("Samordningsförbundet Insjöriket", "styrgrupp")


def test_seeding_again_changes_nothing():
    _seed()
    counts = (Team.objects.count(), Module.objects.count(), Membership.objects.count())
    _seed()
    assert (Team.objects.count(), Module.objects.count(), Membership.objects.count()) == counts


def test_only_vasterbergslagen():
    _seed("--only-vasterbergslagen")
    assert Forbund.objects.count() == 1


def test_participants_in_each_source_team():
    org = organisation.seed_organisation()
    made = sources.seed_sources(org, password=None, participants=True, seed=7)
    assert made["participants"] > 80
    for spec in (t for s in sources.SOURCES for t in s.teams if t.participants):
        assert Enrolment.objects.filter(team__name=spec.name).exists(), spec.name
    # Residents of the förbund's own kommuner.
    kommuner = set(
        Enrolment.objects.filter(team__name="REBUS").values_list(
            "participant__kommun__name", flat=True
        )
    )
    assert kommuner <= {"Hagfors", "Forshaga", "Munkfors"}
    assert sources.seed_sources(org, password=None, participants=True, seed=7)["participants"] == 0


def test_lekeberg_holds_case_meetings():
    from rehab.models import CaseMeeting, CaseMeetingItem

    org = organisation.seed_organisation()
    sources.seed_sources(org, password=None, participants=True, seed=7)
    lekeberg = Team.objects.get(name="Samverkansteam Lekeberg")
    assert lekeberg.has_case_meetings
    meetings = CaseMeeting.objects.filter(team=lekeberg)
    assert meetings.count() >= 26 and all(len(m.agencies) >= 2 for m in meetings)
    items = CaseMeetingItem.objects.filter(meeting__team=lekeberg).select_related(
        "meeting", "enrolment"
    )
    assert items.exists()
    assert all(i.enrolment.team_id == lekeberg.pk for i in items)
    assert all(i.enrolment.start_date <= i.meeting.date for i in items)
    # Only the samverkansteam.
    assert not CaseMeeting.objects.exclude(team=lekeberg).exists()
    # Seeding again adds none.
    count = meetings.count()
    sources.seed_sources(org, password=None, participants=True, seed=7)
    assert CaseMeeting.objects.filter(team=lekeberg).count() == count


def test_en_vag_in_has_its_own_steering_group():
    _seed()
    elsa = ForbundMembership.objects.get(user__username="envagin-styrgrupp")
    assert set(elsa.teams.values_list("name", flat=True)) == {
        "En väg in Insjöriket",
        "Individsamverkansteam",
        "Balder",
    }
    irma = ForbundMembership.objects.get(user__username="insjo-styrgrupp")
    assert not irma.teams.exists()  # the whole förbund


def test_the_demo_board_counts_the_soft_rules_gone_past():
    """The synthetic enrolments carry the warnings the services would have kept, so the demo's
    board report shows e.g. "N inskrivningar utöver Hagfors andel" (seeding again adds none)."""
    from rehab.models import RuleWarning
    from reporting.board.soft_rules import soft_rule_counts

    org = organisation.seed_organisation()
    sources.seed_sources(org, password=None, participants=True, seed=7)
    rebus = Team.objects.get(name="REBUS")
    warned = RuleWarning.objects.filter(enrolment__team=rebus, code="kommun_share")
    assert warned.exists()
    first = warned.order_by("enrolment__start_date").first().enrolment.start_date
    counts = soft_rule_counts(rebus, date_from=first, date_to=first.replace(year=first.year + 3))
    assert any("utöver" in line and "andel" in line for line in counts), counts
    total = RuleWarning.objects.count()
    sources.seed_sources(org, password=None, participants=True, seed=7)
    assert RuleWarning.objects.count() == total
