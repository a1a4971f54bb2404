"""Money and shares the Swedish way, in pages and in the PDF alike."""

from django import template

from common.cells import format_kronor, format_percent

register = template.Library()


@register.filter
def kronor(value):
    """1 500 000 kr; 1 234,50 kr; −12 000 kr; empty for None; "<5"/"–" as they are."""
    return format_kronor(value)


@register.filter
def procent(value):
    """78,9 %; empty for None."""
    return format_percent(value)


@register.filter
def amount_input(field, size=""):
    """An amount's input with Bootstrap's classes, marked invalid where it has errors and
    then described by its message (the element `<auto_id>_error` beside it)."""
    classes = "form-control text-end"
    if size:
        classes += f" form-control-{size}"
    attrs = {}
    if field.errors:
        classes += " is-invalid"
        attrs = {"aria-invalid": "true", "aria-describedby": f"{field.auto_id}_error"}
    return field.as_widget(attrs={"class": classes, **attrs})


@register.filter
def text_input(field):
    """A text input with Bootstrap's class, marked invalid where it has errors."""
    if not field.errors:
        return field.as_widget(attrs={"class": "form-control"})
    return field.as_widget(
        attrs={
            "class": "form-control is-invalid",
            "aria-invalid": "true",
            "aria-describedby": f"{field.auto_id}_error",
        }
    )
