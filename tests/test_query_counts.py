"""Every list and detail page runs the same number of queries however much data there is
(issue #8): each page is measured on small data, then on more participants, notes,
placements, goals, referrals, consultations and activities, and the count must not grow.
An N+1 in any of these pages fails here."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demo.cases import seed_participants
from modules.models import ManagementApproval, Module, Placement, Review
from referrals.models import Consultation, Referral
from rehab.freshness import forget_all
from rehab.models import (
    Attendance,
    Deviation,
    Enrolment,
    Goal,
    GroupActivity,
    JournalNote,
)

TODAY = timezone.localdate()
YEAR = TODAY.year - 1


def _queries(client, url) -> int:
    client.get(url)  # warm-up: session refresh and caches out of the way
    forget_all()  # the cold page: computed, not read from the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.fixture
def world(rehab_team, handledare_a, admin_user, forbund_user):
    """A few participants of Rehabteamet with complete cases, and one of each other object."""
    seed_participants(n=6, seed=11, teams=[rehab_team], handledare=[handledare_a])
    enrolment = (
        Enrolment.objects.filter(team=rehab_team, exit_date__isnull=True)
        .exclude(participant__is_anonymous=True)
        .order_by("pk")
        .first()
    )
    assert enrolment is not None
    activity = GroupActivity.objects.create(
        team=rehab_team, date=TODAY - datetime.timedelta(days=1), title="Fikagrupp"
    )
    Attendance.objects.create(activity=activity, enrolment=enrolment, status="narvarande")
    Consultation.objects.create(team=rehab_team, date=TODAY, agency="AF", topic="Fråga")
    ManagementApproval.objects.create(enrolment=enrolment, requested_date=TODAY)
    return {
        "enrolment": enrolment,
        "participant": enrolment.participant,
        "referral": Referral.objects.filter(team=rehab_team).order_by("pk").first(),
        "module": Module.objects.get(team=rehab_team, name="Portalen"),
        "activity": activity,
        "team": rehab_team,
    }


def _grow(world, handledare):
    """Much more of everything, and a longer history for the measured participant."""
    team, enrolment = world["team"], world["enrolment"]
    seed_participants(n=40, seed=12, teams=[team], handledare=[handledare])
    start = enrolment.start_date
    JournalNote.objects.bulk_create(
        JournalNote(enrolment=enrolment, date=start, kind="phone", text=f"Samtal {i}")
        for i in range(15)
    )
    goal = Goal.objects.create(enrolment=enrolment, text="Nytt mål")
    Goal.objects.bulk_create(
        Goal(enrolment=enrolment, parent=goal, text=f"Delmål {i}") for i in range(4)
    )
    occurred = timezone.make_aware(datetime.datetime.combine(start, datetime.time(9)))
    Deviation.objects.create(enrolment=enrolment, occurred_at=occurred, description="Uteblev")
    # Earlier, ended placements (with held reviews) before the open one.
    module = world["module"]
    for i in range(3):
        day = start - datetime.timedelta(days=400 - i * 100)
        placement = Placement.objects.create(
            enrolment=enrolment,
            module=module,
            start_date=day,
            next_review_due=day + datetime.timedelta(days=60),
            end_date=day + datetime.timedelta(days=60),
        )
        Review.objects.create(
            placement=placement,
            planned_date=placement.end_date,
            held_date=placement.end_date,
            decision=Review.Decision.MOVE,
        )
    # An earlier, exited enrolment of the same participant, with its own placement: the
    # participant page shows every enrolment, in a fixed number of queries.
    earlier = Enrolment.objects.create(
        participant=enrolment.participant,
        team=team,
        referrer="AF",
        start_date=start - datetime.timedelta(days=900),
        exit_date=start - datetime.timedelta(days=700),
        exit_outcome="annat",
    )
    Placement.objects.create(
        enrolment=earlier,
        module=module,
        start_date=earlier.start_date,
        next_review_due=earlier.exit_date,
        end_date=earlier.exit_date,
    )
    JournalNote.objects.create(enrolment=earlier, date=earlier.start_date, kind="phone", text="x")
    for i in range(5):
        Consultation.objects.create(team=team, date=TODAY, agency="FK", topic=f"Fråga {i}")
        activity = GroupActivity.objects.create(team=team, date=TODAY, title=f"Friskvård {i}")
        Attendance.objects.create(
            activity=activity,
            enrolment=enrolment,
            status=["franvarande", "narvarande", "anmalt_forhinder"][i % 3],
        )
    for other in Enrolment.objects.filter(team=team, exit_date__isnull=True)[:5]:
        ManagementApproval.objects.get_or_create(enrolment=other, requested_date=TODAY)
    Attendance.objects.bulk_create(
        Attendance(activity=world["activity"], enrolment=other, status="narvarande")
        for other in Enrolment.objects.filter(team=team, exit_date__isnull=True).exclude(
            pk=enrolment.pk
        )[:10]
    )


# (name, persona fixture, URL from the world)
PAGES = [
    ("start", "handledare_a", lambda w: reverse("start")),
    ("team list", "handledare_a", lambda w: reverse("team_list")),
    ("team page", "handledare_a", lambda w: reverse("team_detail", args=[w["team"].pk])),
    ("activities", "handledare_a", lambda w: reverse("activity_list", args=[w["team"].pk])),
    ("activity", "handledare_a", lambda w: reverse("activity_detail", args=[w["activity"].pk])),
    ("caseload", "handledare_a", lambda w: reverse("caseload")),
    ("caseload, exited", "admin_user", lambda w: reverse("caseload") + "?status=exited"),
    ("caseload, all", "admin_user", lambda w: reverse("caseload") + "?status=all&sort=-start"),
    # The column headers' sorts read the same one query (issue "Pleasant to work in").
    ("caseload, module", "admin_user", lambda w: reverse("caseload") + "?status=all&sort=module"),
    ("caseload, review", "handledare_a", lambda w: reverse("caseload") + "?sort=-review"),
    ("caseload, status", "admin_user", lambda w: reverse("caseload") + "?status=all&sort=status"),
    (
        "participant page (journal, plan, modules)",
        "handledare_a",
        lambda w: reverse("participant_detail", args=[w["participant"].pk]),
    ),
    (
        "participant form",
        "handledare_a",
        lambda w: reverse("participant_update", args=[w["participant"].pk]),
    ),
    (
        "enrolment form",
        "handledare_a",
        lambda w: reverse("enrolment_update", args=[w["enrolment"].pk]),
    ),
    (
        "enrolment module page",
        "handledare_a",
        lambda w: reverse("modules:enrolment", args=[w["enrolment"].pk]),
    ),
    (
        "journal note form",
        "handledare_a",
        lambda w: reverse("note_create", args=[w["enrolment"].pk]),
    ),
    ("referral list", "handledare_a", lambda w: reverse("referral_list")),
    (
        "referral detail",
        "handledare_a",
        lambda w: reverse("referral_detail", args=[w["referral"].pk]),
    ),
    (
        "consultations",
        "handledare_a",
        lambda w: reverse("consultation_list") + f"?team={w['team'].pk}",
    ),
    ("module list", "handledare_a", lambda w: reverse("modules:module_list")),
    (
        "module detail",
        "handledare_a",
        lambda w: reverse("modules:module_detail", args=[w["module"].pk]),
    ),
    ("deadlines", "handledare_a", lambda w: reverse("modules:deadline_list")),
    ("approvals", "admin_user", lambda w: reverse("modules:approval_list")),
    ("overview (förbund)", "forbund_user", lambda w: reverse("overview")),
    (
        "board report (admin)",
        "admin_user",
        lambda w: (
            reverse("board_report")
            + f"?scope=team-{w['team'].pk}&fran={YEAR}-01-01&till={YEAR}-12-31"
        ),
    ),
    (
        "board report (förbund)",
        "forbund_user",
        lambda w: reverse("board_report") + f"?fran={YEAR}-01-01&till={YEAR}-12-31",
    ),
    ("import upload", "admin_user", lambda w: reverse("import_upload")),
    # This year's figures and last year's for the key figures (issue #16).
    ("dashboard (steering group)", "styrgrupp_user", lambda w: reverse("dashboard")),
    ("dashboard (förbund)", "forbund_user", lambda w: reverse("dashboard")),
    (
        "dashboard (unit manager)",
        "admin_user",
        lambda w: reverse("dashboard") + f"?scope=team-{w['team'].pk}&ar={YEAR}",
    ),
]


@pytest.mark.parametrize(("name", "persona", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_page_query_count_does_not_grow_with_data(
    name, persona, url, world, client, request, handledare_a
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    target = url(world)
    before = _queries(client, target)
    _grow(world, handledare_a)
    after = _queries(client, target)
    assert after == before, f"{name}: {before} queries on small data, {after} on more"


def test_grown_data_really_is_bigger(world, handledare_a):
    """The comparison above means something: the measured participant and the team grow."""
    enrolment = world["enrolment"]
    notes, placements = enrolment.notes.count(), enrolment.placements.count()
    enrolments = Enrolment.objects.filter(team=world["team"]).count()
    _grow(world, handledare_a)
    assert enrolment.notes.count() >= notes + 15
    assert enrolment.placements.count() == placements + 3
    assert Enrolment.objects.filter(team=world["team"]).count() >= enrolments + 40


@pytest.mark.django_db
def test_postgresql_jit_is_off_for_the_application():
    """JIT compilation cost more than the board's queries themselves (BENCHMARKS.md)."""
    if connection.vendor != "postgresql":
        # SQLite has no JIT, and the PostgreSQL option must not reach its connection.
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        # Nor parallel workers, whose start-up outweighed the caseload's query at 300 000.
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


