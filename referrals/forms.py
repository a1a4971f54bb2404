from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.forms import BLANK_LABEL, SwedishBlanks, with_blank
from referrals.models import Referral
from referrals.services import CONSENT_AGENCIES
from rehab import policy
from rehab.models import Referrer, Team

Status = Referral.Status

# The empty option of a question that may be left unanswered.
NOT_STATED = "Ej angivet"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DateInput(), initial=timezone.localdate, **kwargs)


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError("Datumet kan inte ligga i framtiden.")
    return value


class TeamChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", BLANK_LABEL)
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return obj.name


class ReferralForm(SwedishBlanks, forms.Form):
    team = TeamChoiceField(label="Mottagande team", queryset=Team.objects.none())
    source = forms.ChoiceField(label="Remittent", choices=with_blank(Referrer.choices))
    case_officer_name = forms.CharField(label="Handläggarens namn", max_length=200, required=False)
    case_officer_agency = forms.CharField(
        label="Handläggarens myndighet/enhet", max_length=100, required=False
    )
    case_officer_phone = forms.CharField(
        label="Handläggarens telefon", max_length=40, required=False
    )
    case_officer_email = forms.EmailField(label="Handläggarens e-post", required=False)
    need = forms.CharField(
        label="Behov",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Vad remittenten beskriver att personen behöver stöd med.",
    )
    received_date = _date_field("Mottagen")
    channel = forms.ChoiceField(
        label="Inkom via",
        choices=Referral.Channel.choices,
        initial=Referral.Channel.TELEFON,
        help_text="Hur remissen kom in till teamet.",
    )
    diary_number = forms.CharField(
        label="Diarienummer (valfritt)",
        max_length=policy.DIARY_NUMBER,
        required=False,
        help_text="Ärendets nummer i diariet, unikt inom förbundet. Inget personnummer.",
    )
    work_within_two_years = forms.ChoiceField(
        label="Kan personen nå arbete inom två år?",
        choices=with_blank(Referral.WorkWithinTwoYears.choices, NOT_STATED),
        required=False,
        help_text="Remittentens bedömning.",
    )
    declared_motivated = forms.ChoiceField(
        label="Har deltagaren uppgett sig vara motiverad?",
        choices=with_blank(Referral.Motivated.choices, NOT_STATED),
        required=False,
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk

    def clean_received_date(self):
        return _not_in_future(self.cleaned_data["received_date"])

    def clean_diary_number(self):
        return self.cleaned_data["diary_number"].strip()


class IntroForm(forms.Form):
    """The introductory conversation of an En väg in referral (SPEC §13 rule 4)."""

    intro_date = _date_field("Datum för samtalet")
    with_participant = forms.BooleanField(label="Deltagaren", required=False)
    with_referrer = forms.BooleanField(label="Remittenten", required=False)
    with_staff = forms.BooleanField(label="Förbundets personal", required=False)

    def clean_intro_date(self):
        return _not_in_future(self.cleaned_data["intro_date"])

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("with_participant", "with_referrer", "with_staff")):
            self.add_error("with_participant", "Ange vilka som deltog i samtalet.")
        return data


TRANSITION_LABELS = {
    Status.ASSESSING: "Ta upp för bedömning",
    Status.ACCEPTED: "Anta remissen",
    Status.QUEUED: "Sätt i kö",
    Status.DECLINED: "Avböj remissen",
    Status.REDIRECTED: "Hänvisa vidare",
    Status.WITHDRAWN: "Återkalla remissen",
}

# Actions that end the referral: the user confirms them on a page of their own.
CONFIRM_FIRST = {Status.DECLINED, Status.REDIRECTED, Status.WITHDRAWN}


class TransitionForm(SwedishBlanks, forms.Form):
    date = _date_field("Datum")

    def __init__(self, *args, to_status, redirect_teams=None, **kwargs):
        kwargs.setdefault("prefix", to_status)
        super().__init__(*args, **kwargs)
        self.to_status = to_status
        if to_status == Status.DECLINED:
            self.fields["reason"] = forms.CharField(
                label="Skäl till avböjandet",
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Skälet sparas i remissens historik.",
            )
        elif to_status == Status.WITHDRAWN:
            self.fields["reason"] = forms.CharField(
                label="Kommentar (valfri)",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
        elif to_status == Status.REDIRECTED:
            self.fields["redirect_team"] = TeamChoiceField(
                label="Team eller metod i förbundet",
                queryset=redirect_teams if redirect_teams is not None else Team.objects.none(),
                required=False,
                empty_label="– välj team –",
            )
            self.fields["redirected_to"] = forms.CharField(
                label="Eller annan mottagare",
                max_length=200,
                required=False,
                help_text="Till exempel en annan insats, vårdcentralen eller Arbetsförmedlingen.",
            )
            self.fields["reason"] = forms.CharField(
                label="Kommentar (valfri)",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )

    @property
    def label(self):
        return TRANSITION_LABELS[self.to_status]

    def clean_date(self):
        return _not_in_future(self.cleaned_data["date"])

    def clean(self):
        data = super().clean()
        if self.to_status == Status.REDIRECTED:
            team = data.get("redirect_team")
            text = (data.get("redirected_to") or "").strip()
            if team and text:
                raise ValidationError("Välj ett team eller skriv en annan mottagare, inte båda.")
            if not team and not text:
                raise ValidationError(
                    "Välj vilket team remissen hänvisas till eller skriv en annan mottagare."
                )
            data["redirected_to"] = team.name if team else text
        return data


class AssignForm(forms.Form):
    team = TeamChoiceField(label="Metod", queryset=Team.objects.none(), empty_label="– välj –")

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = methods


class ReferralFilterForm(forms.Form):
    q = forms.CharField(
        label="Sök handläggare, behov eller diarienummer", required=False, max_length=100
    )
    status = forms.ChoiceField(
        label="Status", choices=[("", "Alla"), *Status.choices], required=False
    )
    source = forms.ChoiceField(
        label="Remittent", choices=[("", "Alla"), *Referrer.choices], required=False
    )
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False, empty_value=None)
    sort = forms.ChoiceField(
        label="Sortering",
        choices=[("-received", "Senast mottagen först"), ("received", "Äldst först")],
        required=False,
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Alla mina team")] + [(t.pk, t.name) for t in teams]
        # The filter row is laid out by hand in the template, so the widgets carry the classes.
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"


class ConsultationForm(SwedishBlanks, forms.Form):
    team = TeamChoiceField(label="Team", queryset=Team.objects.none())
    date = _date_field("Datum")
    agency = forms.ChoiceField(label="Myndighet som frågar", choices=with_blank(Referrer.choices))
    topic = forms.CharField(
        label="Ämne",
        max_length=300,
        help_text="Skriv inga personuppgifter – en konsultation räknas, den är aldrig personlig.",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk

    def clean_date(self):
        return _not_in_future(self.cleaned_data["date"])


class ConsentForm(forms.Form):
    agencies = forms.MultipleChoiceField(
        label="Myndigheter som får dela uppgifter",
        choices=[(a.value, a.label) for a in CONSENT_AGENCIES],
        widget=forms.CheckboxSelectMultiple,
    )
    scope = forms.CharField(
        label="Omfattning",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Vilka uppgifter samtycket gäller.",
    )
    given_date = _date_field("Lämnat")

    def clean_given_date(self):
        return _not_in_future(self.cleaned_data["given_date"])
