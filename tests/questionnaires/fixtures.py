"""Questionnaires for tests: one self-rating of each answer scale, and a partners' one."""

from questionnaires.models import Question, Questionnaire, QuestionnaireVersion


def make_questionnaire(name="Självskattning", audience=Questionnaire.Audience.PARTICIPANT):
    questionnaire = Questionnaire.objects.create(
        name=name, audience=audience, intro="Svara på frågorna."
    )
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1)
    rows = [
        ("valmaende", "Hur mår du just nu?", Question.Kind.SCALE10, True),
        ("stod", "Jag får stöd utifrån mina behov.", Question.Kind.LIKERT5, False),
        ("plan", "Har du en plan för vad som händer sedan?", Question.Kind.YESNO, False),
        ("ovrigt", "Vill du säga något mer?", Question.Kind.TEXT, False),
    ]
    for position, (key, text, kind, wellbeing) in enumerate(rows, start=1):
        Question.objects.create(
            version=version,
            position=position,
            key=key,
            text=text,
            kind=kind,
            low_label="Mycket dåligt" if kind == Question.Kind.SCALE10 else "",
            high_label="Mycket bra" if kind == Question.Kind.SCALE10 else "",
            measures_wellbeing=wellbeing,
        )
    return questionnaire


def make_partner_questionnaire():
    return make_questionnaire("Partnerenkät", Questionnaire.Audience.PARTNER)


def answers_for(version, *, wellbeing=5, support=3, plan=1, text=""):
    """Form-free values for the services: {question id: value}."""
    by_key = {q.key: q.pk for q in version.questions.all()}
    return {
        by_key["valmaende"]: wellbeing,
        by_key["stod"]: support,
        by_key["plan"]: plan,
        by_key["ovrigt"]: text,
    }


def post_data(version, **kwargs):
    return {f"q{pk}": ("" if v is None else v) for pk, v in answers_for(version, **kwargs).items()}
