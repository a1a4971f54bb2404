"""The retention purge (gallring): what goes when, what stays, and that the board's tables do
not change."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from modules.rules import add_months
from privacy import services
from privacy.models import AccessLog, PurgeRun
from referrals.models import Consent, Consultation, Referral
from rehab.models import (
    AuditEvent,
    Deviation,
    Enrolment,
    Goal,
    JournalNote,
    JournalNoteDraft,
    Participant,
)
from reporting.board.tables import board_table
from tests.factories import EnrolmentFactory
from tests.separation import purge_db

D = datetime.date
pytestmark = purge_db


@pytest.fixture(autouse=True)
def _twelve_months(settings):
    settings.RETENTION_NOTES_MONTHS = 12
    settings.RETENTION_REFERRALS_MONTHS = 12
    settings.RETENTION_ACCESS_LOG_MONTHS = 12
    settings.RETENTION_IDENTITY_MONTHS = 24


START = D(2020, 1, 15)


def _exited(team, exit_date, start=START):
    enrolment = EnrolmentFactory(team=team, start_date=start)
    Enrolment.objects.filter(pk=enrolment.pk).update(exit_date=exit_date, exit_outcome="arbete")
    JournalNote.objects.create(enrolment=enrolment, date=start, kind="phone", text="Anteckning")
    return enrolment


# --- Pure date rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "months", "expected"),
    [
        (D(2025, 6, 15), 12, D(2024, 6, 15)),
        (D(2025, 2, 28), 6, D(2024, 8, 31)),  # Aug 29–31 + 6 months all clamp to Feb 28
        (D(2024, 2, 29), 12, D(2023, 2, 28)),
        (D(2025, 3, 1), 12, D(2024, 3, 1)),
    ],
)
def test_cutoff_is_the_last_end_date_whose_period_is_over(as_of, months, expected):
    assert services.cutoff(as_of, months) == expected


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31)),
    st.integers(min_value=1, max_value=120),
)
def test_cutoff_matches_add_months(as_of, months):
    c = services.cutoff(as_of, months)
    assert add_months(c, months) <= as_of < add_months(c + datetime.timedelta(days=1), months)


@given(
    st.dates(min_value=D(1940, 1, 1), max_value=D(2005, 12, 31)),
    st.lists(st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)), max_size=4),
)
def test_neutral_birth_date_keeps_the_age_at_every_start(birth, starts):
    def age(born, on):
        return on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)

    neutral = services.neutral_birth_date(birth, starts)
    assert neutral.year == birth.year
    assert [age(neutral, s) for s in starts] == [age(birth, s) for s in starts]


# --- Boundaries -----------------------------------------------------------------------------


def test_notes_go_exactly_on_the_boundary_day_and_not_before(rehab_team):
    on_boundary = _exited(rehab_team, D(2023, 6, 15))
    day_after = _exited(rehab_team, D(2023, 6, 16))
    counts, _run = services.purge(as_of=D(2024, 6, 15))
    assert counts["notes"] == 1
    assert not JournalNote.objects.filter(enrolment=on_boundary).exists()
    assert JournalNote.objects.filter(enrolment=day_after).exists()


def test_unsaved_note_drafts_go_with_the_notes(rehab_team, handledare_a):
    ended = _exited(rehab_team, D(2023, 6, 15))
    kept = _exited(rehab_team, D(2023, 6, 16))
    for enrolment in (ended, kept):
        JournalNoteDraft.objects.create(enrolment=enrolment, author=handledare_a, text="Utkast")
    assert services.plan(D(2024, 6, 15))["notes"] == 2  # one note, one draft
    counts, _run = services.purge(as_of=D(2024, 6, 15))
    assert counts["notes"] == 2
    assert list(JournalNoteDraft.objects.values_list("enrolment", flat=True)) == [kept.pk]


def test_active_enrolments_and_their_people_are_never_touched(rehab_team):
    active = EnrolmentFactory(team=rehab_team, start_date=D(2015, 1, 1))
    JournalNote.objects.create(enrolment=active, date=D(2015, 2, 1), kind="phone", text="Kvar")
    Goal.objects.create(enrolment=active, text="Kvar")
    # The same person exited long ago in another team: still not anonymised.
    old = _exited(rehab_team.__class__.objects.get(name="EVI"), D(2016, 1, 1), start=D(2015, 1, 1))
    Enrolment.objects.filter(pk=old.pk).update(participant=active.participant)
    counts, _run = services.purge(as_of=D(2024, 6, 15))
    assert JournalNote.objects.filter(enrolment=active).get().text == "Kvar"
    assert Goal.objects.get(enrolment=active).text == "Kvar"
    assert not JournalNote.objects.filter(enrolment=old).exists()  # the exited one's notes go
    participant = Participant.objects.get(pk=active.participant_id)
    assert participant.personnummer and not participant.is_anonymous
    assert counts["participants"] == 0


def test_identity_is_anonymised_after_its_period_and_statistics_stay(rehab_team):
    enrolment = _exited(rehab_team, D(2022, 6, 15), start=D(2021, 3, 10))
    participant = enrolment.participant
    Participant.objects.filter(pk=participant.pk).update(
        phone="070-1",
        email="a@example.se",
        address="Gatan 1",
        birth_date=D(1990, 7, 1),
        birth_year=1990,
    )
    Consent.objects.create(
        participant=participant, agencies="AF", scope="x", given_date=D(2021, 3, 10)
    )
    younger = _exited(rehab_team, D(2022, 6, 16))
    counts, _run = services.purge(as_of=D(2024, 6, 15))
    participant.refresh_from_db()
    assert participant.is_anonymous and participant.personnummer is None
    assert (participant.first_name, participant.phone, participant.email, participant.address) == (
        "",
        "",
        "",
        "",
    )
    assert participant.birth_year == 1990 and participant.birth_date.year == 1990
    assert participant.gender and participant.kommun_id
    assert not Consent.objects.exists()
    assert counts["participants"] == 1 and counts["consents"] == 1
    assert not Participant.objects.get(pk=younger.participant_id).is_anonymous
    enrolment.refresh_from_db()
    assert (enrolment.exit_outcome, enrolment.start_date) == ("arbete", D(2021, 3, 10))


def test_referrals_consultations_and_access_log_go_after_their_period(rehab_team, handledare_a):
    old = Referral.objects.create(
        team=rehab_team,
        source="AF",
        need="x",
        received_date=D(2023, 1, 1),
        status="declined",
        decided_date=D(2023, 6, 15),
    )
    open_ = Referral.objects.create(
        team=rehab_team, source="AF", need="x", received_date=D(2019, 1, 1)
    )
    Consultation.objects.create(team=rehab_team, date=D(2023, 6, 15), agency="AF", topic="Fråga")
    recent = Consultation.objects.create(
        team=rehab_team, date=D(2023, 6, 16), agency="AF", topic="Ny"
    )
    # The last minute (UTC) of the boundary day goes; the next day's rows stay.
    dated = AccessLog.objects.create(
        kind="read",
        action="gammal",
        at=datetime.datetime(2023, 6, 15, 23, 59, tzinfo=datetime.UTC),
    )
    kept = [
        AccessLog.objects.create(
            kind="read", action="ny", at=datetime.datetime(2023, 6, 16, 0, 0, tzinfo=datetime.UTC)
        ).pk,
        AccessLog.objects.create(kind="read", action="i dag", participant_id=1).pk,
    ]
    AuditEvent.objects.create(action="x", object_type="y", participant_id=1)
    counts, _run = services.purge(as_of=D(2024, 6, 15))
    assert not Referral.objects.filter(pk=old.pk).exists()
    assert Referral.objects.filter(pk=open_.pk).exists()
    assert Consultation.objects.get(date=D(2023, 6, 15)).topic == "(gallrad)"
    assert Consultation.objects.get(pk=recent.pk).topic == "Ny"
    assert counts["referrals"] == 1 and counts["consultations"] == 1
    assert counts["access_log"] == 1
    assert not AccessLog.objects.filter(pk=dated.pk).exists()
    assert AccessLog.objects.filter(pk__in=kept).count() == 2


def test_log_in_records_go_with_the_access_log(rehab_team):
    """django-axes keeps user name, IP address and browser of every log-in and failed log-in;
    they follow the access log's period (twelve months here)."""
    from axes.models import AccessFailureLog
    from axes.models import AccessLog as LoginLog

    def login(model, at):
        row = model.objects.create(username="hanna", ip_address="10.0.0.1", user_agent="x")
        model.objects.filter(pk=row.pk).update(attempt_time=at)  # auto_now_add on create
        return row.pk

    boundary = datetime.datetime(2023, 6, 15, 23, 59, tzinfo=datetime.UTC)
    after = datetime.datetime(2023, 6, 16, 0, 0, tzinfo=datetime.UTC)
    gone = [login(LoginLog, boundary), login(AccessFailureLog, boundary)]
    kept = [login(LoginLog, after), login(AccessFailureLog, after)]
    assert services.plan(D(2024, 6, 15))["login_log"] == 2
    counts, run = services.purge(as_of=D(2024, 6, 15))
    assert counts["login_log"] == 2 and run.counts["login_log"] == 2
    assert not LoginLog.objects.filter(pk=gone[0]).exists()
    assert not AccessFailureLog.objects.filter(pk=gone[1]).exists()
    assert LoginLog.objects.filter(pk=kept[0]).exists()
    assert AccessFailureLog.objects.filter(pk=kept[1]).exists()


