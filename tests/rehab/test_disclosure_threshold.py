"""The förbund's disclosure threshold (SPEC §11): 3 to 10, in the database too, and changed
in the admin by a superuser only."""

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse

from rehab.models import Forbund, organisation
from reporting import disclosure
from tests.factories import UserFactory


def test_the_thresholds_bounds_agree_with_the_disclosure_module():
    assert (
        organisation.DEFAULT_THRESHOLD,
        organisation.MIN_THRESHOLD,
        organisation.MAX_THRESHOLD,
    ) == (disclosure.DEFAULT_THRESHOLD, disclosure.MIN_THRESHOLD, disclosure.MAX_THRESHOLD)


def test_a_new_forbund_has_the_default_threshold(db):
    assert Forbund.objects.create(name="Nytt förbund").disclosure_threshold == 5


@pytest.mark.parametrize("value", [2, 11])
def test_the_database_refuses_a_threshold_outside_3_to_10(db, value):
    forbund = Forbund.objects.create(name="Nytt förbund")
    with pytest.raises(IntegrityError), transaction.atomic():
        Forbund.objects.filter(pk=forbund.pk).update(disclosure_threshold=value)


def _change_url(forbund):
    return reverse("admin:rehab_forbund_change", args=[forbund.pk])


def _post(client, forbund, threshold):
    return client.post(
        _change_url(forbund), {"name": forbund.name, "disclosure_threshold": threshold}
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_with_forbund_rights(db):
    """Staff who may change a förbund in the admin, but is no superuser."""
    user = UserFactory(username="personal", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_forbund", "change_forbund"])
    )
    return user


def test_a_superuser_changes_the_threshold(client, org, superuser):
    forbund = org["forbund"]
    client.force_login(superuser)
    response = _post(client, forbund, 7)
    assert response.status_code == 302
    forbund.refresh_from_db()
    assert forbund.disclosure_threshold == 7


@pytest.mark.parametrize("value", [2, 11])
def test_the_admin_refuses_a_threshold_outside_3_to_10(client, org, superuser, value):
    forbund = org["forbund"]
    client.force_login(superuser)
    response = _post(client, forbund, value)
    assert response.status_code == 200
    assert "disclosure_threshold" in response.context["adminform"].form.errors
    forbund.refresh_from_db()
    assert forbund.disclosure_threshold == 5


def test_other_staff_see_the_threshold_read_only(client, org, staff_with_forbund_rights):
    forbund = org["forbund"]
    client.force_login(staff_with_forbund_rights)
    form = client.get(_change_url(forbund)).context["adminform"].form
    assert "name" in form.fields
    assert "disclosure_threshold" not in form.fields


def test_other_staff_cannot_change_the_threshold(client, org, staff_with_forbund_rights):
    forbund = org["forbund"]
    client.force_login(staff_with_forbund_rights)
    response = _post(client, forbund, 3)
    assert response.status_code == 302
    forbund.refresh_from_db()
    assert forbund.disclosure_threshold == 5
