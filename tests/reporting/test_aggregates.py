"""The board's aggregate tables (reporting/board/aggregates.py, issue #18): rebuilt from the
enrolments, kept current by deltas in the transaction of every change through the services,
and equal to the direct computation for every whole-month period."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from casework import services as casework_services
from modules import services as module_services
from modules.models import Module, WaitingListEntry
from rehab import freshness
from rehab import services as rehab_services
from rehab.models import ExitOutcome, Goal, IncomeSource, Kommun, Occupation, Referrer
from rehab.services import ExitData
from reporting import forecast
from reporting.board import aggregate_check, aggregates
from reporting.board.tables import board_table
from reporting.dashboards import dashboard
from reporting.models import AggregateFillState, EnrolmentContribution, MonthlyCount
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
    for date_from, date_to in aggregate_check.periods(2024):
        assert aggregate_check.differences([rehab_team], date_from, date_to) == []
    rows, _targets = aggregate_check.aggregate_rows([rehab_team], D(2024, 1, 1), D(2024, 6, 30))
    # tests/data/examples/board_2024H1_expected.csv: K, M, X, total
    days = next(row for row in rows if row.key == "genomstromningstid_dagar_snitt")
    assert [str(days.values[c]) for c in ("K", "M", "X", "total")] == [
        "342.3",
        "229.5",
        "29.0",
        "252.5",
    ]


@pytest.mark.parametrize(
    "period",
    [
        (D(2024, 1, 15), D(2024, 6, 30)),  # starts inside a month
        (D(2024, 1, 1), D(2024, 6, 14)),  # ends inside one
        (D(2024, 1, 15), D(2024, 6, 14)),  # both
        (D(2024, 3, 10), D(2024, 3, 20)),  # inside one month
        (D(2024, 3, 1), D(2024, 3, 1)),  # one day
        (D(2024, 2, 29), D(2024, 2, 29)),  # the last day of a month
        (D(2024, 1, 31), D(2024, 2, 1)),  # across a month's end, no whole month
        (D(2023, 12, 5), D(2024, 12, 4)),  # the dashboard's year to date, last year's
    ],
)
def test_a_period_inside_months_adds_its_odd_days_directly(rehab_team, period):
    load_example(rehab_team)
    assert aggregate_check.differences([rehab_team], *period) == []


def test_a_period_ending_before_it_starts_is_refused(rehab_team):
    with pytest.raises(ValueError):
        aggregates.table_result([rehab_team], D(2024, 2, 2), D(2024, 2, 1))


def test_the_odd_days_cost_one_query_and_whole_months_none(rehab_team, django_assert_num_queries):
    load_example(rehab_team)
    aggregates.ensure_current([rehab_team.pk])
    with django_assert_num_queries(2):  # the guard, the rows
        aggregates.table_result([rehab_team], D(2024, 1, 1), D(2024, 6, 30))
    with django_assert_num_queries(3):
        aggregates.table_result([rehab_team], D(2024, 1, 15), D(2024, 6, 14))


def test_a_read_rebuilds_once_and_a_write_through_a_service_adds_its_delta(
    rehab_team, handledare_a, django_assert_max_num_queries
):
    enrolment = enrol(rehab_team, start=D(2024, 3, 5), gender="K")
    assert aggregates.ensure_current([rehab_team.pk]) == [rehab_team.pk]
    assert aggregates.ensure_current([rehab_team.pk]) == []  # current: nothing to do
    year = (D(2024, 1, 1), D(2024, 12, 31))
    assert aggregates.table_result([rehab_team], *year)["avslut_totalt__total"] == 0
    with django_assert_max_num_queries(40):
        _as_request(
            lambda: casework_services.enrolment_exit(
                enrolment=enrolment,
                data=ExitData(exit_date=D(2024, 9, 30), outcome=ExitOutcome.ARBETE),
                by=handledare_a,
            )
        )
    # Kept current in the write's transaction: no rebuild at the next read.
    assert aggregates.stored_rows(rehab_team.pk) == aggregates.compute_team(rehab_team.pk)
    assert aggregates.ensure_current([rehab_team.pk]) == []
    result = aggregates.table_result([rehab_team], *year)
    assert result["avslut_totalt__K"] == 1 and result["arbete__total"] == 1
    assert aggregate_check.differences([rehab_team], *year) == []
    assert EnrolmentContribution.objects.get(enrolment=enrolment).entries


def test_a_write_through_a_service_costs_a_few_queries_more(rehab_team, handledare_a):
    """The delta of one edit: its new contribution, the fill-state lock, the old
    contribution, one upsert of the rows, the contribution saved."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enrolment = enrol(rehab_team, start=D(2024, 3, 5), gender="K")
    aggregates.rebuild([rehab_team.pk])
    with CaptureQueriesContext(connection) as ctx:
        aggregates.enrolments_changed([enrolment.pk])
    # No change: the enrolment, its placements and waiting-list entries, the lock, the old
    # contribution.
    assert len(ctx.captured_queries) == 4
    rehab_services.enrolment_update(enrolment=enrolment, by=handledare_a, months_without_work=7)
    with CaptureQueriesContext(connection) as ctx:
        enrolment.months_without_work = 8
        enrolment.save()
        aggregates.enrolments_changed([enrolment.pk])
    assert len(ctx.captured_queries) <= 1 + 8
    assert aggregates.stored_rows(rehab_team.pk) == aggregates.compute_team(rehab_team.pk)


