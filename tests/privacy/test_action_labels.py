"""Every action code the code base can record has a Swedish label (privacy/actions.py).

The codes are collected from the code itself, so a new URL or a new audited service action
without a label fails here: the URL names (an access-log read or a refused attempt records the
view's name) and every string passed as `action=` to `record`, `Change`, `note_read` or
`note_change` in the production packages."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from privacy.actions import (
    ACTION_LABELS,
    OBJECT_TYPE_LABELS,
    UNKNOWN_ACTION,
    action_label,
    object_type_label,
)
from privacy.recorder import DENIED_SUMMARY_ACTION

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_PACKAGES = [
    "accounts",
    "casework",
    "common",
    "config",
    "modules",
    "privacy",
    "questionnaires",
    "referrals",
    "rehab",
    "reporting",
]
RECORDING_CALLS = {"record", "Change", "note_read", "note_change"}
PROJECT_APPS = {
    "accounts",
    "casework",
    "jobs",
    "modules",
    "ops",
    "privacy",
    "questionnaires",
    "referrals",
    "rehab",
    "reporting",
}


def _url_names(resolver, namespace=()):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            if inner[:1] == ("admin",):
                continue  # Django admin's pages record nothing; they fall back to a label
            yield from _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespace, pattern.name))


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return getattr(call.func, "id", "")


def _recorded_actions():
    for package in PRODUCTION_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or _called_name(node) not in RECORDING_CALLS:
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "action":
                        continue
                    for value in ast.walk(keyword.value):
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            yield value.value, f"{path.relative_to(ROOT)}:{node.lineno}"


def all_action_codes() -> dict[str, str]:
    codes = dict.fromkeys(_url_names(get_resolver()), "URL name")
    codes.update(dict(_recorded_actions()))
    codes[DENIED_SUMMARY_ACTION] = "privacy/recorder.py"
    return codes


def test_the_collection_finds_both_kinds_of_code():
    codes = all_action_codes()
    # URL names, namespaced or not, and service actions that are no URL name.
    assert {"participant_detail", "modules:review_record", "enrolment_exit"} <= codes.keys()
    assert {"budget_actuals_saved", "waiting_list_add", "import_enrolments"} <= codes.keys()


def test_every_action_code_that_can_be_recorded_has_a_swedish_label():
    codes = all_action_codes()
    missing = {code: where for code, where in codes.items() if code not in ACTION_LABELS}
    assert missing == {}, "Lägg till en etikett i privacy/actions.py för: " + ", ".join(
        f"{code} ({where})" for code, where in sorted(missing.items())
    )


@pytest.mark.parametrize(
    "code",
    ["participant_detail", "modules:review_record", "enrolment_exit", "budget_actuals_saved"],
)
def test_labels_are_not_the_code(code):
    assert action_label(code) != code
    assert "_" not in action_label(code)


@pytest.mark.parametrize(
    "code", ["a_code_renamed_long_ago", "modules:gone_view", "/deltagare/1/", "admin:index"]
)
def test_unknown_codes_get_a_swedish_fallback_never_the_raw_code(code):
    label = action_label(code)
    assert label
    assert code not in label
    assert "_" not in label and ":" not in label


def test_no_code_reads_as_a_dash_and_an_unknown_one_as_another_action():
    assert action_label("") == "–"
    assert action_label("a_code_renamed_long_ago") == UNKNOWN_ACTION


def test_every_model_of_the_project_has_an_object_type_label():
    model_names = {
        model._meta.model_name
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }
    assert model_names - OBJECT_TYPE_LABELS.keys() == set()
    assert object_type_label("enrolment") == "inskrivning"
    assert object_type_label("something_new") == "objekt"
    assert object_type_label("") == ""
