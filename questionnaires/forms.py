"""Forms: the questionnaire itself (built from a version's questions), and the case worker's
choices around it."""

from django import forms

from common.forms import with_blank
from questionnaires.models import Occasion, Question
from questionnaires.services import MAX_PARTNER_LINKS, TEXT_MAX

YES_NO = [("1", "Ja"), ("0", "Nej")]


def _scale_choices(question: Question) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in question.values]


class AnswerForm(forms.Form):
    """One field per question: radio buttons for a scale or yes/no (large touch targets in the
    template), a text area for free text."""

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(version.questions.all())
        for q in self.questions:
            name = f"q{q.pk}"
            if q.kind == Question.Kind.TEXT:
                self.fields[name] = forms.CharField(
                    label=q.text,
                    required=False,
                    max_length=TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text="Du behöver inte skriva något här.",
                )
            else:
                choices = YES_NO if q.kind == Question.Kind.YESNO else _scale_choices(q)
                self.fields[name] = forms.ChoiceField(
                    label=q.text,
                    choices=choices,
                    widget=forms.RadioSelect,
                    error_messages={"required": "Välj ett svar på frågan."},
                )
            self.fields[name].question = q

    def values(self) -> dict[int, object]:
        return {f.question.pk: self.cleaned_data.get(name) for name, f in self.fields.items()}

    def question_fields(self):
        return [(self[name], f.question) for name, f in self.fields.items()]


class StartForm(forms.Form):
    """Which questionnaire, and at which point of the enrolment."""

    questionnaire = forms.ChoiceField(label="Enkät")
    occasion = forms.ChoiceField(label="När", choices=with_blank(Occasion.choices))

    def __init__(self, *args, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].choices = with_blank([(q.pk, q.name) for q in questionnaires])
        self._questionnaires = {str(q.pk): q for q in questionnaires}

    def clean_questionnaire(self):
        return self._questionnaires[self.cleaned_data["questionnaire"]]


class PartnerLinksForm(forms.Form):
    questionnaire = forms.ChoiceField(label="Enkät")
    count = forms.IntegerField(
        label="Antal länkar",
        min_value=1,
        max_value=MAX_PARTNER_LINKS,
        initial=5,
        error_messages={
            "min_value": "Skapa minst en länk.",
            "max_value": f"Skapa högst {MAX_PARTNER_LINKS} länkar åt gången.",
            "invalid": "Skriv ett heltal.",
        },
    )

    def __init__(self, *args, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].choices = with_blank([(q.pk, q.name) for q in questionnaires])
        self._questionnaires = {str(q.pk): q for q in questionnaires}

    def clean_questionnaire(self):
        return self._questionnaires[self.cleaned_data["questionnaire"]]


class LeaveForm(forms.Form):
    password = forms.CharField(
        label="Handledarens lösenord",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Skriv lösenordet."},
    )


class TeamSettingForm(forms.Form):
    wellbeing_from_questionnaire = forms.BooleanField(
        label="Räkna målet ökat välmående från enkätsvaren (start mot avslut)", required=False
    )


class ResultsForm(forms.Form):
    scope = forms.ChoiceField(label="Team")
    questionnaire = forms.ChoiceField(label="Enkät")
    date_from = forms.DateField(
        label="Från",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Skriv datumet som ÅÅÅÅ-MM-DD."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label="Till",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Skriv datumet som ÅÅÅÅ-MM-DD."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, scopes, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(s.key, s.label) for s in scopes]
        self.fields["questionnaire"].choices = [(q.pk, q.name) for q in questionnaires]
        self._scopes = {s.key: s for s in scopes}
        self._questionnaires = {str(q.pk): q for q in questionnaires}

    def clean_scope(self):
        return self._scopes[self.cleaned_data["scope"]]

    def clean_questionnaire(self):
        return self._questionnaires[self.cleaned_data["questionnaire"]]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Slutdatumet ligger före startdatumet.")
        return data
