"""No form arrives with an answer chosen for the user (issue #14, finding 1).

A required choice with no value set shows its first option, and a hurried save sends it: the
exit form used to arrive with "Tidigt avhopp" and "Förvärvsarbete" chosen, which went into the
board's statistics. This test opens every page of the project that takes
no arguments or whose arguments the permission matrix knows, as each persona who works with
forms, takes each unbound form the page renders, and fails on a required single choice that
has no value while its first option is not empty — unless the field is listed below as a
deliberate default.
"""

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import SAMPLE_QUERY, all_routes, sample_kwargs, samples  # noqa: F401

pytestmark = pytest.mark.django_db

# (URL name, field name): why the first option may stand.
DELIBERATE_DEFAULTS = {
    # A unit manager of one team has only that team to choose; the list has no empty entry.
    ("import_upload", "team"): "enhetschefens enda team",
    ("budget_index", "team"): "öppnar en budget; inget sparas",
    # The board and the dashboards open on the widest scope the user may see.
    ("board_report", "scope"): "hela förbundet först",
    ("dashboard", "scope"): "hela förbundet först",
}


def preselected_without_asking(form) -> list[str]:
    """Names of the form's required single choices that would show a value the user did not
    choose: nothing set, and a first option that is not empty."""
    found = []
    for name, field in form.fields.items():
        if not isinstance(field, forms.ChoiceField) or isinstance(
            field, forms.MultipleChoiceField
        ):
            continue
        if not field.required or field.disabled:
            continue
        if isinstance(field.widget, forms.HiddenInput | forms.RadioSelect):
            continue  # hidden: set by the page; radio buttons: none is checked until clicked
        if form[name].value() not in (None, ""):
            continue  # a value the page set on purpose (the record's current value)
        choices = list(field.choices)
        if choices and str(choices[0][0]) != "":
            found.append(name)
    return found


def _forms_in(context) -> list:
    seen = {}
    for layer in context or []:
        for value in layer.dicts if hasattr(layer, "dicts") else [layer]:
            if not isinstance(value, dict):
                continue
            for item in value.values():
                if isinstance(item, forms.BaseForm) and not item.is_bound:
                    seen[id(item)] = item
    return list(seen.values())


def test_the_check_sees_a_preselected_required_choice():
    class F(forms.Form):
        a = forms.ChoiceField(choices=[("x", "X")])
        b = forms.ChoiceField(choices=[("", "Välj …"), ("y", "Y")])
        c = forms.ChoiceField(choices=[("z", "Z")], required=False)
        d = forms.ChoiceField(choices=[("w", "W")], initial="w")

    assert preselected_without_asking(F()) == ["a"]


@pytest.mark.parametrize("persona", ["handledare_a", "admin_user", "handledare_b"])
def test_no_required_choice_is_made_for_the_user(persona, request, samples):  # noqa: F811
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    kwargs_for = sample_kwargs(samples)
    problems = []
    pages = 0
    for route in all_routes():
        if route.is_admin or not route.named:
            continue
        if route.kwargs:
            if route.name not in kwargs_for:
                continue
            url = reverse(route.name, kwargs=kwargs_for[route.name][0])
        else:
            url = reverse(route.name)
        if route.name in SAMPLE_QUERY:
            url += SAMPLE_QUERY[route.name](samples)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        for form in _forms_in(response.context):
            for name in preselected_without_asking(form):
                if (route.name, name) not in DELIBERATE_DEFAULTS:
                    problems.append(
                        f"{route.name} ({url}): {type(form).__name__}.{name} är förvalt"
                    )
    assert pages > 10
    assert not problems, "Obligatoriska val som redan är gjorda:\n" + "\n".join(problems)


@pytest.mark.parametrize("persona", ["handledare_a", "admin_user"])
def test_no_page_shows_djangos_dashes_for_an_empty_choice(persona, request, samples):  # noqa: F811
    """Issue "Pleasant to work in": an empty choice reads "Välj …" (common.forms.BLANK_LABEL)
    or says what it means ("Alla mina team"), never Django's "---------"."""
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    kwargs_for = sample_kwargs(samples)
    problems = []
    pages = 0
    for route in all_routes():
        if route.is_admin or not route.named:
            continue
        if route.kwargs:
            if route.name not in kwargs_for:
                continue
            url = reverse(route.name, kwargs=kwargs_for[route.name][0])
        else:
            url = reverse(route.name)
        if route.name in SAMPLE_QUERY:
            url += SAMPLE_QUERY[route.name](samples)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        if "---------" in response.content.decode():
            fields = [
                f"{type(form).__name__}.{name}"
                for form in _forms_in(response.context)
                for name, field in form.fields.items()
                if "---------" in str(form[name])
            ]
            problems.append(f"{route.name} ({url}): {', '.join(fields) or 'i sidan'}")
    assert pages > 10
    assert not problems, "Sidor med ”---------”:\n" + "\n".join(problems)
