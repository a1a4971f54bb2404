from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from common.forms import SwedishBlanks, limit_lengths, with_blank
from common.widgets import LeanCheckboxInput, LeanSelect
from rehab import policy
from rehab.models import (
    Agency,
    Deviation,
    Enrolment,
    ExitFollowUp,
    ExitOutcome,
    Gender,
    Goal,
    GroupActivity,
    IncomeSource,
    JournalNote,
    Kommun,
    Occupation,
    Participant,
    Referrer,
)
from rehab.services import (
    ENROLMENT_FIELDS,
    ENROLMENT_TEXT_LIMITS,
    PARTICIPANT_FIELDS,
    PARTICIPANT_TEXT_LIMITS,
    Discussed,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(label="Sök på namn eller personnummer", required=False, max_length=100)


class CaseloadFilterForm(forms.Form):
    STATUS_CHOICES = [("active", "Pågående"), ("exited", "Avslutade"), ("all", "Alla")]
    # The keys of casework.selectors.caseload_ordering; the column headers link to them too.
    SORT_CHOICES = [
        ("name", "Namn A–Ö"),
        ("-name", "Namn Ö–A"),
        ("team", "Team A–Ö"),
        ("-team", "Team Ö–A"),
        ("module", "Modul A–Ö"),
        ("-module", "Modul Ö–A"),
        ("review", "Nästa utvärdering, tidigast först"),
        ("-review", "Nästa utvärdering, senast först"),
        ("-start", "Senast inskrivna först"),
        ("start", "Äldst inskrivna först"),
        ("status", "Status, pågående först"),
        ("-status", "Status, avslutade först"),
    ]
    # Lean widgets: this form is rendered on every caseload request (common/widgets.py).
    # The team is a plain choice among the Team objects given (casework.selectors.
    # caseload_choices reads them with the modules in one query): a ModelChoiceField would
    # read its queryset again to render the options and once more to validate the choice.
    team = forms.ChoiceField(label="Team", required=False, widget=LeanSelect)
    module = forms.ChoiceField(label="Modul", required=False, widget=LeanSelect)
    status = forms.ChoiceField(
        label="Status", choices=STATUS_CHOICES, required=False, widget=LeanSelect
    )
    mine = forms.BooleanField(
        label="Bara där jag är ansvarig", required=False, widget=LeanCheckboxInput
    )
    sort = forms.ChoiceField(
        label="Sortering", choices=SORT_CHOICES, required=False, widget=LeanSelect
    )

    def __init__(self, *args, teams, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self._teams = {str(t.pk): t for t in teams}
        self.fields["team"].choices = [("", "Alla mina team")] + [
            (value, str(t)) for value, t in self._teams.items()
        ]
        self.fields["module"].choices = [("", "Alla moduler")] + [
            (str(m.pk), f"{m.name} ({m.team.name})") for m in modules
        ]
        for name, field in self.fields.items():
            css = "form-check-input" if name == "mine" else "form-select"
            field.widget.attrs["class"] = css

    def clean_team(self):
        """The chosen team as its object (None for all the user's teams)."""
        return self._teams.get(self.cleaned_data["team"])


class GroupedKommunIterator(forms.models.ModelChoiceIterator):
    """The kommuner the user's teams serve first, in their own group, then all the others:
    the 290 are alphabetical, and the few a team works with are the ones it looks for."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        kommuner = list(self.queryset)
        home = self.field.home_ids
        if not home:
            yield from (self.choice(k) for k in kommuner)
            return
        yield (KommunChoiceField.HOME, [self.choice(k) for k in kommuner if k.pk in home])
        yield (KommunChoiceField.OTHERS, [self.choice(k) for k in kommuner if k.pk not in home])

    def __len__(self):
        return self.queryset.count() + (1 if self.field.empty_label is not None else 0)


class KommunChoiceField(forms.ModelChoiceField):
    HOME = "Teamets kommuner"
    OTHERS = "Övriga kommuner"
    iterator = GroupedKommunIterator

    def __init__(self, **kwargs):
        super().__init__(queryset=Kommun.objects.order_by("name"), label="Kommun", **kwargs)
        self.home_ids: set[int] = set()


def _home_kommuner(form, home_kommuner) -> None:
    """Put the given kommuner (the user's teams' own) first in the form's kommun list."""
    if home_kommuner is not None:
        form.fields["kommun"].home_ids = set(home_kommuner.values_list("pk", flat=True))


class ParticipantForm(SwedishBlanks, forms.ModelForm):
    personnummer = forms.CharField(
        label="Personnummer",
        max_length=20,
        help_text="ÅÅÅÅMMDD-NNNN, ÅÅMMDD-NNNN eller ÅÅMMDD+NNNN (100 år eller äldre). "
        "Samordningsnummer går också bra.",
    )
    kommun = KommunChoiceField()

    class Meta:
        model = Participant
        fields = PARTICIPANT_FIELDS
        help_texts = {
            "protected_identity": "Adressen visas aldrig och deltagaren syns inte i andra "
            "teams sökningar.",
        }

    field_order = ["personnummer"]

    def __init__(self, *args, with_personnummer=True, home_kommuner=None, **kwargs):
        super().__init__(*args, **kwargs)
        _home_kommuner(self, home_kommuner)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        limit_lengths(self, {name: limit for name, (_, limit) in PARTICIPANT_TEXT_LIMITS.items()})
        if not with_personnummer:
            del self.fields["personnummer"]

    def clean(self):
        data = super().clean()
        if data.get("interpreter_needed") and not data.get("interpreter_language"):
            self.add_error("interpreter_language", "Ange vilket språk tolken ska tala.")
        return data


class AnonymousParticipantForm(SwedishBlanks, forms.Form):
    birth_year = forms.IntegerField(label="Födelseår", min_value=1900, max_value=2100)
    gender = forms.ChoiceField(label="Kön", choices=with_blank(Gender.choices))
    kommun = KommunChoiceField()

    def __init__(self, *args, home_kommuner=None, **kwargs):
        super().__init__(*args, **kwargs)
        _home_kommuner(self, home_kommuner)


class EnrolmentForm(SwedishBlanks, forms.ModelForm):
    income_start = forms.MultipleChoiceField(
        label="Försörjning vid start",
        choices=IncomeSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agencies = forms.MultipleChoiceField(
        label="Involverade myndigheter",
        choices=Agency.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["team", "start_date", "referrer", "responsible"]

    class Meta:
        model = Enrolment
        # income_start is a declared field: the model stores the set as bits.
        fields = ["team", "start_date", *(f for f in ENROLMENT_FIELDS if f != "phase")]
        widgets = {"start_date": DateInput(), "first_followup_date": DateInput()}

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        if "team" in self.fields:
            self.fields["team"].queryset = teams
            self.fields["team"].empty_label = None
        self.fields["referrer"].choices = with_blank(Referrer.choices)
        self.fields["responsible"].required = True
        self.fields["responsible"].error_messages["required"] = "Välj ansvarig handledare."
        if "start_date" in self.fields:
            self.fields["start_date"].validators.append(policy.event_date_validator("Startdatum"))
        self.fields["first_followup_date"].validators.append(
            policy.planned_date_validator("Första uppföljningen")
        )
        limit_lengths(self, {name: limit for name, (_, limit) in ENROLMENT_TEXT_LIMITS.items()})
        self.fields["responsible"].queryset = (
            get_user_model()
            .objects.filter(memberships__team__in=teams, is_active=True)
            .distinct()
            .order_by("first_name", "last_name")
        )
        self.fields["responsible"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["wellbeing_start"].widget.attrs.update(min=1, max=10)
        self.fields["occupation_start_share"].widget.attrs.update(min=0, max=100)

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start and (start - timezone.localdate()).days > 366:
            raise forms.ValidationError("Startdatum kan ligga högst ett år fram i tiden.")
        return start

    def clean_wellbeing_start(self):
        return _wellbeing(self.cleaned_data.get("wellbeing_start"))

    def clean_occupation_start_share(self):
        return _share(self.cleaned_data.get("occupation_start_share"))

    def clean(self):
        data = super().clean()
        if (
            data.get("occupation_start") == Occupation.ARBETE
            and data.get("occupation_start_share") is None
        ):
            self.add_error("occupation_start_share", "Ange andel av heltid för förvärvsarbete.")
        return data


class EnrolmentUpdateForm(EnrolmentForm):
    class Meta(EnrolmentForm.Meta):
        fields = [f for f in EnrolmentForm.Meta.fields if f not in ("team", "start_date")]
        fields.append("phase")


def _wellbeing(value):
    if value is not None and not 1 <= value <= 10:
        raise forms.ValidationError("Välmående skattas från 1 till 10.")
    return value


def _share(value):
    if value is not None and not 0 <= value <= 100:
        raise forms.ValidationError("Ange en andel mellan 0 och 100 procent.")
    return value


class ExitEvaluationForm(forms.Form):
    """SPEC §13 rule 9: the evaluation meeting before the exit, one outcome per goal."""

    held_date = forms.DateField(label="Mötet hölls", widget=DateInput())
    with_participant = forms.BooleanField(label="Deltagaren var med", required=False)
    with_case_officer = forms.BooleanField(
        label="Remitterande handläggare var med", required=False
    )
    with_handledare = forms.BooleanField(label="Ansvarig handledare var med", required=False)
    note = forms.CharField(
        label="Anteckning",
        required=False,
        max_length=policy.NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, goals, evaluation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        if evaluation is not None:
            for name in ("held_date", "with_participant", "with_case_officer", "with_handledare"):
                self.fields[name].initial = getattr(evaluation, name)
            self.fields["note"].initial = evaluation.note
        else:
            self.fields["held_date"].initial = timezone.localdate()
            for name in ("with_participant", "with_case_officer", "with_handledare"):
                self.fields[name].initial = True
        outcomes = [(s.value, s.label) for s in Goal.OUTCOMES]
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=f"{'Delmål' if goal.parent_id else 'Mål'}: {goal.text}",
                choices=outcomes,
                widget=forms.RadioSelect,
                initial=goal.status if goal.status in Goal.OUTCOMES else None,
                error_messages={"required": "Ange hur det gick för målet."},
            )

    def outcomes(self) -> dict:
        return {g.pk: self.cleaned_data.get(f"goal_{g.pk}") for g in self.goals}


class ExitForm(forms.Form):
    exit_date = forms.DateField(label="Avslutsdatum", widget=DateInput())
    outcome = forms.ChoiceField(label="Avslutsorsak", choices=with_blank(ExitOutcome.choices))
    income_exit = forms.MultipleChoiceField(
        label="Försörjning efter avslut",
        choices=IncomeSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    occupation_exit = forms.ChoiceField(
        label="Sysselsättning efter avslut", choices=with_blank(Occupation.choices)
    )
    occupation_exit_share = forms.IntegerField(
        label="Andel av heltid (%)", required=False, min_value=0, max_value=100
    )
    wellbeing_exit = forms.IntegerField(
        label="Självskattat välmående vid avslut (1–10)",
        required=False,
        min_value=1,
        max_value=10,
    )
    exit_conversation_held = forms.TypedChoiceField(
        label="Avslutningssamtal hållet",
        choices=[("true", "Ja"), ("false", "Nej")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    exit_plan = forms.CharField(
        label="Handlingsplan för vad som händer sedan",
        required=False,
        max_length=policy.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Krävs när avslutet inte leder till arbete eller studier.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("occupation_exit") == Occupation.ARBETE
            and data.get("occupation_exit_share") is None
        ):
            self.add_error("occupation_exit_share", "Ange andel av heltid för förvärvsarbete.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Skäl", widget=forms.Textarea(attrs={"rows": 3}), max_length=policy.REASON
    )


class GoalForm(SwedishBlanks, forms.Form):
    text = forms.CharField(label="Mål", max_length=300)
    parent = forms.ModelChoiceField(
        label="Delmål till",
        queryset=Goal.objects.none(),
        required=False,
        empty_label="(eget mål)",
    )

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = enrolment.goals.filter(parent__isnull=True)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Goal.Status.choices)


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label="Fas", choices=Enrolment.Phase.choices)


class NoteForm(SwedishBlanks, forms.ModelForm):
    class Meta:
        model = JournalNote
        fields = ["date", "kind", "text"]
        widgets = {"date": DateInput(), "text": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most notes are written the day they happen (Europe/Stockholm, as the other forms).
        self.fields["date"].initial = timezone.localdate
        self.fields["date"].validators.append(policy.event_date_validator("Datumet"))
        limit_lengths(self, {"text": policy.NOTE})


class DeviationForm(SwedishBlanks, forms.ModelForm):
    class Meta:
        model = Deviation
        fields = ["occurred_at", "description", "reported_at", "reported_to"]
        widgets = {
            "occurred_at": DateTimeInput(),
            "reported_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "reported_at": "Avvikelser rapporteras till ordinarie handläggare samma dag. "
            "Lämna tomt om den ännu inte är rapporterad.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, {"description": policy.DESCRIPTION, "reported_to": policy.SHORT})


class ExitFollowUpForm(forms.Form):
    months_after = forms.TypedChoiceField(
        label="Uppföljning efter", choices=with_blank(ExitFollowUp.After.choices), coerce=int
    )
    date = forms.DateField(label="Datum", widget=DateInput())
    occupation = forms.ChoiceField(label="Sysselsättning", choices=with_blank(Occupation.choices))
    income = forms.MultipleChoiceField(
        label="Försörjning",
        choices=IncomeSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ActivityForm(SwedishBlanks, forms.ModelForm):
    class Meta:
        model = GroupActivity
        fields = ["date", "title", "kind"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].validators.append(policy.planned_date_validator("Datumet"))
        limit_lengths(self, {"title": policy.NAME})


# --- Case meetings (SPEC §13 rule 11) -------------------------------------------------------


class CaseMeetingForm(forms.Form):
    date = forms.DateField(label="Datum", widget=DateInput())
    agencies = forms.MultipleChoiceField(
        label="Myndigheter som var med",
        choices=Agency.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="Anteckning om mötet",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Skriv inte deltagarnas namn här; anteckningar om en deltagare skrivs vid "
        "deltagaren nedan.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate
        limit_lengths(self, {"note": policy.DESCRIPTION})


class CaseMeetingItemForm(forms.Form):
    """One participant discussed: a row of the meeting form. A row left empty is skipped."""

    enrolment = forms.TypedChoiceField(label="Deltagare", coerce=int, required=False)
    note = forms.CharField(label="Anteckning om deltagaren", required=False)

    def __init__(self, *args, enrolments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].choices = with_blank(
            [(e.pk, str(e.participant)) for e in enrolments], "Välj deltagare …"
        )
        limit_lengths(self, {"note": policy.REASON})

    def clean(self):
        data = super().clean()
        if data.get("note") and not data.get("enrolment"):
            self.add_error("enrolment", "Välj vilken deltagare anteckningen gäller.")
        return data


class BaseCaseMeetingItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, enrolments=(), **kwargs):
        self.enrolments = list(enrolments)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "enrolments": self.enrolments}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            enrolments=self.enrolments,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def discussed(self) -> list:
        """The rows filled in, as the service takes them."""
        return [
            Discussed(f.cleaned_data["enrolment"], f.cleaned_data.get("note", ""))
            for f in self.forms
            if f.cleaned_data.get("enrolment")
        ]


def case_meeting_items_formset(extra: int):
    """The rows of participants discussed, with `extra` empty rows after the given ones."""
    return forms.formset_factory(
        CaseMeetingItemForm, formset=BaseCaseMeetingItemFormSet, extra=extra, max_num=100
    )
