"""Fixtures for the referral tests: referrals brought to a status through the services, the
way a case worker would, so that their events and dates are real."""

import datetime

import pytest

from referrals import services
from referrals.models import Referral
from rehab.models import Referrer
from tests.factories import EnrolmentFactory

Status = Referral.Status

RECEIVED = datetime.date(2024, 3, 1)

# The dated steps that lead to each status.
PATHS = {
    Status.RECEIVED: [],
    Status.ASSESSING: [(Status.ASSESSING, datetime.date(2024, 3, 4))],
    Status.ACCEPTED: [
        (Status.ASSESSING, datetime.date(2024, 3, 4)),
        (Status.ACCEPTED, datetime.date(2024, 3, 11)),
    ],
    Status.QUEUED: [
        (Status.ASSESSING, datetime.date(2024, 3, 4)),
        (Status.ACCEPTED, datetime.date(2024, 3, 11)),
        (Status.QUEUED, datetime.date(2024, 3, 12)),
    ],
    Status.DECLINED: [
        (Status.ASSESSING, datetime.date(2024, 3, 4)),
        (Status.DECLINED, datetime.date(2024, 3, 11)),
    ],
    Status.REDIRECTED: [
        (Status.ASSESSING, datetime.date(2024, 3, 4)),
        (Status.REDIRECTED, datetime.date(2024, 3, 11)),
    ],
    Status.WITHDRAWN: [(Status.WITHDRAWN, datetime.date(2024, 3, 5))],
}


@pytest.fixture
def staff(django_user_model):
    """A user for the services' `by`: the services do not check team roles (views do),
    except triage assignment."""
    return django_user_model.objects.create_user("sam", password="x" * 14)


@pytest.fixture
def make_referral(staff):
    def make(team, status=Status.RECEIVED, by=None, **fields):
        by = by or staff
        data = {
            "source": Referrer.AF,
            "case_officer_name": "Karin Handläggare",
            "case_officer_agency": "Arbetsförmedlingen Ludvika",
            "case_officer_phone": "0240-123 45",
            "case_officer_email": "karin@example.se",
            "need": "Stöd att komma tillbaka till arbete efter lång sjukskrivning.",
            "received_date": RECEIVED,
            **fields,
        }
        referral = services.referral_create(team=team, by=by, **data)
        for step, date in PATHS[status]:
            referral = services.referral_transition(
                referral=referral,
                to_status=step,
                date=date,
                by=by,
                reason="Passar inte målgruppen." if step == Status.DECLINED else "",
                redirected_to="Vårdcentralen" if step == Status.REDIRECTED else "",
            )
        return referral

    return make


@pytest.fixture
def enrolled_participant(rehab_team):
    """A participant with an active enrolment in Rehabteamet."""
    return EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 2, 1)).participant
