"""Form widgets rendered in Python rather than through the form template engine.

Django renders a <select> with one template plus one included template per option, and a
checkbox with two templates; on the caseload's filter form that was about a fifth of the
page's own time (issue #8, BENCHMARKS.md). These widgets give the same HTML (the same
attributes, escaped the same way; compared in tests/rehab/test_widgets.py) with format_html."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class LeanSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                html = format_html('<optgroup label="{}">{}</optgroup>', group_name, html)
            groups.append((html,))
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", groups),
        )


class LeanCheckboxInput(forms.CheckboxInput):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_html = (
            format_html(' value="{}"', str(widget["value"])) if widget["value"] is not None else ""
        )
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            value_html,
            flatatt(widget["attrs"]),
        )