# --- The caseload computed and the deadlines: the queries themselves ----------------------


def _captured(client, url):
    client.get(url)
    forget_all()  # computed, not read from the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in ctx.captured_queries]


def _reading(queries, table):
    return [sql for sql in queries if f'FROM "{table}"' in sql]


# Session, user, the user's team and förbund roles (rehab.access), the data versions
# (rehab/freshness.py): what every computed page of a logged-in user reads first.
AUTH_AND_VERSIONS = 5


@pytest.mark.parametrize(
    "query", ["", "?status=all&sort=-review", "?status=all&sort=team&sida=2", "?sort=-module"]
)
def test_caseload_computed_is_one_query_for_its_rows_and_one_for_its_choices(
    world, client, handledare_a, query
):
    """The filter form's teams and modules (and whether the user may register) are one query,
    the page's rows and the list's count one more: no COUNT of its own, no query per row, and
    no query for the team filter's options or its validation."""
    seed_participants(n=60, seed=13, teams=[world["team"]], handledare=[handledare_a])
    client.force_login(handledare_a)
    team_filter = f"&team={world['team'].pk}&module={world['module'].pk}"
    for url in (
        reverse("caseload") + query,
        reverse("caseload") + (query.replace("&sida=2", "") or "?") + team_filter,
    ):
        queries = _captured(client, url)
        assert len(queries) == AUTH_AND_VERSIONS + 2, queries
        assert len(_reading(queries, "rehab_enrolment")) == 1
        assert not [sql for sql in queries if sql.startswith('SELECT COUNT(*) AS "__count"')]
        assert len(_reading(queries, "rehab_team")) == 1  # the choices, modules joined
    # A page past the end shows the last page (the paginator's count and a second read), and
    # an empty list counts the other statuses, as before.
    past_end = _captured(client, reverse("caseload") + "?status=all&sida=99")
    assert len(past_end) == AUTH_AND_VERSIONS + 4
    Enrolment.objects.filter(exit_date__isnull=False).update(registered_in_error=True)
    empty = _captured(client, reverse("caseload") + "?status=exited")
    assert len(empty) == AUTH_AND_VERSIONS + 3


