"""The read-model cache (rehab/freshness.py): the caseload's result list and the dashboards are
computed once per data version, a write through the application or a writing command makes
them stale at once, and nothing cached for one user answers another."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rehab import freshness
from rehab.freshness import forget_all
from rehab.models import DataVersion, Enrolment
from reporting.board import aggregates
from tests.data import EXAMPLE_CSV
from tests.factories import EnrolmentFactory, ParticipantFactory
from tests.reporting.conftest import enrol, load_example
from tests.separation import purge_db

pytestmark = pytest.mark.django_db
D = datetime.date
CASELOAD = reverse("caseload")
DASHBOARD = reverse("dashboard")
BOARD = reverse("board_report")


def _get(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _table(page):
    return page[page.index("<table") : page.index("</table>")]


def _participant(team, first_name):
    return EnrolmentFactory(
        team=team, participant=ParticipantFactory(first_name=first_name, last_name="Cachesson")
    )


# --- The data version ----------------------------------------------------------------------------


def test_bump_replaces_the_token_and_recreates_a_missing_row():
    before = freshness.token()
    freshness.bump()
    after = freshness.token()
    assert after != before and after > 0
    DataVersion.objects.all().delete()
    assert freshness.token() == 0
    freshness.bump()
    # The installation's row and that of the writes past the services (UNAUDITED).
    assert freshness.token() > 0 and DataVersion.objects.count() == 2
    assert freshness.unaudited_token() > 0


def test_the_key_holds_a_digest_of_the_search_never_the_search():
    key = freshness.cache_key("caseload", 7, "198503124128", "Anna Berg")
    assert "198503124128" not in key and "Anna" not in key
    assert key.startswith(f"caseload:{freshness.token()}:")
    assert key != freshness.cache_key("caseload", 8, "198503124128", "Anna Berg")


def _phase_url(team):
    return reverse("enrolment_phase", args=[EnrolmentFactory(team=team).pk])


def test_a_write_by_a_logged_in_user_replaces_the_token(client, handledare_a, rehab_team):
    url = _phase_url(rehab_team)
    client.force_login(handledare_a)
    before = freshness.token()
    assert client.post(url, {"phase": "aktivitet"}).status_code == 302
    assert freshness.token() != before
    # Also when the form was wrong: whatever a request that may write did, no page outlives it.
    before = freshness.token()
    client.post(url, {"phase": "ingen-fas"})
    assert freshness.token() != before


def test_a_write_through_the_application_replaces_only_its_teams_token(
    client, handledare_a, rehab_team, other_team
):
    """A save in team A makes A's cached pages stale, not team B's nor the installation's."""
    enrolment = EnrolmentFactory(team=rehab_team)
    client.force_login(handledare_a)
    a, b, installation = (
        freshness.team_token(rehab_team.pk),
        freshness.team_token(other_team.pk),
        freshness.token(),
    )
    response = client.post(
        reverse("enrolment_phase", args=[enrolment.pk]),
        {"phase": "aktivitet", "shown": enrolment.phase},
    )
    assert response.status_code == 302
    assert freshness.team_token(rehab_team.pk) != a
    assert freshness.team_token(other_team.pk) == b
    assert freshness.token() == installation


def test_a_participants_change_touches_every_team_it_is_enrolled_in_or_referred_to(
    rehab_team, other_team, handledare_a
):
    import datetime

    from referrals import services as referral_services

    enrolment = EnrolmentFactory(team=rehab_team)
    participant = enrolment.participant
    assert freshness.teams_of([participant], [participant.pk]) == {rehab_team.pk}
    referral = referral_services.referral_create(
        team=other_team,
        source="AF",
        need="Stöd",
        received_date=datetime.date(2024, 1, 1),
        by=handledare_a,
        participant=participant,
    )
    assert freshness.teams_of([], [participant.pk]) == {rehab_team.pk, other_team.pk}
    assert freshness.teams_of([referral]) == {other_team.pk}
    assert freshness.teams_of([enrolment]) == {rehab_team.pk}
    assert freshness.teams_of([rehab_team]) == {rehab_team.pk}
    assert freshness.teams_of([object()], [None]) == set()


def test_a_change_of_no_team_replaces_the_installations_token(
    handledare_a, django_capture_on_commit_callbacks
):
    """An audited change that names neither a team nor a participant (an account's) cannot be
    placed: every cached page goes stale."""
    from rehab import audit

    before = freshness.token()
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(user=handledare_a, action="test", object_type="account")
    assert freshness.token() != before


