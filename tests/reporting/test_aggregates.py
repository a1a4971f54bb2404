"""The board's aggregate tables (reporting/board/aggregates.py, issue #18): filled from the
enrolments, caught up after every change through the services, and equal to the direct
computation for every whole-month period."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from casework import services as casework_services
from modules import services as module_services
from modules.models import Module
from rehab import freshness
from rehab import services as rehab_services
from rehab.models import ExitOutcome, Kommun
from rehab.services import ExitData
from reporting.board import aggregates
from reporting.models import AggregateFillState, MonthlyCount
from tests.factories import TeamFactory
from tests.reporting.conftest import enrol, load_example

pytestmark = pytest.mark.django_db
D = datetime.date


def _as_request(operation):
    """Run `operation` as a view would: the middleware bumps its teams' versions after it."""
    started = freshness.request_started()
    try:
        return operation()
    finally:
        freshness.request_finished(started)


def test_the_worked_example_agrees_for_every_period_of_2024(rehab_team):
    load_example(rehab_team)
    for date_from, date_to in aggregates.periods(2024):
        assert aggregates.differences([rehab_team], date_from, date_to) == []
    rows, _targets = aggregates.aggregate_rows([rehab_team], D(2024, 1, 1), D(2024, 6, 30))
    # tests/data/examples/board_2024H1_expected.csv: K, M, X, total
    days = next(row for row in rows if row.key == "genomstromningstid_dagar_snitt")
    assert [str(days.values[c]) for c in ("K", "M", "X", "total")] == [
        "342.3",
        "229.5",
        "29.0",
        "252.5",
    ]


def test_only_whole_months_are_read_from_the_aggregates(rehab_team):
    assert aggregates.is_whole_months(D(2024, 2, 1), D(2024, 2, 29))
    assert not aggregates.is_whole_months(D(2024, 2, 1), D(2024, 2, 28))
    assert not aggregates.is_whole_months(D(2024, 2, 2), D(2024, 3, 31))
    with pytest.raises(ValueError):
        aggregates.table_result([rehab_team], D(2024, 1, 15), D(2024, 6, 30))


def test_a_read_fills_once_and_catches_up_after_a_change_through_a_service(
    rehab_team, handledare_a
):
    enrolment = enrol(rehab_team, start=D(2024, 3, 5), gender="K")
    assert aggregates.ensure_filled([rehab_team.pk])
    state = AggregateFillState.objects.get(team=rehab_team)
    assert state.last_month == D(2024, 3, 1)
    assert not aggregates.fill_team(rehab_team.pk)  # current: nothing to do
    year = (D(2024, 1, 1), D(2024, 12, 31))
    assert aggregates.table_result([rehab_team], *year)["avslut_totalt__total"] == 0
    _as_request(
        lambda: casework_services.enrolment_exit(
            enrolment=enrolment,
            data=ExitData(exit_date=D(2024, 9, 30), outcome=ExitOutcome.ARBETE),
            by=handledare_a,
        )
    )
    result = aggregates.table_result([rehab_team], *year)
    assert result["avslut_totalt__K"] == 1 and result["arbete__total"] == 1
    assert aggregates.differences([rehab_team], *year) == []
    assert AggregateFillState.objects.get(team=rehab_team).last_month == D(2024, 9, 1)


def test_a_write_past_the_services_waits_for_the_installations_version(rehab_team):
    """As the read-model cache: a change past the services (the demo seed, a console) is
    counted once the installation's version is replaced (seed_demo and purge do)."""
    enrol(rehab_team, start=D(2024, 3, 5))
    period = (D(2024, 3, 1), D(2024, 3, 31))
    assert aggregates.table_result([rehab_team], *period)["nya_under_perioden__total"] == 1
    enrol(rehab_team, start=D(2024, 3, 6))
    assert aggregates.table_result([rehab_team], *period)["nya_under_perioden__total"] == 1
    freshness.bump()
    assert aggregates.table_result([rehab_team], *period)["nya_under_perioden__total"] == 2


def test_rebuild_and_check_commands(rehab_team):
    load_example(rehab_team)
    out = io.StringIO()
    call_command("rebuild_aggregates", stdout=out)
    assert "Aggregaten är omräknade" in out.getvalue()
    assert MonthlyCount.objects.filter(team=rehab_team).exists()
    out = io.StringIO()
    call_command("check_aggregates", "--ar", "2024", stdout=out)
    assert "Aggregaten stämmer" in out.getvalue()
    with pytest.raises(CommandError, match="Okänt team: Finns inte"):
        call_command("rebuild_aggregates", "--team", "Finns inte", stdout=io.StringIO())


def test_the_check_finds_an_aggregate_that_differs(rehab_team):
    load_example(rehab_team)
    call_command("rebuild_aggregates", "--team", rehab_team.name, stdout=io.StringIO())
    row = MonthlyCount.objects.filter(
        team=rehab_team, measure="start", month__gte=D(2024, 1, 1)
    ).first()
    row.value += 1
    row.save()
    err = io.StringIO()
    with pytest.raises(CommandError, match="skillnader"):
        call_command("check_aggregates", "--ar", "2024", stdout=io.StringIO(), stderr=err)
    assert "nya_under_perioden" in err.getvalue()
    call_command("rebuild_aggregates", stdout=io.StringIO())
    call_command("check_aggregates", "--ar", "2024", stdout=io.StringIO())


