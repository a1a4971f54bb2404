"""SPEC §13's soft rules at enrolment: a kommun's share and the team's total (rule 1), the
referral path (2) and income from a referring party (10) warn, never block, and are kept as
RuleWarning rows for the board report; the own follow-up interval (8) is validated."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rehab import services
from rehab.models import Enrolment, Kommun, KommunQuota, Referrer, RuleWarning
from tests.factories import EnrolmentFactory, ParticipantFactory, TeamFactory, UserFactory

D = datetime.date
START = D(2024, 3, 1)


@pytest.fixture
def rebus(org):
    team = TeamFactory(name="REBUS", total_places=4, require_referring_income=True)
    for name in ("Hagfors", "Forshaga", "Munkfors"):
        team.kommuner.add(Kommun.objects.get(name=name))
    KommunQuota.objects.create(team=team, kommun=Kommun.objects.get(name="Hagfors"), places=1)
    return team


def _enrol(team, kommun="Hagfors", start=START, by=None, **fields):
    participant = ParticipantFactory(kommun=Kommun.objects.get(name=kommun))
    responsible = UserFactory()
    fields = {
        "referrer": Referrer.AF,
        "agencies": ["AF", "FK"],
        "responsible": responsible,
        **fields,
    }
    return services.enrolment_create(
        participant=participant,
        team=team,
        start_date=start,
        by=by,
        income_start=fields.pop("income_start", ["sjukpenning"]),
        **fields,
    )


def _codes(enrolment):
    return sorted(w.code for w in enrolment.warnings if w.code)


def test_past_a_kommuns_share_warns_but_enrols(rebus):
    first = _enrol(rebus)
    assert _codes(first) == []
    second = _enrol(rebus)
    assert _codes(second) == [RuleWarning.Code.KOMMUN_SHARE]
    (share,) = [w for w in second.warnings if w.code]
    assert "Hagfors erbjuds 1 platser först" in share
    assert "platserna kan fyllas utifrån behov" in share
    assert Enrolment.objects.filter(team=rebus).count() == 2
    warning = RuleWarning.objects.get()
    assert (warning.enrolment, warning.detail) == (second, "Hagfors")


def test_other_kommun_is_not_counted_against_hagfors(rebus):
    _enrol(rebus)
    assert _codes(_enrol(rebus, kommun="Forshaga")) == []


def test_exited_and_later_enrolments_free_the_share(rebus):
    EnrolmentFactory(
        team=rebus,
        participant=ParticipantFactory(kommun=Kommun.objects.get(name="Hagfors")),
        start_date=D(2023, 1, 1),
        exit_date=D(2024, 2, 29),
        exit_outcome="arbete",
    )
    EnrolmentFactory(  # starts after the new one: not running on its start date
        team=rebus,
        participant=ParticipantFactory(kommun=Kommun.objects.get(name="Hagfors")),
        start_date=D(2024, 3, 2),
    )
    assert _codes(_enrol(rebus)) == []


def test_past_the_team_total_warns(rebus):
    for kommun in ("Forshaga", "Forshaga", "Munkfors", "Munkfors"):
        assert RuleWarning.Code.TEAM_TOTAL not in _codes(_enrol(rebus, kommun=kommun))
    fifth = _enrol(rebus, kommun="Munkfors")
    assert _codes(fifth) == [RuleWarning.Code.TEAM_TOTAL]
    assert any(
        "REBUS har 4 löpande platser; med den här inskrivningen är 5" in w for w in fifth.warnings
    )


def test_referral_path_warns_for_another_referrer(rebus):
    rebus.expected_referrer = Referrer.EVI
    rebus.save()
    assert _codes(_enrol(rebus, kommun="Forshaga", referrer=Referrer.EVI)) == []
    assert _codes(_enrol(rebus, kommun="Forshaga", referrer=Referrer.FK)) == [
        RuleWarning.Code.REFERRAL_PATH
    ]


@pytest.mark.parametrize(
    ("income", "warns"),
    [
        (["ingen"], True),
        (["ingen", "forsorjningsstod"], False),
        (["sjukpenning"], False),
        ([], False),  # nothing recorded is not "only ingen"
    ],
)
def test_income_from_a_referring_party(rebus, income, warns):
    enrolment = _enrol(rebus, kommun="Forshaga", income_start=income)
    assert (RuleWarning.Code.NO_REFERRING_INCOME in _codes(enrolment)) is warns


def test_income_rule_is_a_team_setting(rebus):
    rebus.require_referring_income = False
    rebus.save()
    assert _codes(_enrol(rebus, kommun="Forshaga", income_start=["ingen"])) == []


@pytest.mark.parametrize(("own", "ok"), [(1, True), (2, True), (3, False), (0, False)])
def test_own_followup_interval_must_be_closer_than_the_teams(rebus, own, ok):
    rebus.followup_interval_months = 3
    rebus.save()
    if ok:
        assert _enrol(rebus, kommun="Forshaga", followup_interval_months=own).pk
    else:
        with pytest.raises(ValidationError):
            _enrol(rebus, kommun="Forshaga", followup_interval_months=own)
        assert not Enrolment.objects.exists()


def test_warnings_are_flashed_where_the_user_enrols(client, rebus, django_user_model):
    from rehab.models import Membership

    user = django_user_model.objects.create_user("rebushandledare", password="x")
    Membership.objects.create(user=user, team=rebus, role="handledare")
    _enrol(rebus)
    participant = ParticipantFactory(kommun=Kommun.objects.get(name="Hagfors"), created_by=user)
    client.force_login(user)
    url = reverse("enrolment_create") + f"?deltagare={participant.pk}"
    response = client.post(
        url,
        {
            "team": rebus.pk,
            "start_date": START.isoformat(),
            "referrer": "AF",
            "responsible": user.pk,
            "agencies": ["AF", "FK"],
            "income_start": ["sjukpenning"],
        },
        follow=True,
    )
    page = response.content.decode()
    assert Enrolment.objects.filter(participant=participant).exists(), page[:3000]
    assert "Hagfors erbjuds 1 platser först" in page
