"""The demo's questionnaires (issue #21), written for this project on the themes of the source
documents: support around your needs, someone holding your process together, a plan after
exit, readiness for work, mental and physical health; and the partners' view of the
collaboration. With synthetic answers: start and exit self-ratings of recent enrolments and
anonymous partner answers per team and year. Running it again adds nothing."""

import datetime
import random

from django.utils import timezone

from questionnaires.models import (
    Answer,
    Channel,
    Occasion,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    TeamSetting,
)
from rehab.models import Enrolment, Team

K = Question.Kind
AGREE = ("Stämmer inte alls", "Stämmer helt")

SELF_RATING = "Självskattning – hur har du det?"
SELF_RATING_INTRO = (
    "Här svarar du på några frågor om hur du har det.\nDina svar hjälper oss att ge dig rätt stöd."
)
SELF_RATING_QUESTIONS = [
    (
        "valmaende",
        "Hur mår du i dag, allt sammantaget?",
        K.SCALE10,
        ("Mycket dåligt", "Mycket bra"),
        True,
    ),
    (
        "psykisk",
        "Hur mår du i tankar och känslor?",
        K.SCALE10,
        ("Mycket dåligt", "Mycket bra"),
        False,
    ),
    ("fysisk", "Hur mår du i kroppen?", K.SCALE10, ("Mycket dåligt", "Mycket bra"), False),
    ("stod", "Jag får stöd som passar mina behov.", K.LIKERT5, AGREE, False),
    ("samordning", "Det finns någon som håller ihop min planering.", K.LIKERT5, AGREE, False),
    ("arbete", "Jag känner mig redo att börja arbeta eller studera.", K.LIKERT5, AGREE, False),
    ("plan", "Vet du vad som ska hända när tiden här är slut?", K.YESNO, ("", ""), False),
    ("ovrigt", "Vill du berätta något mer? Du behöver inte.", K.TEXT, ("", ""), False),
]

PARTNER = "Partnerenkät – samverkan kring deltagarna"
PARTNER_INTRO = (
    "Till dig som handläggare hos en samverkanspart. Svaren är anonyma och räknas per team och år."
)
PARTNER_QUESTIONS = [
    (
        "nytta",
        "Samverkan i teamet har gjort nytta för personerna jag remitterat.",
        K.LIKERT5,
        AGREE,
        False,
    ),
    (
        "information",
        "Jag har fått veta det jag behövt om hur det går för dem.",
        K.LIKERT5,
        AGREE,
        False,
    ),
    (
        "snabbare",
        "Har samverkan gjort att personerna fått rätt stöd snabbare?",
        K.YESNO,
        ("", ""),
        False,
    ),
    (
        "remittera",
        "Hur troligt är det att du remitterar fler personer hit?",
        K.SCALE10,
        ("Inte alls troligt", "Mycket troligt"),
        False,
    ),
    ("ovrigt", "Något mer du vill säga om samverkan?", K.TEXT, ("", ""), False),
]

# The team whose wellbeing target the demo measures by the questionnaire (REBUS: "80 % ska
# uppleva ökat välmående, mätt mot enkätsvar").
QUESTIONNAIRE_TARGET_TEAMS = ["REBUS"]
RECENT_YEARS = 3
MAX_ENROLMENTS = 3000  # at benchmark scale only the newest get answers


def _define(name, audience, intro, rows):
    questionnaire, _ = Questionnaire.objects.get_or_create(
        name=name, defaults={"audience": audience, "intro": intro}
    )
    version, created = QuestionnaireVersion.objects.get_or_create(
        questionnaire=questionnaire, number=1
    )
    if created:
        for position, (key, text, kind, (low, high), wellbeing) in enumerate(rows, start=1):
            Question.objects.create(
                version=version,
                position=position,
                key=key,
                text=text,
                kind=kind,
                low_label=low,
                high_label=high,
                measures_wellbeing=wellbeing,
            )
    return version


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _values(rng, questions, lift: int):
    """Synthetic answers: a baseline around the middle, `lift` steps higher at exit."""
    answers = []
    for q in questions:
        if q.kind == K.TEXT:
            continue
        if q.kind == K.YESNO:
            answers.append(Answer(question=q, value=int(rng.random() < 0.4 + 0.15 * lift)))
            continue
        top = q.values[-1]
        middle = (top + 1) // 2 - 1 + lift
        answers.append(Answer(question=q, value=max(1, min(top, middle + rng.randint(-2, 2)))))
    return answers


def seed_questionnaires(*, seed: int) -> dict[str, int]:
    self_rating = _define(
        SELF_RATING, Questionnaire.Audience.PARTICIPANT, SELF_RATING_INTRO, SELF_RATING_QUESTIONS
    )
    partner = _define(PARTNER, Questionnaire.Audience.PARTNER, PARTNER_INTRO, PARTNER_QUESTIONS)
    for team in Team.objects.filter(name__in=QUESTIONNAIRE_TARGET_TEAMS):
        TeamSetting.objects.get_or_create(
            team=team, defaults={"wellbeing_from_questionnaire": True}
        )
    if Response.objects.exists():
        return {"responses": 0}
    rng = random.Random(seed)  # noqa: S311  # synthetic, reproducible demo data
    today = timezone.localdate()
    since = today.replace(year=today.year - RECENT_YEARS)
    self_questions = list(self_rating.questions.all())
    partner_questions = list(partner.questions.all())
    responses, answer_sets = [], []

    def add(response, answers):
        responses.append(response)
        answer_sets.append(answers)

    enrolments = (
        Enrolment.objects.valid()
        .filter(
            start_date__gte=since,
        )
        .exclude(team__kind=Team.Kind.TRIAGE)
        .order_by("-start_date")[:MAX_ENROLMENTS]
    )
    for e in enrolments:
        if rng.random() < 0.2:
            continue  # not everyone answers
        channel = Channel.HANDOVER if rng.random() < 0.6 else Channel.LINK
        add(
            Response(
                version=self_rating,
                team_id=e.team_id,
                enrolment=e,
                occasion=Occasion.START,
                channel=channel,
                year=e.start_date.year,
                submitted_at=_at(e.start_date),
            ),
            _values(rng, self_questions, 0),
        )
        if e.exit_date and rng.random() < 0.85:
            add(
                Response(
                    version=self_rating,
                    team_id=e.team_id,
                    enrolment=e,
                    occasion=Occasion.EXIT,
                    channel=channel,
                    year=e.exit_date.year,
                    submitted_at=_at(e.exit_date),
                ),
                _values(rng, self_questions, rng.choice([0, 1, 1, 2])),
            )
    for team in Team.objects.filter(is_active=True).exclude(kind=Team.Kind.TRIAGE):
        for year in (today.year - 1, today.year):
            last = today if year == today.year else datetime.date(year, 12, 31)
            for _ in range(rng.randint(6, 14)):
                day = datetime.date(year, 1, 1) + datetime.timedelta(
                    days=rng.randint(0, (last - datetime.date(year, 1, 1)).days)
                )
                add(
                    Response(
                        version=partner,
                        team=team,
                        channel=Channel.LINK,
                        year=year,
                        submitted_at=_at(day),
                    ),
                    _values(rng, partner_questions, 1),
                )
    Response.objects.bulk_create(responses)
    for response, answers in zip(responses, answer_sets, strict=True):
        for answer in answers:
            answer.response = response
    Answer.objects.bulk_create([a for answers in answer_sets for a in answers], batch_size=2000)
    return {"responses": len(responses)}
