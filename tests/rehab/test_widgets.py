"""The lean widgets (common/widgets.py) give the same HTML as Django's template-rendered ones."""

import pytest
from django import forms
from django.test.html import parse_html

from common.widgets import LeanCheckboxInput, LeanSelect
from rehab.forms import CaseloadFilterForm
from rehab.models import Team

CHOICES = [
    ("", "Alla"),
    ("1", 'Kompassen "K" <b>&</b>'),
    ("Grupp <x>", [("2", "Passagen"), ("3", "Portalen")]),
    (4, "Fyra"),
]


@pytest.mark.parametrize("value", [None, "", "1", "3", 4, ["1", "3"]])
@pytest.mark.parametrize("attrs", [None, {"class": "form-select", "id": "id_x", "required": True}])
def test_lean_select_renders_as_django_select(value, attrs):
    ours = LeanSelect(choices=CHOICES).render("modul", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("modul", value, attrs=attrs)
    assert parse_html(ours) == parse_html(django)
    assert "<b>" not in ours and "&lt;b&gt;" in ours


@pytest.mark.parametrize("value", [None, True, False, "", "on", "x<y"])
def test_lean_checkbox_renders_as_django_checkbox(value):
    attrs = {"class": "form-check-input", "id": "id_mine"}
    ours = LeanCheckboxInput().render("mine", value, attrs=attrs)
    django = forms.CheckboxInput().render("mine", value, attrs=attrs)
    assert parse_html(ours) == parse_html(django)


@pytest.mark.django_db
def test_caseload_filter_form_renders_as_with_django_widgets(rehab_team, other_team):
    def rendered(form):
        return [parse_html(str(field)) for field in form]

    data = {"team": str(rehab_team.pk), "status": "exited", "mine": "on", "sort": "-start"}
    teams = Team.objects.filter(pk__in=[rehab_team.pk, other_team.pk])
    lean = CaseloadFilterForm(data, teams=teams, modules=[])
    plain = CaseloadFilterForm(data, teams=teams, modules=[])
    for name, field in plain.fields.items():
        field.widget = (
            forms.CheckboxInput(attrs=field.widget.attrs)
            if name == "mine"
            else forms.Select(attrs=field.widget.attrs, choices=field.choices)
        )
    assert rendered(lean) == rendered(plain)
    assert "selected" in str(lean["team"]) and rehab_team.name in str(lean["team"])
