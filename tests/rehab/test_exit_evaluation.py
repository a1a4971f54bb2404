"""SPEC §13 rule 9: the evaluation meeting before an exit, the goals' outcomes, the exit form's
offer and warning, undo, and the board report's count; who may record it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from rehab import services
from rehab.models import ExitEvaluation, Goal, RuleWarning
from rehab.services import ExitData
from reporting.board.soft_rules import exit_evaluations
from tests.factories import EnrolmentFactory

D = datetime.date
TODAY = timezone.localdate
MEETING = D(2024, 6, 1)
EXIT = D(2024, 6, 10)


@pytest.fixture
def enrolment(rehab_team, handledare_a):
    enrolment = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 15))
    services.goal_create(enrolment=enrolment, text="Arbetsträna 50 %", by=handledare_a)
    services.goal_create(enrolment=enrolment, text="Klara bussresan", by=handledare_a)
    return enrolment


def _goals(enrolment):
    return list(enrolment.goals.order_by("pk"))


def _record(enrolment, outcomes, held=MEETING, by=None, **kwargs):
    return services.exit_evaluation_record(
        enrolment=enrolment, held_date=held, outcomes=outcomes, by=by, **kwargs
    )


def test_evaluation_sets_each_goals_outcome(enrolment, handledare_a):
    first, second = _goals(enrolment)
    evaluation = _record(enrolment, {first.pk: "achieved", second.pk: "partly"}, by=handledare_a)
    assert [g.status for g in _goals(enrolment)] == ["achieved", "partly"]
    assert (evaluation.with_participant, evaluation.with_case_officer) == (True, True)
    # Recording again replaces the meeting and the outcomes: still one per enrolment.
    _record(enrolment, {first.pk: "not_achieved", second.pk: "partly"}, held=D(2024, 6, 3))
    assert ExitEvaluation.objects.get().held_date == D(2024, 6, 3)
    assert _goals(enrolment)[0].get_status_display() == "Inte uppnått"


def test_dropped_goals_are_not_evaluated(enrolment):
    first, second = _goals(enrolment)
    services.goal_set_status(goal=second, status="dropped", by=None)
    _record(enrolment, {first.pk: "achieved"})
    assert [g.status for g in _goals(enrolment)] == ["achieved", "dropped"]


@pytest.mark.parametrize(
    ("held", "outcomes", "attendance", "message"),
    [
        (D(2024, 1, 1), "all", {}, "före inskrivningen"),
        (TODAY() + datetime.timedelta(days=1), "all", {}, "framtiden"),
        (D(2024, 6, 1), "one", {}, "Ange hur det gick för varje mål"),
        (D(2024, 6, 1), "bad", {}, "Ange hur det gick för varje mål"),
        (
            D(2024, 6, 1),
            "all",
            {"with_participant": False, "with_case_officer": False, "with_handledare": False},
            "Ange vem som var med",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(enrolment, held, outcomes, attendance, message):
    first, second = _goals(enrolment)
    given = {
        "all": {first.pk: "achieved", second.pk: "achieved"},
        "one": {first.pk: "achieved"},
        "bad": {first.pk: "achieved", second.pk: "in_progress"},
    }[outcomes]
    with pytest.raises(ValidationError, match=message):
        _record(enrolment, given, held=held, **attendance)
    assert not ExitEvaluation.objects.exists()
    assert {g.status for g in _goals(enrolment)} == {"planned"}


def _exit(enrolment, day=EXIT):
    return casework_services.enrolment_exit(
        enrolment=enrolment,
        data=ExitData(exit_date=day, outcome="arbete", exit_conversation_held=True),
        by=None,
    )


def test_exit_without_evaluation_warns_and_is_counted(enrolment, rehab_team):
    exited = _exit(enrolment)
    assert [w.code for w in exited.warnings] == [RuleWarning.Code.EXIT_WITHOUT_EVALUATION]
    assert RuleWarning.objects.filter(code="exit_without_evaluation").count() == 1
    text = exit_evaluations(rehab_team, date_from=D(2024, 1, 1), date_to=D(2024, 12, 31))
    assert text == "0 av 1 avslut hade ett utvärderingsmöte före avslutet."
    # Undoing the exit takes its warning with it.
    services.enrolment_undo_exit(enrolment=exited, reason="Fel datum", by=None)
    assert not RuleWarning.objects.exists()


def test_exit_after_evaluation_does_not_warn(enrolment, rehab_team):
    first, second = _goals(enrolment)
    _record(enrolment, {first.pk: "achieved", second.pk: "not_achieved"})
    assert _exit(enrolment).warnings == []
    text = exit_evaluations(rehab_team, date_from=D(2024, 1, 1), date_to=D(2024, 12, 31))
    assert text == "1 av 1 avslut hade ett utvärderingsmöte före avslutet."


def test_evaluation_after_a_backdated_exit_date_still_warns(enrolment):
    first, second = _goals(enrolment)
    _record(enrolment, {first.pk: "achieved", second.pk: "achieved"}, held=D(2024, 6, 20))
    assert [w.code for w in _exit(enrolment, day=D(2024, 6, 10)).warnings] == [
        "exit_without_evaluation"
    ]


def test_evaluation_page_flow(client, enrolment, handledare_a, handledare_b):
    url = reverse("exit_evaluation", args=[enrolment.pk])
    exit_url = reverse("enrolment_exit", args=[enrolment.pk])
    client.force_login(handledare_b)
    assert client.get(url).status_code == 404
    client.force_login(handledare_a)
    page = client.get(exit_url).content.decode()
    assert "Inget utvärderingsmöte är registrerat." in page and url in page
    page = client.get(url).content.decode()
    assert "Mål: Arbetsträna 50 %" in page and "Delvis uppnått" in page
    first, second = _goals(enrolment)
    data = {"held_date": "2024-06-01", "with_participant": "on", "with_handledare": "on"}
    page = client.post(url + "?fran=avslut", {**data, f"goal_{first.pk}": "achieved"})
    assert "Ange hur det gick för målet." in page.content.decode()
    assert not ExitEvaluation.objects.exists()
    response = client.post(
        url + "?fran=avslut",
        {**data, f"goal_{first.pk}": "achieved", f"goal_{second.pk}": "partly"},
    )
    assert response.status_code == 302 and response.url == exit_url
    evaluation = ExitEvaluation.objects.get()
    assert (evaluation.with_participant, evaluation.with_case_officer) == (True, False)
    page = client.get(exit_url).content.decode()
    assert "Hölls 2024-06-01." in page and "Klara bussresan – delvis uppnått" in page


def test_aggregate_users_may_not_open_the_evaluation(client, enrolment, styrgrupp_user):
    client.force_login(styrgrupp_user)
    assert client.get(reverse("exit_evaluation", args=[enrolment.pk])).status_code in (403, 404)


def test_goal_statuses_keep_the_old_values():
    assert Goal.Status.ACHIEVED == "achieved"
    assert set(Goal.OUTCOMES) == {"achieved", "partly", "not_achieved"}
