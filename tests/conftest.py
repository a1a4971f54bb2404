import io
import os
from contextlib import contextmanager, nullcontext

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from pytest_django.fixtures import _get_databases_for_setup

from rehab.freshness import forget_all
from tests.oidc.fixtures import oidc_provider, oidc_providers  # noqa: F401 (fixtures)

# Playwright's sync API runs an event loop in the test thread; the live server still talks to
# the database synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@contextmanager
def _as_owner(owner):
    """The default connection logs in as the owner inside, as the application role after."""
    connection = connections["default"]
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner.get("PASSWORD", ""))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,  # the per-worker test database name under xdist
):
    """pytest-django's set-up, except on PostgreSQL with separated roles (tests/settings.py,
    DATABASE_OWNER): the test databases are created and migrated by the owner and handed to the
    application role with `db_roles --grants-only`, so that every test runs with the
    application's privileges and no more."""
    from django.test.utils import setup_databases, teardown_databases

    owner = getattr(settings, "DATABASE_OWNER", None)
    separated = owner and connections["default"].vendor == "postgresql"
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), _as_owner(owner) if separated else nullcontext():
        db_cfg = setup_databases(
            verbosity=verbosity,
            interactive=False,
            keepdb=django_db_keepdb and not django_db_createdb,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
        )
        if separated:
            call_command("db_roles", "--grants-only", stdout=io.StringIO())
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock(), _as_owner(owner) if separated else nullcontext():
            teardown_databases(db_cfg, verbosity=verbosity)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    """The demo organisation (SPEC §3) without users."""
    from demo import organisation

    return organisation.seed_organisation()


@pytest.fixture
def rehab_team(org):
    return org["Rehabteamet"]


@pytest.fixture
def other_team(org):
    return org["EVI"]


def _member(team, role, username):
    from rehab.models import Membership
    from tests.factories import UserFactory

    user = UserFactory(username=username)
    Membership.objects.create(user=user, team=team, role=role)
    return user


# The six personas of STYLE.md.
@pytest.fixture
def handledare_a(rehab_team):
    """A handledare of team A (Rehabteamet)."""
    return _member(rehab_team, "handledare", "hanna")


@pytest.fixture
def handledare_b(other_team):
    """A handledare of team B (EVI), who must never see team A's participants."""
    return _member(other_team, "handledare", "hugo")


@pytest.fixture
def admin_user(rehab_team, other_team):
    """The unit manager of both teams."""
    user = _member(rehab_team, "admin", "anita")
    from rehab.models import Membership

    Membership.objects.create(user=user, team=other_team, role="admin")
    user.is_staff = True
    user.save()
    return user


def _forbund_user(org, role, username):
    from rehab.models import ForbundMembership
    from tests.factories import UserFactory

    user = UserFactory(username=username)
    ForbundMembership.objects.create(user=user, forbund=org["forbund"], role=role)
    return user


@pytest.fixture
def forbund_user(org):
    return _forbund_user(org, "forbund", "fredrik")


@pytest.fixture
def styrgrupp_user(org):
    return _forbund_user(org, "styrgrupp", "stina")


@pytest.fixture
def anonymous_client(client):
    return client


@pytest.fixture
def personas(handledare_a, handledare_b, admin_user, forbund_user, styrgrupp_user):
    return {
        "handledare_a": handledare_a,
        "handledare_b": handledare_b,
        "admin": admin_user,
        "forbund": forbund_user,
        "styrgrupp": styrgrupp_user,
        "anonymous": None,
    }


@pytest.fixture(autouse=True)
def _empty_read_model_cache():
    """The read-model cache lives in the process, but each test's data is rolled back: an
    entry cached by one test must never answer another (rehab/freshness.py)."""
    forget_all()
    yield
    forget_all()


@pytest.fixture
def run_queue(django_capture_on_commit_callbacks, monkeypatch):
    """Runs the task worker over the waiting jobs, as `manage.py db_worker --batch` does, and
    returns when none is left. (Jobs are enqueued on commit: order them inside
    `django_capture_on_commit_callbacks(execute=True)`.) The worker's check for stale
    connections is left out: inside the test's transaction it would close the connection on
    PostgreSQL."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run():
        call_command(
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--interval",
            "0",
            "--queue-name",
            "*",
            verbosity=0,
        )

    return run


@pytest.fixture
def job_file(run_queue, django_capture_on_commit_callbacks):
    """A file made as a job, the way a page gets it: ordered with a POST to `url`, made by the
    worker, downloaded from the job. `job_file(client, url, data)` gives the download's
    response."""
    from django.urls import reverse

    from jobs.models import Job

    def get(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            ordered = client.post(url, data or {})
        assert ordered.status_code == 302, ordered.status_code
        job = Job.objects.filter(user_id=client.session["_auth_user_id"]).latest("pk")
        assert ordered.url == reverse("jobs:job_detail", args=[job.pk])
        run_queue()
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.error
        return client.get(reverse("jobs:job_download", args=[job.pk]))

    return get


@pytest.fixture
def board_file(job_file):
    """The board report's PDF or Excel file (`board_file(client, "pdf", query)`), as a job."""
    from django.urls import reverse

    return lambda client, fmt, query: job_file(
        client, reverse("board_report_job", args=[fmt]), query
    )
