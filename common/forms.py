"""Form helpers shared by every app's views."""

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


def with_blank(choices, label: str = "Välj …") -> list:
    """A required choice's options with an empty first one, so that nothing is chosen for the
    user: a form saved without reading it is refused ("Fältet måste fyllas i") instead of
    recording the first option."""
    return [("", label), *choices]


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
