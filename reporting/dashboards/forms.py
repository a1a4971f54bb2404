from django import forms


class DashboardForm(forms.Form):
    """Which teams and which year. Both have defaults: the first scope and this year."""

    scope = forms.ChoiceField(
        label="Team",
        error_messages={"invalid_choice": "Välj ett av teamen i listan."},
    )
    ar = forms.IntegerField(
        label="År",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Ange året med fyra siffror, till exempel 2024.",
            "required": "Ange vilket år du vill se.",
        },
    )

    def __init__(self, *args, scopes, this_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {scope.key: scope for scope in scopes}
        self.this_year = this_year
        self.fields["scope"].choices = [(scope.key, scope.label) for scope in scopes]

    def clean_ar(self):
        year = self.cleaned_data["ar"]
        if year < 2000:
            raise forms.ValidationError("Året kan inte vara före 2000.")
        if year > self.this_year:
            raise forms.ValidationError(f"Året kan inte ligga efter {self.this_year}.")
        return year

    @property
    def selected_scope(self):
        return self.scopes[self.cleaned_data["scope"]]
