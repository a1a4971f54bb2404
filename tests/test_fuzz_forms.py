"""Arbitrary text into every form of the project: never a server error.

The forms are found programmatically: every page the permission matrix knows is opened as a
user allowed to use it, and each `<form>` on it (its action, method and field names) is
filled by Hypothesis with arbitrary text – unicode, control characters, NUL bytes, huge
strings, numbers out of range, dates that do not exist – and sent. Bad input must give a form
error or a redirect with a message, never a 500 or an uncaught exception.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.test_permission_matrix import (
    OK_STATUS,
    RULES,
    all_routes,
    clients,  # noqa: F401 - fixture
    rule_for,
    sample_kwargs,
    samples,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db

# Forms that end the session: fuzzing them would log the fuzzing client out.
SKIP_ACTIONS = {reverse("logout"), reverse("sessions_end_all")}

NASTY = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "' OR 1=1 --",
        '<script>alert("x")</script>',
        '=HYPERLINK("http://x")',
        "9999-99-99",
        "2024-02-30",
        "0000-00-00",
        "-1",
        "99999999999999999999999999",
        "1e309",
        "NaN",
        "١٢٣",
        "𝟙𝟚𝟛",
        "19850312-1234",
        "\u202e\u200b",
        " " * 50,
        "x" * 100_000,
    ]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=200, max_size=3000),
    NASTY,
)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
                "fields": {},
                "files": False,
            }
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            if not name or name == "csrfmiddlewaretoken":
                return
            if attrs.get("type") == "file":
                self._current["files"] = True
            self._current["fields"].setdefault(name, attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _forms_on(client, url):
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    parser = _FormParser()
    parser.feed(response.content.decode())
    found = []
    for form in parser.forms:
        action = urljoin(url, form["action"]) if form["action"] else url
        if action in SKIP_ACTIONS or not form["fields"]:
            continue
        found.append((action, form["method"], sorted(form["fields"])))
    return found


def discover_forms(samples, clients):  # noqa: F811
    """(persona, action, method, fields) for every form on every page the personas open."""
    kwargs_for = sample_kwargs(samples)
    seen = set()
    result = []
    for route in all_routes():
        rule = rule_for(route)
        if (
            route.is_admin
            or rule is None
            or (route.name in RULES and RULES[route.name] == "token")
        ):
            continue
        if route.kwargs and route.name not in kwargs_for:
            continue
        if OK_STATUS.get(route.name) == 302:
            continue
        url = reverse(route.name, kwargs=kwargs_for.get(route.name, ({}, False))[0])
        persona = "forbund" if isinstance(rule, frozenset) and "admin" not in rule else "admin"
        if isinstance(rule, frozenset) and not ({"admin", "forbund"} & rule):
            persona = "handledare_a"
        for action, method, fields in _forms_on(clients[persona], url):
            key = (action, method, tuple(fields))
            if key not in seen:
                seen.add(key)
                result.append((persona, action, method, fields))
    return result


def test_the_fuzzer_finds_the_projects_forms(samples, clients):  # noqa: F811
    forms = discover_forms(samples, clients)
    actions = {re.sub(r"/\d+/", "/N/", action) for _, action, _, _ in forms}
    # A sample of forms that must be among them, so a broken discovery cannot pass silently.
    for expected in ("/deltagare/ny/", "/remisser/ny/", "/inskrivning/N/avslut/", "/import/"):
        assert expected in actions, sorted(actions)
    assert len(forms) >= 25, len(forms)


def _fuzzer(client, action, method, fields):
    @hsettings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(values=st.fixed_dictionaries(dict.fromkeys(fields, TEXT)))
    def send(values):
        send_as = client.post if method == "post" else client.get
        response = send_as(action, values)
        assert response.status_code < 500, (action, values)

    return send


def test_every_form_survives_arbitrary_input(samples, clients):  # noqa: F811
    forms = discover_forms(samples, clients)
    failures = []

    for persona, action, method, fields in forms:
        send = _fuzzer(clients[persona], action, method, fields)
        try:
            send()
        except Exception as error:  # collect them all, then report
            failures.append(f"{method.upper()} {action} ({persona}): {error!r}"[:2000])
    assert not failures, "\n\n".join(failures)


def test_code_form_survives_arbitrary_input(handledare_a, settings):
    """The two-factor code page is only reachable half-logged-in, so it is fuzzed here."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_2FA = True
    TOTPDevice.objects.create(user=handledare_a, name="app", confirmed=True)
    client = Client()
    client.force_login(handledare_a)

    @hsettings(max_examples=40, deadline=None, database=None)
    @given(code=TEXT)
    def send(code):
        response = client.post(reverse("two_factor_verify"), {"code": code})
        assert response.status_code == 200

    send()