def test_a_dashboard_of_another_team_stays_cached_after_a_write(
    client, admin_user, rehab_team, other_team
):
    """The other team's page is served from the cache after a save in team A; the page of
    both teams (a förbund view) is computed again."""
    enrol(other_team, start=D(2024, 3, 1), gender="K")
    enrolment = EnrolmentFactory(team=rehab_team)
    # The factories write past the services: the board's aggregates are filled first, so
    # that the cold pages compared below do not include that one-off rebuild.
    aggregates.rebuild()
    client.force_login(admin_user)
    other = {"ar": "2024", "scope": f"team-{other_team.pk}"}
    both = {"ar": "2024"}
    _get(client, DASHBOARD, other)
    _, warm_queries = _get(client, DASHBOARD, other)
    _, both_cold = _get(client, DASHBOARD, both)
    _, both_warm = _get(client, DASHBOARD, both)
    assert both_warm < both_cold
    response = client.post(
        reverse("enrolment_phase", args=[enrolment.pk]),
        {"phase": "aktivitet", "shown": enrolment.phase},
    )
    assert response.status_code == 302
    assert _get(client, DASHBOARD, other)[1] == warm_queries
    assert _get(client, DASHBOARD, both)[1] == both_cold


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_safe_methods_leave_the_token(client, handledare_a, method):
    client.force_login(handledare_a)
    before = freshness.token()
    assert getattr(client, method)(CASELOAD).status_code == 200
    assert freshness.token() == before


def test_refused_anonymous_and_search_requests_leave_the_token(
    client, handledare_a, handledare_b, rehab_team
):
    """A stranger's POSTs cannot keep every cache cold, nor can searches."""
    url = _phase_url(rehab_team)
    before = freshness.token()
    assert client.post(url, {"phase": "aktivitet"}).status_code == 302  # to the log-in page
    client.force_login(handledare_b)  # another team: 404
    assert client.post(url, {"phase": "aktivitet"}).status_code == 404
    assert client.delete(url).status_code in (404, 405)
    client.force_login(handledare_a)
    assert client.delete(url).status_code == 405
    assert client.post(CASELOAD, {"q": "Anna"}).status_code == 302  # kept in the session
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(handledare_a)
    assert strict.post(url, {"phase": "aktivitet"}).status_code == 403
    assert freshness.token() == before


def _bumps(callbacks):
    return [c for c in callbacks if isinstance(c, freshness._PendingBump)]