def test_a_referral_that_led_to_a_running_case_stays(rehab_team):
    active = EnrolmentFactory(team=rehab_team, start_date=D(2020, 1, 1))
    referral = Referral.objects.create(
        team=rehab_team,
        source="AF",
        need="x",
        received_date=D(2019, 12, 1),
        status="enrolled",
        decided_date=D(2019, 12, 15),
        participant=active.participant,
        enrolment=active,
    )
    services.purge(as_of=D(2024, 6, 15))
    assert Referral.objects.filter(pk=referral.pk).exists()


# --- Dry run, real run, re-run --------------------------------------------------------------


def _snapshot():
    return (
        list(JournalNote.objects.values_list("pk", "text")),
        list(Deviation.objects.values_list("pk", flat=True)),
        list(Participant.objects.order_by("pk").values_list("pk", "personnummer", "first_name")),
        list(Referral.objects.values_list("pk", flat=True)),
        list(Consultation.objects.values_list("pk", "topic")),
        list(Goal.objects.values_list("pk", "text")),
        AccessLog.objects.count(),
        PurgeRun.objects.count(),
    )


@pytest.fixture
def demo_cases(rehab_team, handledare_a):
    from demo.cases import seed_participants

    seed_participants(n=60, seed=7, teams=[rehab_team], handledare=[handledare_a])
    return rehab_team


