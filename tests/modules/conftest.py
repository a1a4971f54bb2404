"""Fixtures for the modules app: the demo modules and enrolments in Rehabteamet."""

import datetime

import pytest

from modules.models import Module, Placement
from modules.rules import review_due
from tests.factories import EnrolmentFactory, ParticipantFactory


@pytest.fixture
def portalen(rehab_team):
    return Module.objects.get(team=rehab_team, name="Portalen")


@pytest.fixture
def kompassen(rehab_team):
    return Module.objects.get(team=rehab_team, name="Kompassen")


@pytest.fixture
def passagen(rehab_team):
    return Module.objects.get(team=rehab_team, name="Passagen")


@pytest.fixture
def make_enrolment(rehab_team):
    """An active enrolment in Rehabteamet (or `team`) starting on `start`."""

    def make(start=datetime.date(2024, 1, 15), team=None, **kwargs):
        return EnrolmentFactory(team=team or rehab_team, start_date=start, **kwargs)

    return make


@pytest.fixture
def enrolment(make_enrolment):
    return make_enrolment()


@pytest.fixture
def make_placement():
    """A placement written straight to the database, its review due by the rules."""

    def make(enrolment, module, start, extensions=0, end=None):
        return Placement.objects.create(
            enrolment=enrolment,
            module=module,
            start_date=start,
            next_review_due=review_due(start, module.as_rule(), extensions),
            extensions=extensions,
            end_date=end,
        )

    return make


@pytest.fixture
def fill_module(make_enrolment):
    """Occupy every place in a capacity-limited module with other participants."""

    def fill(module, start=datetime.date(2024, 1, 15)):
        for _ in range(module.capacity):
            other = make_enrolment(start=start, team=module.team, participant=ParticipantFactory())
            Placement.objects.create(
                enrolment=other,
                module=module,
                start_date=start,
                next_review_due=review_due(start, module.as_rule(), 0),
            )

    return fill
