from django import forms

from rehab import personnummer


class PersonnummerSearchForm(forms.Form):
    """Posted, never sent in a URL."""

    personnummer = forms.CharField(
        label="Personnummer", max_length=20, help_text="ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."
    )

    def clean_personnummer(self):
        try:
            return personnummer.normalise(self.cleaned_data["personnummer"])
        except personnummer.PersonnummerError as error:
            raise forms.ValidationError(str(error)) from None


class ReviewFilterForm(forms.Form):
    user = forms.TypedChoiceField(label="Användare", required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label="Från och med", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Till och med", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ej_tilldelad = forms.BooleanField(
        label="Bara läsningar av deltagare som användaren inte är tilldelad", required=False
    )
    nekade = forms.BooleanField(label="Bara nekade försök", required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Alla användare")] + [
            (u.pk, f"{u.get_full_name() or u.username} ({u.username})") for u in users
        ]
        for name in ("user", "date_from", "date_to"):
            css = "form-select" if name == "user" else "form-control"
            self.fields[name].widget.attrs["class"] = css
        for name in ("ej_tilldelad", "nekade"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Slutdatumet kan inte ligga före startdatumet.")
        return data


class PurgeStartForm(forms.Form):
    """The confirmation of a purge started from the page: it cannot be undone."""

    as_of = forms.DateField(widget=forms.HiddenInput)
    understood = forms.BooleanField(
        label="Jag förstår att det som gallras tas bort för gott och inte kan återställas.",
        error_messages={"required": "Kryssa i rutan för att bekräfta gallringen."},
    )
