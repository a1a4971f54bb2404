"""A participant's answers are personal data: the access log, the purge and the
subject-access export include them."""

import datetime
import json

from django.test import Client
from django.urls import reverse

from privacy import services as privacy_services
from privacy.models import AccessLog
from questionnaires import services
from questionnaires.models import Answer
from rehab.models import Enrolment
from tests.factories import EnrolmentFactory
from tests.questionnaires.fixtures import answers_for, make_questionnaire
from tests.separation import purge_db

pytestmark = purge_db


def _answered(team, handledare, text):
    version = make_questionnaire().current_version()
    enrolment = EnrolmentFactory(team=team, responsible=handledare)
    services.handover_answer(
        enrolment=enrolment,
        version=version,
        occasion="start",
        values=answers_for(version, wellbeing=4, text=text),
        by=handledare,
    )
    return enrolment


def test_reading_a_participants_answers_is_logged(rehab_team, handledare_a):
    enrolment = _answered(rehab_team, handledare_a, "Jag vill börja jobba.")
    client = Client()
    client.force_login(handledare_a)
    page = client.get(reverse("questionnaires:enrolment", args=[enrolment.pk]))
    assert "Jag vill börja jobba." in page.content.decode()
    assert AccessLog.objects.filter(
        kind=AccessLog.Kind.READ,
        participant_id=enrolment.participant_id,
        action="questionnaires:enrolment",
    ).exists()


def test_subject_access_export_holds_the_answers(rehab_team, handledare_a, admin_user, job_file):
    enrolment = _answered(rehab_team, handledare_a, "Jag vill börja jobba.")
    client = Client()
    client.force_login(admin_user)
    response = client.get(reverse("privacy:subject_access_json", args=[enrolment.participant_id]))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    (item,) = data["enrolments"][0]["questionnaires"]
    assert item["occasion"] == "Vid start"
    answers = {a["question"]: a["answer"] for a in item["answers"]}
    assert answers["Hur mår du just nu?"] == "4"
    assert answers["Vill du säga något mer?"] == "Jag vill börja jobba."
    assert answers["Har du en plan för vad som händer sedan?"] == "Ja"
    pdf = job_file(
        client, reverse("privacy:subject_access_pdf_job", args=[enrolment.participant_id])
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_purge_blanks_free_text_answers_and_keeps_the_scale_answers(
    rehab_team, handledare_a, settings
):
    settings.RETENTION_NOTES_MONTHS = 12
    enrolment = _answered(rehab_team, handledare_a, "Mina egna ord.")
    Enrolment.objects.filter(pk=enrolment.pk).update(
        exit_date=datetime.date(2024, 3, 15), exit_outcome="arbete"
    )
    counts, _run = privacy_services.purge(as_of=datetime.date(2025, 6, 15))
    assert counts["free_texts"] >= 1
    answers = Answer.objects.filter(response__enrolment=enrolment)
    assert not answers.exclude(text="").exists()
    assert answers.get(question__key="valmaende").value == 4
