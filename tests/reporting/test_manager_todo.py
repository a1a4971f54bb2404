"""Issue #22: the unit manager's start page says what waits on her ("Att göra") and lists every
deadline of her teams – not only those of participants she is responsible for."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from modules.models import ManagementApproval
from referrals import services as referral_services
from rehab.models import Deviation, Referrer
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_team(rehab_team, handledare_a):
    # Started 23 months ago: the management-approval case (start + 22 months) is overdue.
    start = timezone.localdate() - datetime.timedelta(days=700)
    enrolment = EnrolmentFactory(team=rehab_team, start_date=start, responsible=handledare_a)
    ManagementApproval.objects.create(enrolment=enrolment, requested_date=timezone.localdate())
    EnrolmentFactory(team=rehab_team, start_date=start, responsible=handledare_a)
    for _ in range(2):
        referral_services.referral_create(
            team=rehab_team,
            source=Referrer.AF,
            need="Stöd",
            received_date=timezone.localdate(),
            by=handledare_a,
        )
    Deviation.objects.create(
        enrolment=enrolment, occurred_at=timezone.now(), description="Föll i trappan"
    )
    return rehab_team


def test_manager_sees_her_todo_and_the_teams_deadlines(client, busy_team, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("start")).content.decode()
    assert "Att göra" in page
    assert "1 ledningsgruppsbeslut att registrera" in page
    assert reverse("modules:approval_list") in page
    assert "2 remisser mottagna, inte bedömda" in page
    assert f"{reverse('referral_list')}?status=received" in page
    assert "1 avvikelse inte rapporterade" in page
    # The other handledare's participants' deadlines are hers to see too.
    assert "Frister i dina team" in page
    assert "Ärende till ledningsgruppen" in page
    assert "inga försenade frister" not in page


def test_a_quiet_team_says_so(client, rehab_team, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("start")).content.decode()
    assert "Inga beslut, remisser eller avvikelser väntar på dig." in page
    assert "Dina team har inga försenade frister" in page


def test_handledare_keeps_her_own_list_without_todo(client, busy_team):
    other = UserFactory()
    from rehab.models import Membership

    Membership.objects.create(user=other, team=busy_team, role="handledare")
    client.force_login(other)
    page = client.get(reverse("start")).content.decode()
    assert "Mina frister" in page and "Att göra" not in page
    assert "Du har inga försenade frister" in page  # the others have a responsible handledare