def test_an_audited_change_replaces_its_teams_token_once_when_it_commits(
    rehab_team, other_team, handledare_a, django_capture_on_commit_callbacks
):
    """Whichever way a service is called (a script, a command): the audit record of its change
    makes its team's cached read models stale at the commit, once per transaction, and leaves
    the other teams' and the installation's version alone."""
    from django.db import transaction

    from rehab import services

    enrolment = EnrolmentFactory(team=rehab_team)
    before, other, installation = (
        freshness.team_token(rehab_team.pk),
        freshness.team_token(other_team.pk),
        freshness.token(),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.enrolment_update(enrolment=enrolment, phase="aktivitet", by=handledare_a)
        services.enrolment_update(enrolment=enrolment, phase="provning", by=handledare_a)
        assert freshness.team_token(rehab_team.pk) == before  # not before the commit
    assert len(_bumps(callbacks)) == 1
    assert freshness.team_token(rehab_team.pk) != before
    assert freshness.team_token(other_team.pk) == other
    assert freshness.token() == installation


def test_a_rolled_back_savepoint_does_not_lose_the_bump(
    rehab_team, handledare_a, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from rehab import services

    enrolment = EnrolmentFactory(team=rehab_team)
    before = freshness.team_token(rehab_team.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                services.enrolment_update(enrolment=enrolment, phase="aktivitet", by=handledare_a)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        services.enrolment_update(enrolment=enrolment, phase="provning", by=handledare_a)
    assert len(_bumps(callbacks)) == 1
    assert freshness.team_token(rehab_team.pk) != before


# --- The caseload --------------------------------------------------------------------------------


def test_a_cached_caseload_costs_fewer_queries_and_shows_the_same(
    client, handledare_a, rehab_team
):
    _participant(rehab_team, "Ada")
    client.force_login(handledare_a)
    client.get(CASELOAD)  # session refresh out of the way
    freshness.bump()
    cold, cold_queries = _get(client, CASELOAD)
    warm, warm_queries = _get(client, CASELOAD)
    assert "Ada Cachesson" in cold
    assert _table(warm) == _table(cold)
    # Session, user, the user's team and förbund roles, and the data version: no list query,
    # no count, no filter choices.
    assert warm_queries == 5 < cold_queries


def test_a_write_through_the_application_shows_on_the_next_caseload(
    client, handledare_a, rehab_team
):
    enrolment = _participant(rehab_team, "Bea")
    client.force_login(handledare_a)
    page, _ = _get(client, CASELOAD)
    assert "Kartläggning" in page and "Prövning" not in page
    response = client.post(
        reverse("enrolment_phase", args=[enrolment.pk]),
        {"phase": "provning", "shown": "kartlaggning"},
    )
    assert response.status_code == 302
    page, _ = _get(client, CASELOAD)
    assert "Prövning" in page


def test_a_change_outside_the_application_waits_for_the_next_write(
    client, handledare_a, rehab_team
):
    """The documented bound: a change made past the application (here the ORM, as a SQL
    console would) shows after the next write or READ_MODEL_CACHE_SECONDS."""
    _participant(rehab_team, "Cleo")
    client.force_login(handledare_a)
    assert "Cleo" in _get(client, CASELOAD)[0]
    _participant(rehab_team, "Dora")
    assert "Dora" not in _get(client, CASELOAD)[0]
    freshness.bump()
    assert "Dora" in _get(client, CASELOAD)[0]


def test_a_cached_caseload_never_answers_another_user(
    client, handledare_a, handledare_b, rehab_team, other_team
):
    _participant(rehab_team, "Ebba")
    _participant(other_team, "Frej")
    client.force_login(handledare_a)
    page_a, _ = _get(client, CASELOAD)
    client.force_login(handledare_b)
    page_b, _ = _get(client, CASELOAD)
    assert "Ebba" in page_a and "Frej" not in page_a
    assert "Frej" in page_b and "Ebba" not in page_b


def test_a_list_computed_from_roles_read_before_a_change_never_answers_after_it(
    handledare_a, rehab_team
):
    """The race: a request reads the user's roles, the membership is removed and the token
    replaced, then the request computes and caches its list under the new token. The next
    request, with the roles as they are now, must not get that list."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from casework.views import _caseload_parts
    from rehab.access import get_access
    from rehab.models import Membership

    _participant(rehab_team, "Hemlig")
    stale_user = get_user_model().objects.get(pk=handledare_a.pk)
    get_access(stale_user)  # roles read at the start of the request
    Membership.objects.filter(user=handledare_a, team=rehab_team).delete()
    freshness.bump()
    assert "Hemlig" in _caseload_parts(stale_user, QueryDict(), "")[1]
    fresh_user = get_user_model().objects.get(pk=handledare_a.pk)
    assert "Hemlig" not in _caseload_parts(fresh_user, QueryDict(), "")[1]


def _in_memory(value: str) -> bool:
    from django.core.cache import caches

    return any(value.encode() in entry for entry in caches["read_models"]._cache.values())


def test_a_new_token_empties_the_process_cache(handledare_a):
    """Entries under an old token can never be read again; none is kept in memory."""
    freshness.cached("test", ("a",), lambda: "Anna Berg")
    assert _in_memory("Anna Berg")
    freshness.bump()
    freshness.cached("test", ("b",), lambda: "något annat")
    assert not _in_memory("Anna Berg")


def test_a_new_team_token_deletes_that_teams_entries_only(rehab_team, other_team):
    """Per team: an entry that shows a team is deleted from memory once a process sees that
    team's new version; entries of other teams stay and are served."""
    a, b = rehab_team.pk, other_team.pk
    freshness.cached("test", ("a",), lambda: "Anna Berg", teams=[a])
    freshness.cached("test", ("b",), lambda: "Bo Ek", teams=[b])
    freshness.cached("test", ("ab",), lambda: "förbundet", teams=[a, b])
    freshness.bump(teams=[a])
    assert freshness.cached("test", ("b",), lambda: "omräknad", teams=[b]) == "Bo Ek"
    assert freshness.cached("test", ("a",), lambda: "ny", teams=[a]) == "ny"
    assert not _in_memory("Anna Berg") and not _in_memory("förbundet")
    assert freshness.cached("test", ("ab",), lambda: "nytt", teams=[a, b]) == "nytt"
    assert freshness.cached("test", ("b",), lambda: "omräknad", teams=[b]) == "Bo Ek"


def test_an_entry_of_every_team_goes_stale_with_any_team(rehab_team, other_team):
    assert freshness.cached("test", ("all",), lambda: 1) == 1
    freshness.bump(teams=[other_team.pk])
    assert freshness.cached("test", ("all",), lambda: 2) == 2
    assert freshness.cached("test", ("all",), lambda: 3) == 2


def test_each_filter_search_and_page_is_cached_apart(client, handledare_a, rehab_team):
    for i in range(30):
        _participant(rehab_team, f"Gun{i:02d}")
    client.force_login(handledare_a)
    first, _ = _get(client, CASELOAD)
    second, _ = _get(client, CASELOAD, {"sida": "2"})
    assert "Sida 1 av 2" in first and "Sida 2 av 2" in second
    client.post(CASELOAD, {"q": "Gun07"})
    searched, _ = _get(client, CASELOAD)
    assert "Gun07" in searched and "Gun08" not in searched
    client.post(CASELOAD, {"q": "", "clear": "1"})
    exited, _ = _get(client, CASELOAD, {"status": "exited"})
    assert "Inga deltagare matchar" in exited


# --- The dashboards ------------------------------------------------------------------------------


def test_the_dashboard_is_computed_once_per_data_version(client, admin_user, rehab_team):
    enrol(rehab_team, start=D(2024, 3, 1), gender="K")
    client.force_login(admin_user)
    params = {"ar": "2024", "scope": f"team-{rehab_team.pk}"}
    cold, cold_queries = _get(client, DASHBOARD, params)
    _, warm_queries = _get(client, DASHBOARD, params)
    assert warm_queries < cold_queries / 2
    for _ in range(7):
        enrol(rehab_team, start=D(2024, 3, 1), gender="M")
    freshness.bump()
    fresh, fresh_queries = _get(client, DASHBOARD, params)
    assert fresh_queries == cold_queries
    assert _table(fresh) != _table(cold)
    assert Enrolment.objects.filter(team=rehab_team, start_date=D(2024, 3, 1)).count() == 8


def test_a_suppressed_dashboard_is_never_served_to_an_exact_viewer(
    client, admin_user, forbund_user, rehab_team
):
    """Same teams, same year: the förbund officer's cached page (small counts as "<5") and the
    unit manager's exact one are cached apart."""
    for _ in range(3):
        enrol(rehab_team, start=D(2024, 3, 1), gender="K")
    params = {"ar": "2024", "scope": f"team-{rehab_team.pk}"}
    client.force_login(forbund_user)
    suppressed, _ = _get(client, DASHBOARD, params)
    client.force_login(admin_user)
    exact, _ = _get(client, DASHBOARD, params)
    assert "&lt;5" in suppressed
    assert _table(exact) != _table(suppressed)
    # And the other way round: the exact page cached first never reaches the förbund officer.
    forget_all()
    client.force_login(admin_user)
    assert _table(_get(client, DASHBOARD, params)[0]) == _table(exact)
    client.force_login(forbund_user)
    assert _table(_get(client, DASHBOARD, params)[0]) == _table(suppressed)


# --- The board report ------------------------------------------------------------------------


def test_the_board_report_is_cached_per_period_and_exactness(
    client, admin_user, forbund_user, rehab_team
):
    """The worked example (SPEC §9): the admin's exact report, then the förbund officer's
    suppressed one for the same team and period, then a write and a fresh table."""
    load_example(rehab_team)
    example = rehab_team
    params = {"scope": f"team-{example.pk}", "fran": "2024-01-01", "till": "2024-06-30"}
    client.force_login(admin_user)
    cold, cold_queries = _get(client, BOARD, params)
    warm, warm_queries = _get(client, BOARD, params)
    assert "342,3" in cold and _table(warm) == _table(cold)
    assert warm_queries < cold_queries
    year, _ = _get(client, BOARD, {**params, "till": "2024-12-31"})
    assert _table(year) != _table(cold)
    csv_file = client.get(reverse("board_report_export", args=["nycklar"]), params)
    assert "genomstromningstid_dagar_snitt,342.3," in csv_file.content.decode()
    client.force_login(forbund_user)
    suppressed, _ = _get(client, BOARD, params)
    assert "342,3" not in suppressed and "&lt;5" in suppressed
    client.force_login(admin_user)
    enrol(example, start=D(2024, 2, 1), gender="M")
    freshness.bump()
    fresh, _ = _get(client, BOARD, params)
    assert _table(fresh) != _table(cold)


# --- Commands that write -------------------------------------------------------------------------


@purge_db
def test_the_purge_replaces_the_token_and_its_dry_run_does_not():
    before = freshness.token()
    call_command("purge", "--dry-run", stdout=io.StringIO())
    assert freshness.token() == before
    call_command("purge", stdout=io.StringIO())
    assert freshness.token() != before


def test_the_import_command_replaces_the_teams_token(
    rehab_team, other_team, django_capture_on_commit_callbacks
):
    """Through its audit records, when the import's transaction commits: the team imported
    into, not another one."""
    before, other = freshness.team_token(rehab_team.pk), freshness.team_token(other_team.pk)
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_enrolments", str(EXAMPLE_CSV), "--team", "Rehabteamet", stdout=io.StringIO()
        )
    assert freshness.team_token(rehab_team.pk) != before
    assert freshness.team_token(other_team.pk) == other


def test_seed_demo_replaces_the_token():
    before = freshness.token()
    call_command(
        "seed_demo", "--participants", "0", "--password", "demo-lösen-1234", stdout=io.StringIO()
    )
    assert freshness.token() != before
