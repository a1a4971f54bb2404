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
    assert freshness.token() > 0 and DataVersion.objects.count() == 1


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


def test_an_audited_change_replaces_the_token_once_when_it_commits(
    rehab_team, handledare_a, django_capture_on_commit_callbacks
):
    """Whichever way a service is called (a script, a command): the audit record of its change
    makes the cached read models stale at the commit, once per transaction."""
    from django.db import transaction

    from rehab import services

    enrolment = EnrolmentFactory(team=rehab_team)
    before = freshness.token()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.enrolment_update(enrolment=enrolment, phase="aktivitet", by=handledare_a)
        services.enrolment_update(enrolment=enrolment, phase="provning", by=handledare_a)
        assert freshness.token() == before  # not before the commit
    assert [c for c in callbacks if c is freshness.bump] == [freshness.bump]
    assert freshness.token() != before


def test_a_rolled_back_savepoint_does_not_lose_the_bump(
    rehab_team, handledare_a, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from rehab import services

    enrolment = EnrolmentFactory(team=rehab_team)
    before = freshness.token()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                services.enrolment_update(enrolment=enrolment, phase="aktivitet", by=handledare_a)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        services.enrolment_update(enrolment=enrolment, phase="provning", by=handledare_a)
    assert [c for c in callbacks if c is freshness.bump] == [freshness.bump]
    assert freshness.token() != before


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


def test_a_new_token_empties_the_process_cache(handledare_a):
    """Entries under an old token can never be read again; none is kept in memory."""
    from django.core.cache import caches

    freshness.cached("test", ("a",), lambda: "Anna Berg")
    old_key = freshness.cache_key("test", "a")
    assert caches["read_models"].get(old_key) == "Anna Berg"
    freshness.bump()
    freshness.cached("test", ("b",), lambda: "något annat")
    assert caches["read_models"].get(old_key) is None


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


def test_the_import_command_replaces_the_token(rehab_team, django_capture_on_commit_callbacks):
    """Through its audit record, when the import's transaction commits."""
    before = freshness.token()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_enrolments", str(EXAMPLE_CSV), "--team", "Rehabteamet", stdout=io.StringIO()
        )
    assert freshness.token() != before


def test_seed_demo_replaces_the_token():
    before = freshness.token()
    call_command(
        "seed_demo", "--participants", "0", "--password", "demo-lösen-1234", stdout=io.StringIO()
    )
    assert freshness.token() != before