def test_caseload_page_is_the_paginators_page(world, handledare_a, admin_user):
    """Counted in the rows' query, the page is the one Paginator.get_page gives, past the end
    and for what is not a page number too."""
    from django.core.paginator import Paginator

    from casework import selectors

    seed_participants(n=30, seed=14, teams=[world["team"]], handledare=[handledare_a])
    enrolments = selectors.caseload(user=admin_user, status="all", sort="-start")
    for number in (None, "", "1", "2", "3", "99", "0", "-1", "x", "2.5"):
        ours = selectors.caseload_page(enrolments, 7, number)
        theirs = Paginator(enrolments, 7).get_page(number)
        assert (ours.number, ours.paginator.count, ours.paginator.num_pages) == (
            theirs.number,
            theirs.paginator.count,
            theirs.paginator.num_pages,
        ), number
        assert [e.pk for e in ours] == [e.pk for e in theirs], number
    empty = selectors.caseload(user=admin_user, q="Ingenmedettsådantnamn")
    page = selectors.caseload_page(empty, 7, None)
    assert (page.number, page.paginator.count, list(page)) == (1, 0, [])


def _exited_history(world, count=200):
    """`count` old, exited enrolments of one participant, each with a placement still open
    and its review long overdue: listed if exits were not filtered out."""
    enrolment = world["enrolment"]
    first = enrolment.start_date - datetime.timedelta(days=20 * count + 100)
    old = Enrolment.objects.bulk_create(
        Enrolment(
            participant=enrolment.participant,
            team=world["team"],
            referrer="AF",
            start_date=first + datetime.timedelta(days=20 * i),
            exit_date=first + datetime.timedelta(days=20 * i + 10),
            exit_outcome="annat",
        )
        for i in range(count)
    )
    Placement.objects.bulk_create(
        Placement(
            enrolment=e,
            module=world["module"],
            start_date=e.start_date,
            next_review_due=e.start_date + datetime.timedelta(days=5),
        )
        for e in old
    )


