import os

import pytest

from rehab.freshness import forget_all

# Playwright's sync API runs an event loop in the test thread; the live server still talks to
# the database synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
