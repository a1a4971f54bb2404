"""No form arrives with an answer chosen for the user (issue #14, finding 1).

A required choice with no value set shows its first option, and a hurried save sends it: the
exit form used to arrive with "Tidigt avhopp" and "Förvärvsarbete" chosen, which went into the
board's statistics. This test opens every page of the project that takes
no arguments or whose arguments the permission matrix knows, as each persona who works with
forms, takes each unbound form the page renders, and fails on a required single choice that
has no value while its first option is not empty — unless the field is listed below as a
deliberate default.
"""

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.urls import reverse

from common.forms import DJANGO_BLANK, SwedishBlanks, swedish_blanks
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


def _html_pages(user, sample_objects):
    """(route, url, response) of every named non-admin page the user gets as HTML."""
    client = Client()
    client.force_login(user)
    kwargs_for = sample_kwargs(sample_objects)
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
            url += SAMPLE_QUERY[route.name](sample_objects)
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            yield route, url, response


@pytest.mark.parametrize("persona", ["handledare_a", "admin_user", "handledare_b"])
def test_no_required_choice_is_made_for_the_user(persona, request, samples):  # noqa: F811
    problems = []
    pages = 0
    for route, url, response in _html_pages(request.getfixturevalue(persona), samples):
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
    problems = []
    pages = 0
    for route, url, response in _html_pages(request.getfixturevalue(persona), samples):
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


def _project_form_classes() -> list[type]:
    """Every form class defined in one of the project's forms modules."""
    found = []
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/forms.py")) + sorted(root.glob("*/*/forms.py")):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        module = importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts))
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def _dashes(fields) -> list[str]:
    names = []
    for name, field in fields.items():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == DJANGO_BLANK:
                names.append(name)
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)
            if choices and choices[0][1] == DJANGO_BLANK:
                names.append(name)
    return names


def test_no_form_class_offers_djangos_dashes():
    """Issue "Pleasant to work in": the same, class by class, for forms no page above opens
    unbound. A form that mixes in SwedishBlanks has its lists fixed when it is made; its
    class's fields are checked as that does it."""
    classes = _project_form_classes()
    assert len(classes) > 30
    problems = []
    for cls in classes:
        if issubclass(cls, SwedishBlanks):
            form = cls.__new__(cls)
            form.fields = {n: f.__deepcopy__({}) for n, f in cls.base_fields.items()}
            swedish_blanks(form)
            fields = form.fields
        else:
            fields = cls.base_fields
        problems += [f"{cls.__module__}.{cls.__name__}.{name}" for name in _dashes(fields)]
    assert not problems, "”---------” i:\n" + "\n".join(problems)
