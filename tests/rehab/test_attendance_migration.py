"""The migration of attendance from a boolean to a status keeps every recorded attendance
and its numbers: present → närvarande, absent → frånvarande (SPEC §13 rule 12)."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import _as_owner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _the_owner_migrates():
    """With separated PostgreSQL roles only the owner may drop and create the tables that
    depend on these migrations (.ci/run); the application role gets its grants back after."""
    owner = getattr(settings, "DATABASE_OWNER", None)
    if owner is None:
        yield
        return
    with _as_owner(owner):
        yield
        call_command("db_roles", "--grants-only", stdout=io.StringIO())


BEFORE = [("rehab", "0010_referral_details_intro")]
AFTER = [("rehab", "0011_attendance_status")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_booleans_become_statuses_and_back():
    old = _migrate(BEFORE)
    try:
        Forbund = old.get_model("rehab", "Forbund")
        Team = old.get_model("rehab", "Team")
        Participant = old.get_model("rehab", "Participant")
        Enrolment = old.get_model("rehab", "Enrolment")
        GroupActivity = old.get_model("rehab", "GroupActivity")
        Attendance = old.get_model("rehab", "Attendance")
        # A transactional test before this one may have emptied the kommun table.
        kommun, _ = old.get_model("rehab", "Kommun").objects.get_or_create(
            code="1885",
            defaults={"name": "Lindesberg", "county_code": "18", "county_name": "Örebro län"},
        )
        team = Team.objects.create(
            forbund=Forbund.objects.create(name="F"), name="T", huvudman="H"
        )
        activity = GroupActivity.objects.create(
            team=team, date=datetime.date(2024, 3, 5), title="A"
        )
        for i, present in enumerate([True, True, False, True, False]):
            participant = Participant.objects.create(
                is_anonymous=True,
                birth_year=1980 + i,
                gender="K",
                kommun=kommun,
            )
            enrolment = Enrolment.objects.create(
                participant=participant, team=team, start_date=datetime.date(2024, 1, 1)
            )
            Attendance.objects.create(activity=activity, enrolment=enrolment, present=present)

        new = _migrate(AFTER)
        statuses = list(
            new.get_model("rehab", "Attendance").objects.values_list("status", flat=True)
        )
        assert sorted(statuses) == ["franvarande"] * 2 + ["narvarande"] * 3

        # Backwards, a notified absence becomes an absence.
        new.get_model("rehab", "Attendance").objects.filter(status="franvarande").update(
            status="anmalt_forhinder"
        )
        old = _migrate(BEFORE)
        presents = old.get_model("rehab", "Attendance").objects.values_list("present", flat=True)
        assert sorted(presents) == [False, False, True, True, True]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
