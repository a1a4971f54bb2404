"""Forms for placements, reviews, approvals, follow-ups, waiting lists and the deadline list.

Forms validate input only; the rules (capacity, frame, extensions) are checked by the
services, whose ValidationErrors the views put back on the form."""

from django import forms
from django.utils import timezone

from modules.models import Review, TriageContact
from modules.selectors import KIND_LABELS, STATUS_LABELS
from rehab.policy import PLACEMENT_AHEAD, planned_date_validator

DATE_HELP = "Datum som ÅÅÅÅ-MM-DD."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, *, required=True, help_text=DATE_HELP, validators=()):
    return forms.DateField(
        label=label,
        required=required,
        validators=list(validators),
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text=help_text,
        error_messages={"invalid": "Ange ett giltigt datum (ÅÅÅÅ-MM-DD)."},
    )


class ModuleChoiceField(forms.ModelChoiceField):
    """Modules with their occupancy, so that a full module is visible before choosing."""

    def label_from_instance(self, obj):
        occupied = getattr(obj, "occupied", None)
        if obj.capacity is None or occupied is None:
            return obj.name
        return f"{obj.name} ({occupied} av {obj.capacity} platser upptagna)"


def _module_field(queryset, *, label="Modul", required=True):
    return ModuleChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="Välj modul",
        error_messages={
            "required": "Välj en modul.",
            "invalid_choice": "Välj en av teamets moduler.",
        },
    )


class PlacementForm(forms.Form):
    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"] = _module_field(modules)
        self.fields["start_date"] = date_field(
            "Startdatum",
            validators=[planned_date_validator("Startdatum", ahead_days=PLACEMENT_AHEAD)],
        )
        self.fields["start_date"].initial = timezone.localdate()


class PlacementEndForm(forms.Form):
    end_date = date_field("Slutdatum")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()


class ReviewBookForm(forms.Form):
    planned_date = date_field(
        "Datum för trepartsmötet",
        validators=[planned_date_validator("Datum för trepartsmötet")],
    )


class ReviewRecordForm(forms.Form):
    held_date = date_field("Mötet hölls")
    attended_participant = forms.BooleanField(label="Deltagaren närvarade", required=False)
    attended_case_officer = forms.BooleanField(
        label="Ordinarie handläggare närvarade", required=False
    )
    attended_staff = forms.BooleanField(label="Modulpersonal närvarade", required=False)
    goals_evaluated = forms.CharField(
        label="Utvärderade mål",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Vilka mål som följdes upp och hur det har gått.",
    )
    decision = forms.ChoiceField(
        label="Beslut",
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Välj ett beslut."},
    )

    def __init__(self, *args, modules, initial_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_date"].initial = initial_date or timezone.localdate()
        self.fields["target_module"] = _module_field(
            modules, label="Ny modul (vid byte av modul)", required=False
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Review.Decision.MOVE and not cleaned.get("target_module"):
            self.add_error("target_module", "Välj vilken modul deltagaren ska byta till.")
        return cleaned


class ApprovalRequestForm(forms.Form):
    requested_date = date_field("Begäran skickad")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_date"].initial = timezone.localdate()


class ApprovalDecideForm(forms.Form):
    APPROVE = "approve"
    DECLINE = "decline"

    decision = forms.ChoiceField(
        label="Ledningsgruppens beslut",
        choices=[(APPROVE, "Godkänt"), (DECLINE, "Avslaget")],
        widget=forms.RadioSelect,
        error_messages={"required": "Välj godkänt eller avslaget."},
    )
    decided_date = date_field("Beslutsdatum")
    approved_until = date_field(
        "Godkänt till och med",
        required=False,
        help_text="Krävs när beslutet är godkänt. Datum som ÅÅÅÅ-MM-DD.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_date"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        missing = not cleaned.get("approved_until") and "approved_until" not in self.errors
        if cleaned.get("decision") == self.APPROVE and missing:
            self.add_error("approved_until", "Ange till och med vilket datum beslutet gäller.")
        return cleaned


class FollowUpForm(forms.Form):
    held_date = date_field("Mötet hölls")
    with_participant = forms.BooleanField(label="Deltagaren var med", required=False, initial=True)
    with_case_officer = forms.BooleanField(label="Ordinarie handläggare var med", required=False)
    with_staff = forms.BooleanField(label="Teamets personal var med", required=False, initial=True)
    steps_discussed = forms.CharField(
        label="Stegförflyttning som diskuterades",
        required=False,
        max_length=2000,
        help_text="T.ex. från kartläggning till arbetsträning, eller vad som hindrar nästa steg.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label="Anteckning",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_date"].initial = timezone.localdate()


class TriageContactForm(forms.Form):
    contacted_date = date_field("Kontaktad")
    channel = forms.ChoiceField(
        label="Hur", choices=[("", "Välj …"), *TriageContact.Channel.choices]
    )
    note = forms.CharField(
        label="Anteckning",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_date"].initial = timezone.localdate()


class WaitingListForm(forms.Form):
    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"] = _module_field(modules)


class DeadlineFilterForm(forms.Form):
    """The deadline list's search and filters (GET)."""

    q = forms.CharField(label="Sök deltagare", required=False, max_length=100)
    team = forms.ModelChoiceField(
        label="Team", queryset=None, required=False, empty_label="Alla mina team"
    )
    kind = forms.ChoiceField(
        label="Typ av frist", required=False, choices=[("", "Alla"), *KIND_LABELS.items()]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Alla"), *STATUS_LABELS.items()]
    )
    mine = forms.BooleanField(
        label="Bara mina deltagare och de som saknar ansvarig handledare", required=False
    )
    within = forms.IntegerField(
        label="Dagar framåt",
        required=False,
        min_value=0,
        max_value=366,
        initial=30,
        error_messages={
            "invalid": "Ange ett heltal.",
            "min_value": "Ange 0 eller fler dagar.",
            "max_value": "Ange högst 366 dagar.",
        },
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].error_messages["invalid_choice"] = "Välj ett av dina team."
