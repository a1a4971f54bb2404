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
