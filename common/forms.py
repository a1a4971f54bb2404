"""Form helpers shared by every app's views."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator


def apply_errors(form, error: ValidationError):
    """Put a service's ValidationError on the form: on the field it names when the form has
    that field, otherwise above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# The empty choice of a list, in Swedish; Django's own is "---------".
BLANK_LABEL = "Välj …"
DJANGO_BLANK = "---------"


def with_blank(choices, label: str = BLANK_LABEL) -> list:
    """A required choice's options with an empty first one, so that nothing is chosen for the
    user: a form saved without reading it is refused ("Fältet måste fyllas i") instead of
    recording the first option."""
    return [("", label), *choices]


def swedish_blanks(form) -> None:
    """Give each of the form's lists that Django gave the empty choice "---------" the
    Swedish "Välj …" instead: a ModelChoiceField's empty_label, and the first choice of a
    list made from a model field's choices. A list whose empty choice says what it means
    ("Alla mina team") is left as it is."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == DJANGO_BLANK:
                field.empty_label = BLANK_LABEL
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)
            if choices and choices[0] == ("", DJANGO_BLANK):
                field.choices = with_blank(choices[1:])


class SwedishBlanks:
    """Mix into a form (before forms.Form or forms.ModelForm) to apply `swedish_blanks` to
    it; subclasses' own changes after super().__init__() still win."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        swedish_blanks(self)


def limit_lengths(form, limits: dict) -> None:
    """Give the form's text fields the policy's maximum lengths: the browser stops typing at
    the limit and the form refuses a longer value with Django's message on the field."""
    for name, max_length in limits.items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.max_length = max_length
        limit = f"{max_length:,}".replace(",", " ")
        message = f"Texten får vara högst {limit} tecken; den har %(show_value)s."
        field.validators.append(MaxLengthValidator(max_length, message=message))
        field.widget.attrs["maxlength"] = str(max_length)