# --- Random histories through the services -------------------------------------------------

DAYS = st.integers(min_value=0, max_value=3 * 365)  # from 2022-01-01
FIRST = D(2022, 1, 1)
OPERATIONS = st.one_of(
    st.tuples(
        st.just("enrol"),
        st.integers(0, 1),  # team
        DAYS,
        st.sampled_from(["K", "M", "X"]),
        st.one_of(st.none(), st.integers(0, 60)),  # months without work
        st.one_of(st.none(), st.integers(1, 10)),  # wellbeing at start
    ),
    st.tuples(
        st.just("exit"),
        st.integers(0, 30),  # which enrolment
        st.integers(0, 400),  # days after start
        st.sampled_from(ExitOutcome.values),
        st.one_of(st.none(), st.integers(1, 10)),  # wellbeing at exit
    ),
    st.tuples(st.just("undo"), st.integers(0, 30)),
    st.tuples(st.just("error"), st.integers(0, 30)),
    st.tuples(st.just("place"), st.integers(0, 30), st.integers(0, 200)),
    st.tuples(st.just("gender"), st.integers(0, 30), st.sampled_from(["K", "M", "X"])),
)
MONTHS = st.tuples(st.integers(0, 40), st.integers(0, 12))  # first month, length − 1


@pytest.fixture
def history_setup(rehab_team, handledare_a, admin_user):
    second = TeamFactory(forbund=rehab_team.forbund, name="Andra teamet")
    modules = {
        team.pk: Module.objects.create(
            team=team, name=f"Modul {team.pk}", first_period=6, extension_period=3
        )
        for team in (rehab_team, second)
    }
    return [rehab_team, second], modules, handledare_a, admin_user


def _apply(operation, teams, modules, enrolments, handledare, admin):
    kind, *args = operation
    if kind == "enrol":
        team_index, day, gender, months, wellbeing = args
        participant = rehab_services.participant_create_anonymous(
            birth_year=1980, gender=gender, kommun=Kommun.objects.first(), by=handledare
        )
        enrolments.append(
            casework_services.enrolment_create(
                participant=participant,
                team=teams[team_index],
                start_date=FIRST + datetime.timedelta(days=day),
                by=handledare,
                responsible=handledare,
                months_without_work=months,
                wellbeing_start=wellbeing,
            )
        )
        return
    if not enrolments:
        return
    enrolment = enrolments[args[0] % len(enrolments)]
    enrolment.refresh_from_db()
    if kind == "exit":
        _index, after, outcome, wellbeing = args
        casework_services.enrolment_exit(
            enrolment=enrolment,
            data=ExitData(
                exit_date=enrolment.start_date + datetime.timedelta(days=after),
                outcome=outcome,
                wellbeing_exit=wellbeing,
                exit_plan="Fortsatt stöd hos kommunen.",
            ),
            by=handledare,
        )
    elif kind == "undo":
        rehab_services.enrolment_undo_exit(enrolment=enrolment, reason="Fel avslut.", by=admin)
    elif kind == "error":
        casework_services.enrolment_mark_error(
            enrolment=enrolment, reason="Fel deltagare.", by=admin
        )
    elif kind == "place":
        module_services.placement_create(
            enrolment=enrolment,
            module=modules[enrolment.team_id],
            start_date=enrolment.start_date + datetime.timedelta(days=args[1]),
            by=handledare,
        )
    elif kind == "gender":
        rehab_services.participant_update(
            participant=enrolment.participant, by=handledare, gender=args[1]
        )


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(st.tuples(OPERATIONS, st.lists(MONTHS, max_size=2)), max_size=25),
)
def test_random_histories_agree_with_the_direct_computation(history_setup, history):
    """Enrolments, exits, placements, undone exits, marks in error and gender changes through
    the services, with reads of random whole-month periods between them (which fill the
    aggregates and must then catch up): every read agrees with the direct computation, for
    each team and for both together."""
    teams, modules, handledare, admin = history_setup
    with transaction.atomic():
        enrolments = []
        for operation, reads in history:
            try:
                with transaction.atomic():
                    _as_request(
                        lambda op=operation: _apply(
                            op, teams, modules, enrolments, handledare, admin
                        )
                    )
            except ValidationError as error:
                note(f"{operation}: refused ({error.messages[0]})")

            for start, length in reads:
                first = aggregates.next_month(FIRST)
                for _ in range(start):
                    first = aggregates.next_month(first)
                last = first
                for _ in range(length):
                    last = aggregates.next_month(last)
                date_to = aggregates._day_before(aggregates.next_month(last))
                for scope in ([teams[0]], [teams[1]], teams):
                    assert aggregates.differences(scope, first, date_to) == [], (
                        operation,
                        first,
                        date_to,
                    )
        for year in (2022, 2023, 2024, 2025):
            for scope in ([teams[0]], teams):
                assert aggregates.differences(scope, D(year, 1, 1), D(year, 12, 31)) == []
        transaction.set_rollback(True)
