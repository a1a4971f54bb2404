"""Questionnaires (issue #21): hand-over mode, one-time links, partner links, versions,
results with disclosure control, the wellbeing target from the questionnaire."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from privacy.models import AccessLog
from questionnaires import selectors, services
from questionnaires.models import AnswerLink, Question, Response, TeamSetting
from rehab.models import Enrolment
from tests.factories import PASSWORD, EnrolmentFactory, ParticipantFactory
from tests.questionnaires.fixtures import (
    answers_for,
    make_partner_questionnaire,
    make_questionnaire,
    post_data,
)

pytestmark = pytest.mark.django_db

FIRST, LAST = "Ingeborg", "Enkätsdotter"


@pytest.fixture(autouse=True)
def _no_rate_count():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def questionnaire(db):
    return make_questionnaire()


@pytest.fixture
def version(questionnaire):
    return questionnaire.current_version()


@pytest.fixture
def enrolment(rehab_team, handledare_a):
    participant = ParticipantFactory(first_name=FIRST, last_name=LAST)
    return EnrolmentFactory(team=rehab_team, participant=participant, responsible=handledare_a)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _start_handover(client, enrolment, questionnaire, occasion="start"):
    return client.post(
        reverse("questionnaires:handover_start", args=[enrolment.pk]),
        {"questionnaire": questionnaire.pk, "occasion": occasion},
    )


# --- Hand-over mode -------------------------------------------------------------------------


def test_handover_shows_nothing_of_the_case_and_locks_the_session(
    enrolment, questionnaire, handledare_a
):
    client = _client(handledare_a)
    response = _start_handover(client, enrolment, questionnaire)
    assert response["Location"] == reverse("questionnaires:handover")
    page = client.get(reverse("questionnaires:handover")).content.decode()
    assert "Hur mår du just nu?" in page
    for secret in (FIRST, LAST, enrolment.participant.personnummer[:8], "Personalsson"):
        assert secret not in page
    # Every other page leads back to the questionnaire.
    for url in (
        reverse("participant_detail", args=[enrolment.participant_id]),
        reverse("caseload"),
        reverse("questionnaires:enrolment", args=[enrolment.pk]),
    ):
        assert client.get(url)["Location"] == reverse("questionnaires:handover")


def test_handover_answer_is_saved_and_leaving_needs_the_password(
    enrolment, questionnaire, version, handledare_a
):
    client = _client(handledare_a)
    _start_handover(client, enrolment, questionnaire, occasion="exit")
    response = client.post(reverse("questionnaires:handover"), post_data(version, wellbeing=7))
    assert response.status_code == 302
    saved = Response.objects.get()
    assert (saved.enrolment, saved.occasion, saved.channel) == (enrolment, "exit", "handover")
    assert saved.answers.get(question__key="valmaende").value == 7
    assert "Tack!" in client.get(reverse("questionnaires:handover")).content.decode()
    # A second submission of the same screen saves nothing more.
    client.post(reverse("questionnaires:handover"), post_data(version, wellbeing=2))
    assert Response.objects.count() == 1

    wrong = client.post(reverse("questionnaires:handover_leave"), {"password": "fel-lösenord"})
    assert "Fel lösenord." in wrong.content.decode()
    assert client.get(reverse("caseload"))["Location"] == reverse("questionnaires:handover")

    right = client.post(reverse("questionnaires:handover_leave"), {"password": PASSWORD})
    assert right["Location"] == reverse("questionnaires:enrolment", args=[enrolment.pk])
    assert client.get(reverse("caseload")).status_code == 200
    # The answer is in the audit trail and the access log, under the participant.
    assert AccessLog.objects.filter(
        participant_id=enrolment.participant_id, action="questionnaire_answer_handover"
    ).exists()


def test_handover_missing_answer_is_refused_in_swedish_and_keeps_the_input(
    enrolment, questionnaire, version, handledare_a
):
    client = _client(handledare_a)
    _start_handover(client, enrolment, questionnaire)
    data = post_data(version, wellbeing=8)
    data.pop(next(k for k in data if data[k] == 3))  # the Likert question left out
    page = client.post(reverse("questionnaires:handover"), data).content.decode()
    assert "Välj ett svar på frågan." in page
    assert 'value="8" checked' in page
    assert not Response.objects.exists()


def test_handover_start_without_choices_says_what_is_missing(enrolment, handledare_a):
    client = _client(handledare_a)
    response = client.post(
        reverse("questionnaires:handover_start", args=[enrolment.pk]), follow=True
    )
    assert "Välj enkät och när den besvaras." in response.content.decode()
    assert client.get(reverse("caseload")).status_code == 200


def test_other_teams_handledare_cannot_start_handover(enrolment, questionnaire, handledare_b):
    response = _start_handover(_client(handledare_b), enrolment, questionnaire)
    assert response.status_code == 404


# --- One-time links -------------------------------------------------------------------------


def _link(enrolment, version, handledare, occasion="start"):
    return services.participant_link_create(
        enrolment=enrolment, version=version, occasion=occasion, by=handledare
    )


def test_link_page_shows_the_qr_code_and_the_token_is_stored_hashed(
    enrolment, questionnaire, handledare_a
):
    response = _client(handledare_a).post(
        reverse("questionnaires:link_create", args=[enrolment.pk]),
        {"questionnaire": questionnaire.pk, "occasion": "review"},
    )
    page = response.content.decode()
    assert "<svg" in page
    link = AnswerLink.objects.get()
    token = page.split("/enkater/svar/")[1].split("/")[0]
    assert link.token_hash == services.hash_token(token) and token not in link.token_hash
    assert link.expires_at - link.created_at == datetime.timedelta(days=14)


def test_link_works_once_without_log_in_and_shows_no_personal_data(
    enrolment, version, handledare_a
):
    token = _link(enrolment, version, handledare_a)
    url = reverse("questionnaires:answer", args=[token])
    anonymous = Client()
    page = anonymous.get(url).content.decode()
    assert "Hur mår du just nu?" in page
    for secret in (FIRST, LAST, enrolment.participant.personnummer[:8], "Personalsson"):
        assert secret not in page
    done = anonymous.post(url, post_data(version, wellbeing=6))
    assert "Tack! Dina svar är sparade." in done.content.decode()
    saved = Response.objects.get()
    assert (saved.enrolment, saved.occasion, saved.channel) == (enrolment, "start", "link")
    again = anonymous.get(url)
    assert again.status_code == 410
    assert "Länken fungerar inte längre" in again.content.decode()
    assert anonymous.post(url, post_data(version)).status_code == 410
    assert Response.objects.count() == 1


def test_link_never_works_after_expiry(enrolment, version, handledare_a):
    token = _link(enrolment, version, handledare_a)
    AnswerLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    url = reverse("questionnaires:answer", args=[token])
    assert Client().get(url).status_code == 410
    assert Client().post(url, post_data(version)).status_code == 410
    assert not Response.objects.exists()


def test_bad_answer_through_a_link_loses_nothing_and_keeps_the_link(
    enrolment, version, handledare_a
):
    token = _link(enrolment, version, handledare_a)
    url = reverse("questionnaires:answer", args=[token])
    data = post_data(version)
    first = next(iter(data))
    data[first] = "11"  # not on the scale
    page = Client().post(url, data).content.decode()
    assert "Något saknas." in page
    assert AnswerLink.objects.get().used_at is None
    assert Client().post(url, post_data(version)).status_code == 200
    assert Response.objects.count() == 1


def test_unknown_token_is_404_and_links_are_rate_limited(enrolment, version, handledare_a):
    client = Client()
    assert client.get(reverse("questionnaires:answer", args=["gissad"])).status_code == 404
    for _ in range(40):
        response = client.get(reverse("questionnaires:answer", args=["gissad"]))
    assert response.status_code == 429
    assert "Vänta en stund" in response.content.decode()


def test_service_refuses_a_used_link(enrolment, version, handledare_a):
    token = _link(enrolment, version, handledare_a)
    services.link_answer(token=token, values=answers_for(version))
    with pytest.raises(ValidationError):
        services.link_answer(token=token, values=answers_for(version))


# --- Partner questionnaire ------------------------------------------------------------------


def test_partner_links_give_anonymous_answers_per_team_and_year(rehab_team, handledare_a):
    partner = make_partner_questionnaire()
    client = _client(handledare_a)
    page = client.post(
        reverse("questionnaires:partner_links", args=[rehab_team.pk]),
        {"questionnaire": partner.pk, "count": 3},
    ).content.decode()
    urls = [line for line in page.split() if "/enkater/svar/" in line]
    assert len(urls) == 3
    version = partner.current_version()
    path = "/enkater/svar/" + urls[0].split("/enkater/svar/")[1].split("<")[0].strip()
    assert Client().post(path, post_data(version)).status_code == 200
    saved = Response.objects.get()
    assert saved.enrolment is None and saved.occasion == ""
    assert (saved.team, saved.year) == (rehab_team, timezone.localdate().year)


def test_partner_links_count_is_bounded(rehab_team, handledare_a):
    partner = make_partner_questionnaire()
    page = (
        _client(handledare_a)
        .post(
            reverse("questionnaires:partner_links", args=[rehab_team.pk]),
            {"questionnaire": partner.pk, "count": 500},
        )
        .content.decode()
    )
    assert "Skapa högst 50 länkar åt gången." in page
    assert not AnswerLink.objects.exists()


# --- Versions -------------------------------------------------------------------------------


def test_an_answered_version_cannot_be_changed_and_a_copy_can(
    enrolment, version, handledare_a, admin_user
):
    services.handover_answer(
        enrolment=enrolment,
        version=version,
        occasion="start",
        values=answers_for(version),
        by=handledare_a,
    )
    question = version.questions.first()
    question.text = "Ändrad fråga"
    with pytest.raises(ValidationError):
        question.save()
    new = services.version_copy(version=version, by=admin_user)
    assert new.number == 2
    changed = new.questions.get(key=question.key)
    changed.text = "Ändrad fråga"
    changed.save()
    assert version.questions.get(key=question.key).text == "Hur mår du just nu?"
    assert version.questionnaire.current_version() == new


# --- Results --------------------------------------------------------------------------------


def _answered(team, handledare, version, pairs):
    """Enrolments answering at start and exit: pairs of wellbeing values."""
    for start, end in pairs:
        enrolment = EnrolmentFactory(team=team, responsible=handledare)
        for occasion, value in (("start", start), ("exit", end)):
            services.handover_answer(
                enrolment=enrolment,
                version=version,
                occasion=occasion,
                values=answers_for(version, wellbeing=value),
                by=handledare,
            )


def _results_url(questionnaire, team):
    today = timezone.localdate().isoformat()
    return (
        reverse("questionnaires:results")
        + f"?scope=team-{team.pk}&questionnaire={questionnaire.pk}"
        + f"&date_from={today[:4]}-01-01&date_to={today}"
    )


def test_results_are_exact_for_the_unit_manager_and_suppressed_for_styrgrupp(
    rehab_team, handledare_a, admin_user, styrgrupp_user, questionnaire, version
):
    _answered(rehab_team, handledare_a, version, [(3, 7), (4, 8), (5, 5), (6, 4), (2, 9), (5, 6)])
    url = _results_url(questionnaire, rehab_team)
    exact = _client(admin_user).get(url)
    assert exact.status_code == 200
    result = exact.context["result"]
    assert result.exact and result.responses == {"start": "6", "review": "0", "exit": "6"}
    wellbeing = next(q for q in result.questions if q.key == "valmaende")
    assert wellbeing.change == ("4", "1", "1", "6")
    assert wellbeing.change_share == "67 %"

    hidden = _client(styrgrupp_user).get(url)
    assert hidden.status_code == 200
    result = hidden.context["result"]
    assert not result.exact
    # The headline counts stay; every small count is withheld.
    assert result.responses["start"] == "6"
    wellbeing = next(q for q in result.questions if q.key == "valmaende")
    assert wellbeing.change[1] in ("<5", "–") and wellbeing.change[2] in ("<5", "–")
    assert wellbeing.change_share == "–"
    cells = [c for q in result.questions for row in q.rows for c in row]
    assert "1" not in cells and "2" not in cells
    assert "&lt;5" in hidden.content.decode()
    csv = _client(styrgrupp_user).get(url.replace("/resultat/", "/resultat.csv")).content
    assert b"<5" in csv and "Hur mår du just nu?".encode() in csv


def test_results_refuse_a_bad_period_in_swedish(admin_user, rehab_team, questionnaire):
    url = _results_url(questionnaire, rehab_team).replace("-01-01", "-13-45")
    response = _client(admin_user).get(url)
    assert response.status_code == 400
    assert "Skriv datumet som ÅÅÅÅ-MM-DD." in response.content.decode()


def test_handledare_has_no_results_page(handledare_a):
    assert _client(handledare_a).get(reverse("questionnaires:results")).status_code == 403


def test_wellbeing_target_counts_only_teams_that_chose_the_questionnaire(
    rehab_team, handledare_a, admin_user, version
):
    _answered(rehab_team, handledare_a, version, [(3, 7), (4, 4), (5, 2)])
    today = timezone.localdate()
    span = (datetime.date(today.year, 1, 1), today)
    assert selectors.wellbeing_target([rehab_team], *span) == (0, 0)
    client = _client(admin_user)
    client.post(
        reverse("questionnaires:team_setting", args=[rehab_team.pk]),
        {"wellbeing_from_questionnaire": "on"},
    )
    assert TeamSetting.objects.get(team=rehab_team).wellbeing_from_questionnaire
    assert selectors.wellbeing_target([rehab_team], *span) == (1, 3)


def test_team_setting_is_for_the_unit_manager_only(rehab_team, handledare_a):
    response = _client(handledare_a).get(
        reverse("questionnaires:team_setting", args=[rehab_team.pk])
    )
    assert response.status_code == 403


def test_wellbeing_question_must_be_a_scale(version):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(
            version=version, position=9, key="x", text="x", kind="text", measures_wellbeing=True
        )


# --- Board report and dashboard -------------------------------------------------------------


def _this_year(team):
    today = timezone.localdate()
    return {"scope": f"team-{team.pk}", "fran": f"{today.year}-01-01", "till": today.isoformat()}


def test_board_report_shows_the_questionnaire_wellbeing_target_suppressed_for_styrgrupp(
    rehab_team, handledare_a, admin_user, styrgrupp_user, version
):
    TeamSetting.objects.create(team=rehab_team, wellbeing_from_questionnaire=True)
    _answered(rehab_team, handledare_a, version, [(3, 7), (4, 8), (5, 5)])
    exact = _client(admin_user).get(reverse("board_report"), _this_year(rehab_team))
    text = exact.content.decode()
    assert "Ökat välmående enligt deltagarnas egna svar" in text
    assert "<strong>67 %</strong> av 3" in text
    hidden = _client(styrgrupp_user).get(reverse("board_report"), _this_year(rehab_team))
    text = hidden.content.decode()
    assert "<strong>–</strong> av &lt;5" in text
    assert "67 %" not in text
    assert "Enkätresultat för samma team och period" in text


def test_dashboard_shows_the_questionnaire_wellbeing_target_suppressed_for_styrgrupp(
    rehab_team, handledare_a, admin_user, styrgrupp_user, version
):
    """The dashboard carries the same figure as the board report (issue #21), exact for the
    unit manager and suppressed for the steering group, and links to the results."""
    TeamSetting.objects.create(team=rehab_team, wellbeing_from_questionnaire=True)
    _answered(rehab_team, handledare_a, version, [(3, 7), (4, 8), (5, 5)])
    params = {"scope": f"team-{rehab_team.pk}", "ar": str(timezone.localdate().year)}
    text = _client(admin_user).get(reverse("dashboard"), params).content.decode()
    assert "<strong>67 %</strong> av 3" in text
    page = _client(styrgrupp_user).get(reverse("dashboard"), params)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>–</strong> av &lt;5" in text and "67 %" not in text
    assert "Enkätresultat för samma team och period" in text


def test_partner_results_count_per_team_and_leave_out_enrolments_in_error(
    rehab_team, handledare_a, admin_user, version
):
    partner = make_partner_questionnaire()
    for token in services.partner_links_create(
        team=rehab_team, version=partner.current_version(), count=2, by=handledare_a
    ):
        services.link_answer(token=token, values=answers_for(partner.current_version()))
    _answered(rehab_team, handledare_a, version, [(3, 7), (4, 8)])
    in_error = Response.objects.filter(enrolment__isnull=False).first().enrolment_id
    Enrolment.objects.filter(pk=in_error).update(registered_in_error=True, error_reason="Fel")
    client = _client(admin_user)
    partner_page = client.get(_results_url(partner, rehab_team)).context["result"]
    assert partner_page.responses == {"partner": "2"}
    self_page = client.get(_results_url(version.questionnaire, rehab_team)).context["result"]
    assert self_page.responses["start"] == "1"
    csv = client.get(_results_url(partner, rehab_team).replace("/resultat/", "/resultat.csv"))
    assert csv.status_code == 200 and b"<5" not in csv.content


def test_exited_enrolment_takes_no_new_answers(enrolment, version, handledare_a):
    Enrolment.objects.filter(pk=enrolment.pk).update(
        exit_date=datetime.date(2024, 6, 1), exit_outcome="arbete"
    )
    enrolment.refresh_from_db()
    with pytest.raises(ValidationError):
        services.handover_answer(
            enrolment=enrolment,
            version=version,
            occasion="exit",
            values=answers_for(version),
            by=handledare_a,
        )


def test_the_start_form_defaults_to_the_only_questionnaire_and_to_start(
    enrolment, version, handledare_a
):
    """A hurried handledare can hand over the screen without choosing: the only questionnaire
    and "Vid start" are chosen until the start has been answered, then "Vid avstämning"."""
    from django.utils import timezone

    from questionnaires.models import Occasion, Response

    client = _client(handledare_a)
    url = reverse("questionnaires:enrolment", args=[enrolment.pk])
    form = client.get(url).context["form"]
    assert form.initial == {"questionnaire": version.questionnaire_id, "occasion": Occasion.START}
    Response.objects.create(
        version=version,
        enrolment=enrolment,
        team=enrolment.team,
        occasion=Occasion.START,
        channel="handover",
        year=timezone.localdate().year,
        submitted_at=timezone.now(),
    )
    assert client.get(url).context["form"].initial["occasion"] == Occasion.REVIEW