def test_the_last_representable_days_read_as_the_direct_computation(rehab_team):
    """A period at the end of the calendar (a crawler's 9999-12-31) is no error: its module
    breakdown, like its flows, stops at the last day events can have."""
    enrol(rehab_team, start=D(2024, 3, 5), gender="K")
    for period in ((D(9999, 12, 31), D(9999, 12, 31)), (D(9998, 12, 1), D(9999, 12, 31))):
        assert aggregate_check.differences([rehab_team], *period) == []
        board_table(teams=[rehab_team], date_from=period[0], date_to=period[1])


def test_many_enrolments_at_once_add_their_deltas_in_chunks_without_a_rebuild(
    rehab_team, monkeypatch
):
    """An import's enrolments (more than a chunk) are brought up to date chunk by chunk: the
    work is the batch's, not a rebuild of the team's whole history, and every delta lands,
    on rows that exist and on new ones, in the same transaction."""
    history = [enrol(rehab_team, start=D(2020, 1, 1 + i), exit=D(2021, 3, 1)) for i in range(6)]
    aggregates.rebuild([rehab_team.pk])
    monkeypatch.setattr(aggregates, "BULK", 4)
    monkeypatch.setattr(aggregates, "ADD_BATCH", 7)

    def no_rebuild(team_ids):
        raise AssertionError(f"rebuilt {list(team_ids)}")

    monkeypatch.setattr(aggregates, "rebuild_teams", no_rebuild)
    outcomes = [ExitOutcome.ARBETE, ExitOutcome.STUDIER, "", ExitOutcome.ANNAT]
    batch = [
        enrol(
            rehab_team,
            start=D(2020 + i % 5, 1 + i % 12, 1 + i),
            exit=D(2025, 6, 1) if outcomes[i % 4] else None,
            outcome=outcomes[i % 4],
            gender="KMX"[i % 3],
        )
        for i in range(11)
    ]
    history[0].exit_date = D(2021, 4, 1)  # a change of an enrolment the rows already hold
    history[0].save()
    aggregates.enrolments_changed([e.pk for e in (*batch, history[0])])
    assert aggregates.stored_rows(rehab_team.pk) == aggregates.compute_team(rehab_team.pk)
    assert EnrolmentContribution.objects.filter(enrolment__in=batch).count() == 11
    assert aggregates.ensure_current([rehab_team.pk]) == []
    for year in (2020, 2021, 2024, 2025):
        period = (D(year, 1, 1), D(year, 12, 31))
        assert aggregate_check.differences([rehab_team], *period, catch_up=False) == []


