"""Deadlines (SPEC §7, §12): the selector and the `deadlines` command, including the worked
example of ../shared/examples."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from modules import selectors, services
from modules.models import Module, Placement
from modules.rules import first_review_due
from rehab import personnummer
from rehab.models import Enrolment, Kommun, Membership, Participant
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

D = datetime.date
from tests.data import EXAMPLES  # noqa: E402


def _deadlines(*, as_of, within=30, team=None):
    qs = Enrolment.objects.all() if team is None else Enrolment.objects.filter(team=team)
    return [
        (d.enrolment.pk, d.kind, d.due, d.status)
        for d in selectors.deadlines(qs, as_of=as_of, within_days=within)
    ]


def _run(*args):
    out = io.StringIO()
    call_command("deadlines", *args, stdout=out)
    return out.getvalue()


# --- The worked example ----------------------------------------------------------------------


def load_example_enrolments(team):
    """The example import file, written straight to the database as SPEC §12 describes the
    import (the current placement from `modul`/`modulstart`; an exit ends it), so that the
    deadlines are checked independently of the import command."""
    path = EXAMPLES / "enrolments_example.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        pnr = personnummer.normalise(row["personnummer"])
        participant = Participant.objects.create(
            personnummer=pnr,
            first_name=row["fornamn"],
            last_name=row["efternamn"],
            gender=row["kon"],
            birth_year=int(pnr[:4]),
            kommun=Kommun.objects.get(name__iexact=row["kommun"]),
        )
        exit_date = D.fromisoformat(row["slutdatum"]) if row["slutdatum"] else None
        enrolment = Enrolment.objects.create(
            participant=participant,
            team=team,
            referrer=row["remittent"],
            start_date=D.fromisoformat(row["startdatum"]),
            exit_date=exit_date,
            exit_outcome=row["avslutsorsak"],
            months_without_work=int(row["manader_utan_arbete"])
            if row["manader_utan_arbete"]
            else None,
        )
        if row["modul"]:
            module = Module.objects.get(team=team, name__iexact=row["modul"])
            start = D.fromisoformat(row["modulstart"] or row["startdatum"])
            Placement.objects.create(
                enrolment=enrolment,
                module=module,
                start_date=start,
                next_review_due=first_review_due(start, module.as_rule()),
                end_date=exit_date,
            )
    return len(rows)


def test_worked_example_prints_the_expected_deadlines(rehab_team):
    assert load_example_enrolments(rehab_team) == 12
    expected = (EXAMPLES / "deadlines_2024-06-01_expected.csv").read_bytes().decode()
    output = _run("--team", "Rehabteamet", "--as-of", "2024-06-01", "--within", "30")
    assert output == expected


def test_worked_example_with_a_wider_window(rehab_team):
    """Jonas (exit 2024-06-30, so active on 2024-06-01) has his Kompassen review on 07-02;
    Lena left on 05-31 and is not listed although her Portalen review passed."""
    load_example_enrolments(rehab_team)
    lines = _run("--team", "rehabteamet", "--as-of", "2024-06-01", "--within", "100").splitlines()
    assert lines == [
        "personnummer,kind,due,status",
        "198503124128,review,2024-02-01,overdue",
        "200101021251,review,2024-05-12,overdue",
        "199508196434,review,2024-07-02,upcoming",
        "198006067212,approval,2024-09-01,upcoming",
        "198006067212,review,2024-09-01,upcoming",
    ]


# --- The rules of each kind ------------------------------------------------------------------


def test_review_window_edges(make_enrolment, portalen, make_placement):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    make_placement(enrolment, portalen, D(2024, 2, 1))  # review due 2024-05-01
    review = (enrolment.pk, "review", D(2024, 5, 1))
    assert _deadlines(as_of=D(2024, 5, 2)) == [(*review, "overdue")]
    assert _deadlines(as_of=D(2024, 5, 1)) == [(*review, "upcoming")]
    assert _deadlines(as_of=D(2024, 4, 1)) == [(*review, "upcoming")]  # exactly 30 days
    assert _deadlines(as_of=D(2024, 3, 31)) == []
    assert _deadlines(as_of=D(2024, 3, 31), within=31) == [(*review, "upcoming")]
    assert _deadlines(as_of=D(2024, 5, 1), within=0) == [(*review, "upcoming")]


def test_extension_moves_the_review_deadline(enrolment, portalen, make_placement, handledare_a):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    services.placement_extend(placement=placement, by=handledare_a)
    assert _deadlines(as_of=D(2024, 7, 15)) == [
        (enrolment.pk, "review", D(2024, 8, 1), "upcoming")
    ]


def test_placement_ended_or_not_started_by_as_of_has_no_review_deadline(
    enrolment, portalen, kompassen, make_placement
):
    make_placement(enrolment, portalen, D(2024, 2, 1), end=D(2024, 4, 1))
    make_placement(enrolment, kompassen, D(2024, 4, 1))  # review 2024-10-01
    assert _deadlines(as_of=D(2024, 3, 31), within=31) == [
        (enrolment.pk, "review", D(2024, 5, 1), "upcoming")
    ]
    assert _deadlines(as_of=D(2024, 4, 1), within=31) == []
    assert _deadlines(as_of=D(2024, 9, 15)) == [
        (enrolment.pk, "review", D(2024, 10, 1), "upcoming")
    ]


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (D(2022, 8, 15), D(2024, 6, 15)),
        (D(2022, 4, 30), D(2024, 2, 29)),  # clamped into a leap-year February
        (D(2023, 3, 31), D(2025, 1, 31)),
    ],
)
def test_approval_case_is_due_22_months_after_start(make_enrolment, start, due):
    enrolment = make_enrolment(start=start)
    assert _deadlines(as_of=due) == [(enrolment.pk, "approval", due, "upcoming")]
    assert _deadlines(as_of=due + datetime.timedelta(days=1)) == [
        (enrolment.pk, "approval", due, "overdue")
    ]


def test_approval_deadline_is_met_by_a_sent_case_until_it_is_declined(make_enrolment, admin_user):
    enrolment = make_enrolment(start=D(2022, 8, 15))
    as_of = D(2024, 7, 1)
    assert [k for _, k, _, _ in _deadlines(as_of=as_of)] == ["approval"]
    approval = services.approval_request(
        enrolment=enrolment, requested_date=D(2024, 6, 20), by=admin_user
    )
    assert _deadlines(as_of=as_of) == []
    # As of a date before the case was sent, the deadline was still open.
    assert [k for _, k, _, _ in _deadlines(as_of=D(2024, 6, 19))] == ["approval"]
    services.approval_decide(
        approval=approval, approve=False, decided_date=D(2024, 6, 25), by=admin_user
    )
    assert [k for _, k, _, _ in _deadlines(as_of=as_of)] == ["approval"]
    _approval = services.approval_request(
        enrolment=enrolment, requested_date=D(2024, 6, 26), by=admin_user
    )
    services.approval_decide(
        approval=_approval,
        approve=True,
        decided_date=D(2024, 6, 28),
        approved_until=D(2025, 2, 15),
        by=admin_user,
    )
    assert _deadlines(as_of=as_of) == []


def test_followups_every_interval_after_start_or_the_last_held(
    rehab_team, make_enrolment, handledare_a
):
    rehab_team.followup_interval_months = 2
    rehab_team.save()
    enrolment = make_enrolment(start=D(2023, 12, 31))
    assert _deadlines(as_of=D(2024, 2, 20)) == [
        (enrolment.pk, "followup", D(2024, 2, 29), "upcoming")
    ]
    services.followup_record(enrolment=enrolment, held_date=D(2024, 3, 5), by=handledare_a)
    assert _deadlines(as_of=D(2024, 5, 10)) == [
        (enrolment.pk, "followup", D(2024, 5, 5), "overdue")
    ]
    # Before the meeting was held, the first one was overdue.
    assert _deadlines(as_of=D(2024, 3, 4)) == [
        (enrolment.pk, "followup", D(2024, 2, 29), "overdue")
    ]


def test_first_followup_date_set_at_enrolment_counts_until_a_meeting_is_held(
    make_enrolment, handledare_a
):
    enrolment = make_enrolment(start=D(2024, 1, 15), first_followup_date=D(2024, 3, 1))
    assert _deadlines(as_of=D(2024, 3, 2)) == [
        (enrolment.pk, "followup", D(2024, 3, 1), "overdue")
    ]
    services.followup_record(enrolment=enrolment, held_date=D(2024, 3, 2), by=handledare_a)
    # Rehabteamet has no follow-up interval: nothing more is due.
    assert _deadlines(as_of=D(2024, 3, 3)) == []


def test_team_without_interval_has_no_followup_deadlines(make_enrolment):
    make_enrolment(start=D(2024, 1, 15))
    assert _deadlines(as_of=D(2024, 3, 15)) == []


def test_only_active_enrolments_have_deadlines(make_enrolment, portalen, make_placement):
    exited = make_enrolment(start=D(2024, 1, 15), exit_date=D(2024, 4, 1), exit_outcome="annat")
    make_placement(exited, portalen, D(2024, 1, 15))  # review 2024-04-15
    in_error = make_enrolment(
        start=D(2024, 1, 15),
        registered_in_error=True,
        first_followup_date=D(2024, 4, 1),
        participant=ParticipantFactory(),
    )
    make_placement(in_error, portalen, D(2024, 1, 16))
    assert _deadlines(as_of=D(2024, 4, 1)) == []
    # The day before the exit, the enrolment was active.
    assert _deadlines(as_of=D(2024, 3, 31)) == [(exited.pk, "review", D(2024, 4, 15), "upcoming")]


def test_deadlines_are_sorted_by_due_personnummer_and_kind(rehab_team, make_enrolment):
    rehab_team.followup_interval_months = 22
    rehab_team.save()
    make_enrolment(
        start=D(2022, 8, 15), participant=ParticipantFactory(personnummer="199001011239")
    )
    make_enrolment(
        start=D(2022, 8, 15), participant=ParticipantFactory(personnummer="198001011231")
    )
    output = _run("--team", "Rehabteamet", "--as-of", "2024-06-01")
    assert output.splitlines() == [
        "personnummer,kind,due,status",
        "198001011231,approval,2024-06-15,upcoming",
        "198001011231,followup,2024-06-15,upcoming",
        "199001011239,approval,2024-06-15,upcoming",
        "199001011239,followup,2024-06-15,upcoming",
    ]


def test_anonymous_participant_is_listed_without_personnummer(rehab_team):
    participant = Participant.objects.create(
        is_anonymous=True,
        gender="X",
        birth_year=1990,
        kommun=Kommun.objects.get(name="Ludvika"),
    )
    EnrolmentFactory(participant=participant, team=rehab_team, start_date=D(2022, 8, 15))
    assert _run("--team", "Rehabteamet", "--as-of", "2024-06-01").splitlines()[1:] == [
        ",approval,2024-06-15,upcoming"
    ]


def test_other_teams_are_not_listed(make_enrolment, other_team, rehab_team):
    make_enrolment(start=D(2022, 8, 15), team=other_team)
    assert _run("--team", "Rehabteamet", "--as-of", "2024-06-01") == (
        "personnummer,kind,due,status\r\n"
    )


def test_deadlines_run_in_one_query_whatever_the_caseload(
    make_enrolment, portalen, kompassen, make_placement, django_assert_num_queries
):
    for month in range(1, 7):
        e = make_enrolment(start=D(2022, month, 1), participant=ParticipantFactory())
        make_placement(e, kompassen if month % 2 else portalen, D(2024, month, 1), end=None)
    with django_assert_num_queries(1):
        items = selectors.deadlines(Enrolment.objects.all(), as_of=D(2024, 6, 1))
        [(d.enrolment.participant.personnummer, d.enrolment.team.name) for d in items]
    assert len(items) >= 6


def test_deadlines_for_user_sees_only_their_teams_and_mine_filter(
    make_enrolment, rehab_team, other_team, handledare_a, handledare_b
):
    Membership.objects.create(user=handledare_b, team=rehab_team)
    own = make_enrolment(start=D(2022, 8, 15), responsible=handledare_a)
    theirs = make_enrolment(
        start=D(2022, 8, 15), responsible=handledare_b, participant=ParticipantFactory()
    )
    nobody = make_enrolment(start=D(2022, 8, 15), participant=ParticipantFactory())
    elsewhere = make_enrolment(
        start=D(2022, 8, 15), team=other_team, participant=ParticipantFactory()
    )
    as_of = D(2024, 6, 1)

    def pks(**kwargs):
        return {
            d.enrolment.pk
            for d in selectors.deadlines_for_user(handledare_a, as_of=as_of, **kwargs)
        }

    assert pks() == {own.pk, theirs.pk, nobody.pk}
    assert pks(mine=True) == {own.pk, nobody.pk}
    assert elsewhere.pk not in pks()


def test_search_finds_by_name_and_personnummer(make_enrolment, handledare_a):
    anna = make_enrolment(
        start=D(2022, 8, 15),
        participant=ParticipantFactory(
            first_name="Anna", last_name="Berg", personnummer="198503124128"
        ),
    )
    make_enrolment(
        start=D(2022, 8, 15),
        participant=ParticipantFactory(first_name="Erik", last_name="Dahl"),
    )
    as_of = D(2024, 6, 1)
    for query in ("anna", "Anna Berg", "berg", "850312-4128", "19850312-4128"):
        found = selectors.deadlines_for_user(handledare_a, as_of=as_of, query=query)
        assert [d.enrolment.pk for d in found] == [anna.pk], query


# --- Command-line contract -------------------------------------------------------------------


def test_default_as_of_is_today(make_enrolment, rehab_team):
    make_enrolment(start=D(2020, 1, 1))  # approval long overdue
    lines = _run("--team", "Rehabteamet").splitlines()
    assert lines[1].endswith(",approval,2021-11-01,overdue")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Finns inte"], "Teamet ”Finns inte” finns inte."),
        (["--team", "Rehabteamet", "--as-of", "2024-13-01"], "inte ett giltigt datum"),
        (["--team", "Rehabteamet", "--as-of", "2024/06/01"], "ÅÅÅÅ-MM-DD"),
        (["--team", "Rehabteamet", "--as-of", "20240601"], "ÅÅÅÅ-MM-DD"),
        (["--team", "Rehabteamet", "--within", "-1"], "0 eller större"),
        (["--team", "Rehabteamet", "--within", "tretti"], "heltal"),
    ],
)
def test_bad_input_is_refused_with_one_line(rehab_team, args, message):
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("deadlines", *args, stdout=out)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert out.getvalue() == ""


def test_team_is_required(rehab_team):
    with pytest.raises(CommandError, match="--team"):
        call_command("deadlines")


def test_worked_example_end_to_end_through_the_import_command(org):
    """The README path of ../shared/examples: seed, import the file, print the deadlines."""
    call_command("seed_demo", "--participants", "0", stdout=io.StringIO())
    call_command(
        "import_enrolments",
        str(EXAMPLES / "enrolments_example.csv"),
        "--team",
        "Rehabteamet",
        stdout=io.StringIO(),
    )
    expected = (EXAMPLES / "deadlines_2024-06-01_expected.csv").read_bytes().decode()
    assert _run("--team", "Rehabteamet", "--as-of", "2024-06-01", "--within", "30") == expected


# --- The SQL pre-filter (issue #8) -----------------------------------------------------------


def test_sql_prefilter_gives_the_same_deadlines_as_deciding_every_enrolment_in_python(
    make_enrolment, portalen, kompassen, rehab_team, other_team
):
    """`deadlines` reads only the enrolments that can have a deadline in the window; for
    month ends, follow-ups, approvals, a team without follow-up interval and many windows, the
    result equals deciding every active enrolment in Python, as before the pre-filter."""
    import random

    from modules.models import FollowUp, ManagementApproval

    rng = random.Random(8)
    rehab_team.followup_interval_months = 2  # as REBUS; EVI has none
    rehab_team.save()
    month_ends = [D(2022, 1, 31), D(2022, 8, 31), D(2023, 2, 28), D(2023, 3, 31), D(2024, 2, 29)]
    for i in range(60):
        start = (
            rng.choice(month_ends)
            if i % 3 == 0
            else D(2022, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
        )
        e = make_enrolment(
            start=start,
            team=other_team if i % 4 == 0 else rehab_team,
            participant=ParticipantFactory(),
            first_followup_date=start + datetime.timedelta(days=rng.randint(20, 400))
            if i % 5 == 0
            else None,
        )
        if i % 2:
            placed = start + datetime.timedelta(days=rng.randint(0, 60))
            Placement.objects.create(
                enrolment=e,
                module=kompassen if i % 3 else portalen,
                start_date=placed,
                next_review_due=placed + datetime.timedelta(days=rng.randint(30, 700)),
            )
        if i % 3 != 1:  # most have sent their approval case: other branches decide
            ManagementApproval.objects.create(
                enrolment=e,
                requested_date=start + datetime.timedelta(days=600),
                status=rng.choice(["pending", "declined"]),
            )
        for _ in range(i % 3):
            FollowUp.objects.create(
                enrolment=e, held_date=start + datetime.timedelta(days=rng.randint(30, 700))
            )
    qs = Enrolment.objects.all()
    days = [D(2023, 1, 31), D(2023, 12, 31), D(2024, 1, 30), D(2024, 2, 28), D(2024, 6, 1)]
    for as_of in days + [D(2023, 1, 1) + datetime.timedelta(days=k * 37) for k in range(20)]:
        for within in (0, 1, 30, 45, 90):
            everything = selectors._deadlines_of(
                selectors._with_deadline_facts(qs, as_of=as_of), as_of=as_of, within_days=within
            )
            found = selectors.deadlines(qs, as_of=as_of, within_days=within)
            assert [(d.enrolment.pk, d.kind, d.due, d.status) for d in found] == [
                (d.enrolment.pk, d.kind, d.due, d.status) for d in everything
            ], (as_of, within)