def test_deadlines_page_query_count_and_one_query_for_the_enrolments(world, client, handledare_a):
    client.force_login(handledare_a)
    queries = _captured(client, reverse("modules:deadline_list"))
    assert len(_reading(queries, "rehab_enrolment")) == 1
    # Session, user, roles (2), the deadlines, the team filter's options (count and list).
    assert len(queries) == 7, queries
    _exited_history(world)
    assert len(_captured(client, reverse("modules:deadline_list"))) == 7


def test_deadlines_do_not_consider_exited_history(world):
    """200 exited enrolments (with overdue reviews of placements left open) change neither the
    enrolments the deadline query considers nor the deadlines; the condition that leaves them
    out is the indexed one on (team, exit_date), applied before any per-enrolment subquery."""
    from modules import selectors

    team = world["team"]
    enrolments = Enrolment.objects.filter(team=team)
    candidates = selectors.deadline_candidates(enrolments, as_of=TODAY)
    before = sorted(candidates.values_list("pk", flat=True))
    listed = [
        (d.enrolment.pk, d.kind, d.due) for d in selectors.deadlines(enrolments, as_of=TODAY)
    ]
    considered = enrolments.active(TODAY).count()
    _exited_history(world)
    assert Enrolment.objects.filter(team=team).count() >= considered + 200
    assert enrolments.active(TODAY).count() == considered
    assert sorted(candidates.values_list("pk", flat=True)) == before
    assert [
        (d.enrolment.pk, d.kind, d.due) for d in selectors.deadlines(enrolments, as_of=TODAY)
    ] == listed
    sql = str(candidates.query)
    assert '("rehab_enrolment"."exit_date" IS NULL OR "rehab_enrolment"."exit_date" > ' in sql
    assert 'NOT "rehab_enrolment"."registered_in_error"' in sql
    assert '"rehab_enrolment"."team_id" = ' in sql
    # The participant (100 000 rows at scale) is read for the candidates only: the outer
    # query filters on the candidates' ids, the inner one joins no participant.
    outer = str(
        selectors._with_deadline_facts(
            Enrolment.objects.filter(pk__in=candidates.values("pk")), as_of=TODAY
        ).query
    )
    assert '"rehab_enrolment"."id" IN (SELECT' in outer
    assert "rehab_participant" not in sql