@pytest.mark.parametrize("n", [1, 4])
def test_reads_cost_one_query_and_the_first_a_fixed_rebuild(
    rehab_team, django_assert_num_queries, n
):
    """A read of current teams is two queries (the guard, the rows); the first read after a
    write past the services rebuilds every stale team at once, in the same number of
    statements however many teams and enrolments."""
    teams = [rehab_team, *(TeamFactory(forbund=rehab_team.forbund) for _ in range(n))]
    for i, team in enumerate(teams):
        for day in range(1 + 3 * i):
            enrol(team, start=D(2024, 1, 1 + day), exit=D(2024, 5, 1 + day), gender="KMX"[i % 3])
    year = (D(2024, 1, 1), D(2024, 12, 31))
    # The guard finding no current team, the rebuild (savepoint, version, fill states, their
    # lock, the contributions and their placements and waiting-list entries, two deletes, two
    # inserts, the versions, release) and the read.
    with django_assert_num_queries(1 + 12 + 1):
        aggregates.table_result(teams, *year)
    with django_assert_num_queries(2):
        result = aggregates.table_result(teams, *year)
    assert result["nya_under_perioden__total"] == sum(1 + 3 * i for i in range(len(teams)))


def test_the_board_reads_whole_months_from_the_aggregates(rehab_team):
    load_example(rehab_team)
    table = board_table(teams=[rehab_team], date_from=D(2024, 1, 1), date_to=D(2024, 6, 30))
    assert AggregateFillState.objects.filter(team=rehab_team).exists()
    rows, targets = aggregate_check.direct_rows([rehab_team], D(2024, 1, 1), D(2024, 6, 30))
    assert [r.values for r in table.rows] == [r.values for r in rows]
    assert [t.numerators for t in table.targets] == [t.numerators for t in targets]
    # A period inside months is computed from the enrolments, with the same definitions.
    partial = board_table(teams=[rehab_team], date_from=D(2024, 1, 15), date_to=D(2024, 6, 14))
    rows, _targets = aggregate_check.direct_rows([rehab_team], D(2024, 1, 15), D(2024, 6, 14))
    assert [r.values for r in partial.rows] == [r.values for r in rows]


def test_a_write_past_the_services_waits_for_the_unaudited_version(rehab_team):
    """A change past the services (the demo seed, the purge, Django admin, a console) is
    counted once the unaudited-write version is replaced (the middleware, seed_demo and
    purge do); an audited change naming no team replaces only the installation's version."""
    enrol(rehab_team, start=D(2024, 3, 5))
    period = (D(2024, 3, 1), D(2024, 3, 31))
    assert aggregates.table_result([rehab_team], *period)["nya_under_perioden__total"] == 1
    enrol(rehab_team, start=D(2024, 3, 6))
    assert aggregates.table_result([rehab_team], *period)["nya_under_perioden__total"] == 1
    freshness.bump(through_services=True)  # an audited change naming no team, a failed form
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
# Income sources (none, one or several: the matrices' cells) and occupation, at start or exit.
INCOMES = st.lists(st.sampled_from(IncomeSource.values), max_size=2, unique=True).map(tuple)
OCCUPATIONS = st.sampled_from(["", *Occupation.values])
OPERATIONS = st.one_of(
    st.tuples(
        st.just("enrol"),
        st.integers(0, 1),  # team
        DAYS,
        st.sampled_from(["K", "M", "X"]),
        st.one_of(st.none(), st.integers(0, 60)),  # months without work
        st.one_of(st.none(), st.integers(1, 10)),  # wellbeing at start
        st.integers(1950, 2008),  # birth year: every age band
        st.integers(0, 2),  # kommun
        st.sampled_from(Referrer.values),
        INCOMES,
        OCCUPATIONS,
    ),
    st.tuples(
        st.just("exit"),
        st.integers(0, 30),  # which enrolment
        st.integers(0, 400),  # days after start
        st.sampled_from(ExitOutcome.values),
        st.one_of(st.none(), st.integers(1, 10)),  # wellbeing at exit
        INCOMES,
        OCCUPATIONS,
    ),
    st.tuples(st.just("undo"), st.integers(0, 30)),
    st.tuples(st.just("error"), st.integers(0, 30)),
    st.tuples(st.just("place"), st.integers(0, 30), st.integers(0, 200)),
    st.tuples(st.just("gender"), st.integers(0, 30), st.sampled_from(["K", "M", "X"])),
    st.tuples(st.just("kommun"), st.integers(0, 30), st.integers(0, 2)),
    st.tuples(st.just("end_placement"), st.integers(0, 30), st.integers(0, 120)),
    st.tuples(st.just("wait"), st.integers(0, 30)),
    st.tuples(st.just("unwait"), st.integers(0, 30)),
    st.tuples(
        st.just("edit"),
        st.integers(0, 30),
        st.one_of(st.none(), st.integers(0, 60)),  # months without work
        st.one_of(st.none(), st.integers(1, 10)),  # wellbeing at start
    ),
    st.tuples(st.just("subgoal"), st.integers(0, 30), st.sampled_from(Goal.Status.values)),
)
# First month, length − 1, and the days inside the first and last month of a second period.
MONTHS = st.tuples(st.integers(0, 40), st.integers(0, 12), st.integers(1, 28), st.integers(1, 28))


