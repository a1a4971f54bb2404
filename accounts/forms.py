import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from accounts.backends import REFUSED_BY_LOGIN_POLICY

CODE_CHARACTERS = re.compile(r"^[0-9a-z]+$")


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or (when logging in) a recovery code."""

    code = forms.CharField(
        label="Kod",
        max_length=32,
        help_text="Sex siffror från appen, eller en av dina reservkoder.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def __init__(self, *args, allow_recovery=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_recovery = allow_recovery
        if not allow_recovery:
            self.fields["code"].help_text = "Sex siffror från appen."
            self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def clean_code(self):
        # People type codes with spaces or hyphens, as apps and our list show them grouped.
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()
        if not CODE_CHARACTERS.match(code):
            raise forms.ValidationError("Koden består bara av siffror och bokstäver.")
        if not self.allow_recovery and not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError("Skriv de sex siffrorna som appen visar.")
        return code


class ActivationCodeForm(forms.Form):
    """The one-time code the unit manager gave the user, needed to register an app."""

    activation_code = forms.CharField(
        label="Aktiveringskod",
        max_length=40,
        help_text="Tolv tecken som du har fått av din enhetschef.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "autocapitalize": "characters"}
        ),
    )


class LoginForm(AuthenticationForm):
    """Django's log-in form with the user name's length checked before authentication. The
    stock form only puts `maxlength` in the HTML, so a longer name reached the lock-out's
    record of failed log-ins (a 255-character column): a 500 on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(
            MaxLengthValidator(
                field.max_length, message="Användarnamnet får vara högst %(limit_value)s tecken."
            )
        )

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, REFUSED_BY_LOGIN_POLICY, False):
                raise forms.ValidationError(
                    "Inloggning med lösenord är avstängd för ditt konto. Logga in med "
                    "kommunens identitetstjänst.",
                    code="password_login_off",
                ) from None
            raise
