import datetime

import pytest

from rehab.models import Goal
from tests.factories import EnrolmentFactory

D = datetime.date


@pytest.fixture
def case(rehab_team, handledare_a):
    """An active enrolment in Rehabteamet with handledare_a responsible, and a goal."""
    enrolment = EnrolmentFactory(
        team=rehab_team, start_date=D(2024, 1, 15), responsible=handledare_a
    )
    Goal.objects.create(enrolment=enrolment, text="Hitta praktik")
    return enrolment


@pytest.fixture
def admin_b(other_team):
    """A unit manager of EVI only."""
    from rehab.models import Membership
    from tests.factories import UserFactory

    user = UserFactory(username="berit")
    Membership.objects.create(user=user, team=other_team, role="admin")
    return user
