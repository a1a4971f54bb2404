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


def test_years_spread_the_same_participants_a_year_over_a_longer_history(monkeypatch, org):
    """`--years 20` with twice the participants of ten years: the history starts twenty
    years back, and the teams (one per participants a year) are the same as for ten."""
    monkeypatch.setattr(demo_national, "NATIONAL_FROM", 100)
    monkeypatch.setattr(demo_national, "PARTICIPANTS_PER_EXTRA_TEAM", 100)
    call_command(
        "seed_demo",
        "--participants",
        str(2 * N),
        "--years",
        "20",
        "--password",
        "x" * 14,
        stdout=io.StringIO(),
    )
    assert Participant.objects.count() == 2 * N
    assert Team.objects.filter(name__startswith="Rehabteamet ").count() == 3
    first = Enrolment.objects.order_by("start_date").first().start_date
    assert first.year <= datetime.date.today().year - 19
    # About as many starts in a recent year as ten years of N would give.
    year = datetime.date.today().year - 2
    started = Enrolment.objects.filter(start_date__year=year).count()
    assert 0.5 * N * 1.5 / 10 <= started <= 2 * N * 1.5 / 10


def test_extra_teams_follow_the_participants_a_year():
    assert demo_national.extra_team_count(100_000) == 10
    assert demo_national.extra_team_count(100_000, years=10) == 10
    assert demo_national.extra_team_count(20_000, years=2) == 10
    assert demo_national.extra_team_count(200_000, years=20) == 10
    assert demo_national.extra_team_count(999) == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--participants", "5000", "--years", "0"], "--years måste vara mellan 1 och 50"),
        (["--participants", "5000", "--years", "51"], "--years måste vara mellan 1 och 50"),
        (["--participants", "30", "--years", "3"], "--years gäller från 1000 deltagare"),
    ],
)
def test_years_out_of_range_or_for_the_small_demo_is_refused(org, arguments, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *arguments, stdout=io.StringIO())
    assert not Participant.objects.exists()


def test_the_bench_reads_a_size_with_or_without_its_years():
    from bench.run import parse_size

    assert parse_size("100_000") == (100_000, None)
    assert parse_size(" 10000:2") == (10_000, 2)
