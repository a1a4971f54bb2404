"""The national profile of `seed_demo` (issue #8), exercised small: the thresholds are lowered
so that a few hundred participants already get extra teams and the ten-year history."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q

from demo import national as demo_national
from demo import organisation
from modules.models import Module, Placement
from rehab import personnummer
from rehab.models import Enrolment, JournalNote, Membership, Participant, Team
from reporting.board.tables import board_table

N = 300


@pytest.fixture
def national(monkeypatch, org):
    monkeypatch.setattr(demo_national, "NATIONAL_FROM", 100)
    monkeypatch.setattr(demo_national, "PARTICIPANTS_PER_EXTRA_TEAM", 100)
    call_command(
        "seed_demo", "--participants", str(N), "--password", "x" * 14, stdout=io.StringIO()
    )
    return org


def test_exactly_n_participants_with_valid_unique_personnummer(national):
    assert Participant.objects.count() == N
    numbers = list(
        Participant.objects.filter(personnummer__isnull=False).values_list(
            "personnummer", flat=True
        )
    )
    assert len(numbers) == len(set(numbers)) > N * 0.9
    assert all(personnummer.luhn_check_digit(p[2:11]) == int(p[11]) for p in numbers)


def test_national_proportions_over_ten_years(national):
    enrolments = Enrolment.objects.count()
    assert 1.3 <= enrolments / N <= 1.8
    assert 15 <= JournalNote.objects.count() / enrolments <= 25
    assert 1.4 <= Placement.objects.count() / enrolments <= 2.6
    first = Enrolment.objects.order_by("start_date").first().start_date
    assert first.year <= datetime.date.today().year - 9


def test_extra_teams_have_modules_and_handledare_who_cannot_log_in(national):
    extra = Team.objects.filter(name__startswith="Rehabteamet ")
    assert extra.count() == 3
    for team in extra:
        assert set(team.modules.values_list("name", flat=True)) == {
            "Portalen",
            "Kompassen",
            "Passagen",
        }
        members = Membership.objects.filter(team=team, role="handledare").select_related("user")
        assert members.count() == 3
        assert not any(m.user.has_usable_password() for m in members)
        assert team.enrolments.exists()
    # The SPEC §3 organisation is unchanged beside them.
    assert Team.objects.get(name="Rehabteamet").kommuner.count() == 2


def test_capacity_and_open_placements_are_consistent(national):
    for module in Module.objects.filter(capacity__isnull=False).annotate(
        open=Count("placements", filter=Q(placements__end_date__isnull=True))
    ):
        assert module.open <= module.capacity
    assert not Placement.objects.filter(
        end_date__isnull=True, enrolment__exit_date__isnull=False
    ).exists()
    assert not (
        Placement.objects.filter(end_date__isnull=True)
        .values("enrolment")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )


def test_rows_reference_existing_parents_and_new_rows_get_fresh_ids(national):
    connection.check_constraints()
    enrolment = Enrolment.objects.order_by("pk").first()
    note = JournalNote.objects.create(
        enrolment=enrolment, date=enrolment.start_date, kind="phone", text="Samtal"
    )
    assert note.pk > JournalNote.objects.exclude(pk=note.pk).order_by("-pk").first().pk


def test_running_again_adds_nothing(national):
    before = (Participant.objects.count(), Enrolment.objects.count(), Team.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--participants", str(N), stdout=out)
    assert "finns redan" in out.getvalue()
    assert (Participant.objects.count(), Enrolment.objects.count(), Team.objects.count()) == before


def test_small_runs_keep_the_demo_profile(org):
    """Below the national threshold, everything stays in Rehabteamet as `make run` shows."""
    call_command(
        "seed_demo",
        "--participants",
        "30",
        "--password",
        "x" * 14,
        "--only-vasterbergslagen",
        stdout=io.StringIO(),
    )
    assert set(Enrolment.objects.values_list("team__name", flat=True)) == {organisation.REHAB_TEAM}
    assert not Team.objects.filter(name__startswith="Rehabteamet ").exists()


def test_board_table_agrees_with_the_bench_raw_sql(national):
    from bench.raw_board import raw_table, same_numbers

    teams = list(Team.objects.filter(kind="rehab"))
    year = datetime.date.today().year - 1
    for date_from, date_to in (
        (datetime.date(year, 1, 1), datetime.date(year, 6, 30)),
        (datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
    ):
        table = board_table(teams=teams, date_from=date_from, date_to=date_to)
        assert table.row("aktiva_under_perioden").values["total"] > 0
        assert same_numbers(table, raw_table([t.pk for t in teams], date_from, date_to))