def _module_load(teams, as_of, load_of):
    return [(m.pk, m.occupied, m.waiting_count) for m in load_of(teams, as_of)]


def _dashboard_months(teams, as_of, counts_of):
    counts = counts_of(teams, as_of)
    months = dashboard._months_back(as_of, dashboard.MONTHS_BACK)
    year_start = D(as_of.year, 1, 1)
    return dashboard.active_series(counts, months), dashboard.monthly_flows(
        counts, year_start, as_of
    )


def test_the_dashboards_months_agree_with_the_direct_computation(rehab_team):
    load_example(rehab_team)
    for as_of in (D(2024, 1, 1), D(2024, 3, 15), D(2024, 6, 30), D(2025, 2, 28)):
        assert _dashboard_months([rehab_team], as_of, dashboard.month_counts) == (
            _dashboard_months([rehab_team], as_of, dashboard.direct_month_counts)
        )


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
        team_index, day, gender, months, wellbeing, born, kommun, referrer, income, job = args
        participant = rehab_services.participant_create_anonymous(
            birth_year=born,
            gender=gender,
            kommun=Kommun.objects.order_by("pk")[kommun],
            by=handledare,
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
                referrer=referrer,
                income_start=income,
                occupation_start=job,
            )
        )
        return
    if not enrolments:
        return
    enrolment = enrolments[args[0] % len(enrolments)]
    enrolment.refresh_from_db()
    if kind == "exit":
        _index, after, outcome, wellbeing, income, job = args
        casework_services.enrolment_exit(
            enrolment=enrolment,
            data=ExitData(
                exit_date=enrolment.start_date + datetime.timedelta(days=after),
                outcome=outcome,
                wellbeing_exit=wellbeing,
                income_exit=income,
                occupation_exit=job,
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
    elif kind == "end_placement":
        placement = enrolment.placements.filter(end_date__isnull=True).first()
        if placement is not None:
            module_services.placement_end(
                placement=placement,
                end_date=placement.start_date + datetime.timedelta(days=args[1]),
                by=handledare,
            )
    elif kind == "wait":
        module_services.waiting_list_add(
            enrolment=enrolment, module=modules[enrolment.team_id], by=handledare
        )
    elif kind == "unwait":
        entry = WaitingListEntry.objects.filter(
            enrolment=enrolment, removed_date__isnull=True
        ).first()
        if entry is not None:
            module_services.waiting_list_remove(entry=entry, by=handledare)
    elif kind == "kommun":
        rehab_services.participant_update(
            participant=enrolment.participant,
            by=handledare,
            kommun=Kommun.objects.order_by("pk")[args[1]],
        )
    elif kind == "edit":
        rehab_services.enrolment_update(
            enrolment=enrolment,
            by=handledare,
            months_without_work=args[1],
            wellbeing_start=args[2],
        )
    elif kind == "subgoal":
        goal = rehab_services.goal_create(enrolment=enrolment, text="Mål", by=handledare)
        subgoal = rehab_services.goal_create(
            enrolment=enrolment, text="Delmål", parent=goal, by=handledare
        )
        rehab_services.goal_set_status(goal=subgoal, status=args[1], by=handledare)


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(st.tuples(OPERATIONS, st.lists(MONTHS, max_size=2)), max_size=25),
)
def test_random_histories_agree_with_the_direct_computation(history_setup, history):
    """Enrolments, exits, placements, undone exits, marks in error, edits of the months
    without work and the wellbeing score, sub-goals and gender changes through the services,
    the aggregates rebuilt once before them and then kept current by the services' deltas
    alone: after every change each team's rows equal a computation from scratch, no read
    needs a rebuild, and random whole-month periods read from the rows as they are agree with
    the direct computation, for each team and for both together."""
    teams, modules, handledare, admin = history_setup
    team_ids = [team.pk for team in teams]
    with transaction.atomic():
        aggregates.rebuild(team_ids)
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
            for team_id in team_ids:
                assert aggregates.stored_rows(team_id) == aggregates.compute_team(team_id), (
                    operation
                )
            for start, length, day_from, day_to in reads:
                first = aggregates.next_month(FIRST)
                for _ in range(start):
                    first = aggregates.next_month(first)
                last = first
                for _ in range(length):
                    last = aggregates.next_month(last)
                date_to = aggregates.day_before(aggregates.next_month(last))
                # And a period that starts and ends inside months, on the history's days.
                odd_from, odd_to = first.replace(day=day_from), date_to.replace(day=day_to)
                for scope in ([teams[0]], [teams[1]], teams):
                    for period in ((first, date_to), (odd_from, max(odd_from, odd_to))):
                        found = aggregate_check.differences(scope, *period, catch_up=False)
                        assert found == [], (operation, period)
        assert aggregates.ensure_current(team_ids) == []  # the deltas sufficed
        for year in (2022, 2023, 2024, 2025):
            for scope in ([teams[0]], teams):
                period = (D(year, 1, 1), D(year, 12, 31))
                assert aggregate_check.differences(scope, *period, catch_up=False) == []
        # The dashboards' months: active at each month end and the flows of the months.
        for as_of in (D(2023, 2, 14), D(2024, 6, 30), D(2024, 12, 31), D(2025, 3, 1)):
            assert _dashboard_months(teams, as_of, dashboard.month_counts) == _dashboard_months(
                teams, as_of, dashboard.direct_month_counts
            ), as_of
            for scope in ([teams[0]], teams):
                assert forecast.forecast_for(scope, as_of.year, as_of) == (
                    forecast.direct_forecast_for(scope, as_of.year, as_of)
                ), as_of
        # The modules' places taken and waiting lists (entries are added and removed today).
        today = timezone.localdate()
        # Days near a month's start (its first days read) and near its end (the rest read).
        days = (D(2023, 2, 14), D(2024, 6, 3), D(2024, 6, 27), D(2024, 6, 30), D(2025, 3, 1))
        for as_of in (*days, today, D(2030, 1, 1)):
            assert _module_load(teams, as_of, dashboard.module_load) == _module_load(
                teams, as_of, dashboard.direct_module_load
            ), as_of
        transaction.set_rollback(True)


def test_only_a_django_admin_write_of_a_source_replaces_the_unaudited_version(
    client, admin_user, handledare_a, rehab_team
):
    """A failed form writes nothing (the views write through the services, which audit), so
    it leaves the aggregates as they are; so does a POST to Django admin that saves or
    deletes nothing the aggregates are computed from (a module without a waiting list); one
    that deletes such rows (a module's waiting list, by cascade) wrote past the services,
    and the aggregates are rebuilt at their next read."""
    from django.urls import reverse

    client.force_login(handledare_a)
    before = freshness.unaudited_token()
    client.post(reverse("participant_create"), {})
    assert freshness.unaudited_token() == before
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    spare, module = (
        Module.objects.create(team=rehab_team, name=name, first_period=6, extension_period=3)
        for name in ("Utan kö", "Med kö")
    )
    enrolment = enrol(rehab_team, start=D(2024, 3, 5), gender="K")
    module_services.waiting_list_add(enrolment=enrolment, module=module, by=handledare_a)
    aggregates.ensure_current([rehab_team.pk])
    before = freshness.unaudited_token()
    for deleted in (spare, module):
        url = reverse("admin:modules_module_delete", args=[deleted.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not Module.objects.filter(pk=deleted.pk).exists()
        if deleted is spare:
            assert freshness.unaudited_token() == before  # nothing the aggregates read
    assert freshness.unaudited_token() != before  # the waiting list went with the module
    assert aggregates.ensure_current([rehab_team.pk]) == [rehab_team.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_of_one_team_add_every_delta(rehab_team, handledare_a):
    """PostgreSQL: writers of one team, each in its own connection and transaction, wait on
    the team's fill-state lock and add every delta; the rows equal a computation from scratch
    (SQLite serialises its writers with the database lock)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    enrolments = [
        enrol(rehab_team, start=D(2024, 1, 1 + i), gender="KMX"[i % 3]) for i in range(6)
    ]
    aggregates.rebuild([rehab_team.pk])
    errors = []

    def writer(enrolment, offset):
        try:
            for months in range(offset, offset + 5):
                with transaction.atomic():
                    rehab_services.enrolment_update(
                        enrolment=type(enrolment).objects.get(pk=enrolment.pk),
                        by=handledare_a,
                        months_without_work=months,
                    )
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(e, i)) for i, e in enumerate(enrolments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert aggregates.stored_rows(rehab_team.pk) == aggregates.compute_team(rehab_team.pk)


def test_rows_filled_under_an_older_definition_are_rebuilt_at_their_read(rehab_team):
    load_example(rehab_team)
    year = (D(2024, 1, 1), D(2024, 12, 31))
    expected = aggregates.table_result([rehab_team], *year)
    # As a release before the breakdowns left them: the rows without the breakdowns' flows.
    MonthlyCount.objects.filter(measure__startswith=aggregates.BREAKDOWN_PREFIX).delete()
    AggregateFillState.objects.update(definition=aggregates.DEFINITION - 1)
    assert aggregates.ensure_current([rehab_team.pk]) == [rehab_team.pk]
    assert AggregateFillState.objects.get(team=rehab_team).definition == aggregates.DEFINITION
    assert aggregates.table_result([rehab_team], *year) == expected
    assert aggregate_check.differences([rehab_team], *year) == []


def test_module_load_from_the_aggregates_counts_as_the_placements_do(
    rehab_team, handledare_a, django_assert_max_num_queries
):
    module = Module.objects.create(
        team=rehab_team, name="Arbetsträning", first_period=6, extension_period=3
    )
    first = enrol(rehab_team, start=D(2024, 1, 10), gender="K")
    second = enrol(rehab_team, start=D(2024, 2, 1), gender="M")
    placement = module_services.placement_create(
        enrolment=first, module=module, start_date=D(2024, 3, 12), by=handledare_a
    )
    module_services.placement_end(placement=placement, end_date=D(2024, 5, 20), by=handledare_a)
    module_services.placement_create(
        enrolment=second, module=module, start_date=D(2024, 5, 20), by=handledare_a
    )
    module_services.waiting_list_add(enrolment=first, module=module, by=handledare_a)
    days = [D(2024, 3, 11), D(2024, 3, 12), D(2024, 3, 31), D(2024, 5, 19), D(2024, 5, 20)]
    days += [D(2024, 3, 1), D(2024, 3, 2), D(2024, 3, 30), D(2024, 5, 21), D(2024, 5, 31)]
    days += [D(2024, 12, 31), timezone.localdate(), D(2031, 1, 1)]
    for day in days:
        assert _module_load([rehab_team], day, dashboard.module_load) == _module_load(
            [rehab_team], day, dashboard.direct_module_load
        ), day
    loads = {
        pk: (taken, waiting)
        for pk, taken, waiting in _module_load(
            [rehab_team], timezone.localdate(), dashboard.module_load
        )
    }
    assert loads[module.pk] == (1, 1)  # the second's place, the first waiting
    assert (module.pk, 1, 0) in _module_load([rehab_team], D(2024, 4, 1), dashboard.module_load)
    # Modules, guard, rows, the spans of the month's days.
    with django_assert_max_num_queries(4):
        dashboard.module_load([rehab_team], D(2024, 4, 15))