def test_dry_run_counts_what_the_real_run_does_and_changes_nothing(demo_cases):
    before = _snapshot()
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert _snapshot() == before
    planned = services.plan(datetime.date.today())
    assert "Provkörning" in out.getvalue()
    assert f"Journalanteckningar raderade: {planned['notes']}" in out.getvalue()
    assert planned["notes"] > 0 and planned["participants"] > 0
    counts, run = services.purge(as_of=datetime.date.today())
    assert counts == planned
    assert run.counts == counts and run.finished_at is not None


def test_board_tables_and_report_csv_are_identical_after_a_real_purge(demo_cases):
    today = datetime.date.today()
    periods = [
        (D(year, 1, 1), D(year, 6, 30)) for year in range(today.year - 4, today.year + 1)
    ] + [(D(year, 1, 1), D(year, 12, 31)) for year in range(today.year - 4, today.year)]
    teams = [demo_cases]

    def tables():
        return [board_table(teams=teams, date_from=f, date_to=t) for f, t in periods]

    def report_csv(date_from, date_to):
        out = io.StringIO()
        call_command(
            "board_report",
            "--team",
            demo_cases.name,
            "--from",
            date_from.isoformat(),
            "--to",
            date_to.isoformat(),
            stdout=out,
        )
        return out.getvalue().encode("utf-8")

    before_tables = tables()
    before_csv = [report_csv(f, t) for f, t in periods]
    out = io.StringIO()
    call_command("purge", stdout=out)
    run = PurgeRun.objects.get()
    assert run.counts["participants"] > 0 and run.counts["notes"] > 0
    assert tables() == before_tables
    assert [report_csv(f, t) for f, t in periods] == before_csv


def test_re_running_the_purge_is_a_no_op(demo_cases):
    services.purge(as_of=datetime.date.today())
    after_first = _snapshot()[:-2]
    counts, _run = services.purge(as_of=datetime.date.today())
    assert set(counts.values()) == {0}
    assert _snapshot()[:-2] == after_first


def test_purge_run_records_counts_only(demo_cases):
    services.purge(as_of=datetime.date.today())
    run = PurgeRun.objects.get()
    assert set(run.counts) == {key for key, _label in services.COUNT_LABELS}
    assert all(isinstance(v, int) for v in run.counts.values())


@pytest.mark.parametrize("args", [["--as-of", "2024-13-01"], ["--as-of", "igår"]])
def test_bad_date_exits_non_zero_with_a_reason(args):
    with pytest.raises(CommandError, match="Ogiltigt datum"):
        call_command("purge", *args, stdout=io.StringIO())
    assert not PurgeRun.objects.exists()


def test_future_date_is_refused():
    with pytest.raises(CommandError, match="framtiden"):
        call_command("purge", "--as-of", "2999-01-01", stdout=io.StringIO())


def test_the_purge_leaves_the_aggregates_rebuilt_and_equal_to_the_enrolments(rehab_team):
    """The purge writes past the services (a neutral birth date keeps the age at start): it
    rebuilds the board's aggregates itself, so that no page read after it pays for that, and
    they agree with the direct computation."""
    from reporting.board import aggregate_check, aggregates

    enrolment = _exited(rehab_team, D(2022, 6, 15), start=D(2021, 3, 10))
    Participant.objects.filter(pk=enrolment.participant_id).update(birth_date=D(1990, 7, 1))
    _exited(rehab_team, D(2022, 6, 16))
    services.purge(as_of=D(2024, 6, 15))
    assert aggregates.ensure_current([rehab_team.pk]) == []
    for year in (2021, 2022):
        period = (D(year, 1, 1), D(year, 12, 31))
        assert aggregate_check.differences([rehab_team], *period, catch_up=False) == []
