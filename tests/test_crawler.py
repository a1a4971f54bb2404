"""A crawler: as each persona, from the start page, every same-site link and every form (issue
#14, "Nothing a user enters goes silently wrong").

Each persona starts at `/` in a world with data (the demo organisation, synthetic participants
with placements, reviews, referrals and budget), follows every same-site link breadth first and
submits every form it finds: once with the values the form shows, and then with mangled values
(every field empty; then one kind of field at a time: very long texts, 9999-12-31 and
1899-01-01 in date fields, a non-number and a huge number in number fields, an unknown choice,
a file that is no spreadsheet). No answer may be a server error; all of them are collected and
reported together with persona, method and URL.

To stay fast, pages are grouped by their shape (the path with every number replaced by N and
the names of the query parameters): at most PER_SHAPE pages of one shape are fetched, and a
form is submitted once per shape of its action and set of field names. The first link of
each shape with a query string is also fetched with every parameter mangled. Logging out,
ending all sessions, changing the password and the two-factor pages are not submitted, since
they would end or change the crawl's own log-in.
"""

from __future__ import annotations

import datetime
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGE_CAP = 400  # pages (GET) per persona
PER_SHAPE = 3  # pages of the same shape (e.g. /deltagare/N/)
LONG = "Å" * 6_000

PERSONAS = ["handledare_a", "handledare_b", "admin", "forbund", "styrgrupp", "anonymous"]


# --- Parsing ---------------------------------------------------------------------------------


@dataclass
class Field:
    tag: str  # input, select, textarea, button
    name: str
    type: str = "text"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: list | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "reset"):
                if kind == "submit" and a.get("name"):
                    self._form.fields.append(
                        Field("button", a["name"], "submit", a.get("value", ""))
                    )
                return
            self._form.fields.append(
                Field("input", a["name"], kind, a.get("value", ""), checked="checked" in a)
            )
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.append(Field("button", a["name"], "submit", a.get("value", "")))
        elif tag == "select":
            self._select = Field("select", a["name"], "select", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(self._option)
        elif tag == "textarea":
            self._textarea = Field("textarea", a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None


def _options(f: Field) -> list[tuple[str, bool]]:
    # An option without a value attribute submits its text.
    return [(v if v is not None else text.strip(), sel) for v, sel, text in f.options]


# --- Values: as shown, and mangled -----------------------------------------------------------

# "shown" sends what the form shows; "empty" empties every field; each other variant mangles
# one kind of field and keeps the shown values of the rest, so that, say, an unknown choice
# does not stop the form before a far-off date reaches the service.
MANGLED = {
    "long_text": ("text", LONG),
    "date_far_ahead": ("date", "9999-12-31"),
    "date_long_ago": ("date", "1899-01-01"),
    "not_a_number": ("number", "tolv"),
    "huge_number": ("number", "-99999999999999999999999"),
    "unknown_choice": ("choice", "okänt-val-999"),
    "garbage_file": ("file", None),
}
VARIANTS = ["empty", *MANGLED, "shown"]
# Values put into every parameter of a link's query string.
QUERY_MANGLED = ["9999-12-31", "-1", "99999999999999999999", LONG[:2_000], "\x00"]


def _kind(f: Field) -> str:
    if f.name == "csrfmiddlewaretoken" or f.type == "submit":
        return "keep"
    if f.type == "file":
        return "file"
    if f.type == "date" or re.search(r"(^|_)(date|datum|from|to|until)($|_)", f.name):
        return "date"
    if f.type == "number":
        return "number"
    if f.tag == "select" or f.type in ("radio", "checkbox"):
        return "choice"
    return "text"  # text, textarea, email, hidden, search, password, …


def _shown(f: Field) -> list:
    """What the form shows; where nothing is chosen yet (a "Välj …" placeholder, a radio
    group with nothing checked), the first real choice, as a user would pick one."""
    if f.tag == "select":
        opts = _options(f)
        chosen = [v for v, sel in opts if sel and v] or [v for v, _ in opts if v][:1]
        return chosen if f.multiple else chosen[:1]
    if f.type in ("checkbox", "radio"):
        return [f.value or "on"] if f.checked else []
    if f.type == "file":
        return [SimpleUploadedFile("tom.csv", b"", content_type="text/csv")]
    return [f.value]


def _garbage_file():
    return SimpleUploadedFile("trasig.xlsx", b"\x00\x01 inte ett kalkylblad \xff" * 50)


def variants_of(form: Form) -> list[str]:
    """The variants that apply to the form; the shown values last, since a submission that
    succeeds changes what the others would reach (a placement made, a review booked)."""
    kinds = {_kind(f) for f in form.fields}
    return ["empty", *(v for v, (kind, _) in MANGLED.items() if kind in kinds), "shown"]


def form_data(form: Form, variant: str) -> dict[str, list]:
    data: dict[str, list] = {}
    kind, value = MANGLED.get(variant, (None, None))
    radios = [f for f in form.fields if f.type == "radio"]
    checked = {f.name for f in radios if f.checked}
    for f in radios:
        if f.name not in checked:
            f.checked = checked.add(f.name) or True  # the group's first choice
    for f in form.fields:
        if f.tag == "button":
            continue
        k = _kind(f)
        if variant == "empty" and k != "keep":
            values = [""]
        elif k == kind:
            values = [_garbage_file() if kind == "file" else value]
        else:
            values = _shown(f)
        if k == kind and f.name in data and f.type in ("checkbox", "radio"):
            continue
        data.setdefault(f.name, []).extend(values)
    buttons = [f for f in form.fields if f.tag == "button"]
    if buttons:  # the first named submit button, as a browser would send it
        data.setdefault(buttons[0].name, []).append(buttons[0].value)
    return data


# --- The crawl -------------------------------------------------------------------------------


def _shape(path: str, query: str = "") -> str:
    keys = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", path) + ("?" + "&".join(keys) if keys else "")


@dataclass
class Crawl:
    persona: str
    client: Client
    user: object
    skip_paths: set[str]
    pages: int = 0
    forms: int = 0
    submissions: int = 0
    errors: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    shapes: dict[str, int] = field(default_factory=dict)
    form_shapes: set[tuple] = field(default_factory=set)
    queue: deque = field(default_factory=deque)

    def request(self, method: str, url: str, data=None):
        # A savepoint per request: a server error that breaks the transaction must not break
        # the rest of the crawl.
        sid = transaction.savepoint()
        try:
            if method == "get":
                response = self.client.get(url, data or {})
            else:
                response = self.client.post(url, data or {})
        except Exception as e:  # a test-client failure is a finding too
            transaction.savepoint_rollback(sid)
            self.errors.append(f"{self.persona} {method.upper()} {url}: {e!r}")
            return None
        if response.status_code >= 500:
            transaction.savepoint_rollback(sid)
            exc = getattr(response, "exc_info", None)
            detail = repr(exc[1]) if exc else ""
            fields = sorted(data) if data and method == "post" else ""
            self.errors.append(
                f"{self.persona} {method.upper()} {url} → {response.status_code} {detail} "
                f"{fields}".rstrip()
            )
        else:
            transaction.savepoint_commit(sid)
        return response

    def enqueue(self, base: str, href: str):
        href = href.strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            return
        parts = urlsplit(urljoin(base, href))
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            return
        if parts.path in self.skip_paths or parts.path.startswith("/static/"):
            return
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in self.seen:
            return
        shape = _shape(parts.path, parts.query)
        if self.shapes.get(shape, 0) >= PER_SHAPE:
            return
        first_of_shape = shape not in self.shapes
        self.seen.add(url)
        self.shapes[shape] = self.shapes.get(shape, 0) + 1
        self.queue.append(url)
        if parts.query and first_of_shape:
            # The link's query string, mangled the way a hand-edited address would be.
            params = parse_qsl(parts.query, keep_blank_values=True)
            for bad in QUERY_MANGLED:
                self.queue.append(f"{parts.path}?{urlencode([(k, bad) for k, _ in params])}")

    def login(self):
        if self.user is not None:
            self.client.force_login(self.user)

    def run(self, seeds=()):
        self.login()
        self.enqueue("/", "/")
        for url in seeds:
            self.enqueue("/", url)
        while self.queue and self.pages < PAGE_CAP:
            url = self.queue.popleft()
            response = self.request("get", url)
            self.pages += 1
            if response is None:
                continue
            if response.status_code in (301, 302):
                self.enqueue(url, response["Location"])
                continue
            if "html" not in response.get("Content-Type", "") or response.status_code != 200:
                continue
            parser = PageParser()
            parser.feed(response.content.decode("utf-8", "replace"))
            for href in parser.links:
                self.enqueue(url, href)
            for form in parser.forms:
                self.submit(url, form)

    def submit(self, page: str, form: Form):
        action = urlsplit(urljoin(page, form.action or page))
        if action.netloc not in ("", "testserver") or action.path in self.skip_paths:
            return
        key = (
            form.method,
            _shape(action.path),
            tuple(sorted({f.name for f in form.fields})),
        )
        if key in self.form_shapes:
            return
        self.form_shapes.add(key)
        self.forms += 1
        target = action.path + (f"?{action.query}" if action.query else "")
        for variant in variants_of(form):
            data = form_data(form, variant)
            self.submissions += 1
            if form.method == "post":
                self.request("post", target, data)
                self.login()  # a POST may have ended the session (e.g. a lock-out)
            else:
                query = urlencode(
                    [(k, v) for k, vs in data.items() for v in vs if isinstance(v, str)]
                )
                response = self.request("get", f"{action.path}?{query}")
                if variant == "shown" and response is not None and response.status_code == 200:
                    parser = PageParser()
                    parser.feed(response.content.decode("utf-8", "replace"))
                    for href in parser.links:
                        self.enqueue(target, href)


# --- The world -------------------------------------------------------------------------------


@pytest.fixture
def world(org, personas, rehab_team, other_team, handledare_a, admin_user):
    """The demo's synthetic cases (placements, reviews, approvals, referrals, notes) and its
    budget, with the personas' handledare among the responsible case workers; and, since the
    demo's cases are mostly far along, a new enrolment with no placement yet and referrals at
    every step, so that every action has a page to start from. Returns the personas and the
    pages of those objects, which the crawl visits first (they are linked from the lists too,
    but a list shows only so many)."""
    from demo.budget import seed_budget
    from demo.seeding import seed_cases
    from referrals import services as referral_services
    from referrals.models import Referral
    from rehab import freshness
    from rehab.models import Referrer
    from tests.factories import EnrolmentFactory

    seed_cases(org, participants=12, seed=3)
    seed_budget(org, seed=3)
    today = datetime.date.today()
    fresh = EnrolmentFactory(
        team=rehab_team, responsible=handledare_a, start_date=today - datetime.timedelta(30)
    )
    steps = [
        [],
        [Referral.Status.ASSESSING],
        [Referral.Status.ASSESSING, Referral.Status.ACCEPTED],
    ]
    referrals = []
    for team in (rehab_team, other_team):
        for path in steps:
            referral = referral_services.referral_create(
                team=team,
                source=Referrer.AF,
                need="Stöd mot arbete.",
                received_date=today - datetime.timedelta(20),
                by=admin_user,
            )
            for step in path:
                referral = referral_services.referral_transition(
                    referral=referral, to_status=step, date=today, by=admin_user
                )
            referrals.append(referral)
    freshness.bump()
    seeds = [
        reverse("participant_detail", args=[fresh.participant_id]),
        reverse("modules:enrolment", args=[fresh.pk]),
        *(reverse("referral_detail", args=[r.pk]) for r in referrals),
    ]
    return {"personas": personas, "seeds": seeds}


def _skip_paths() -> set[str]:
    return {
        reverse("logout"),
        reverse("sessions_end_all"),
        reverse("password_change"),
        reverse("two_factor_setup"),
        reverse("two_factor_verify"),
        reverse("admin:logout"),
        reverse("admin:password_change"),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_or_form_gives_a_server_error(world, persona, capsys):
    client = Client(raise_request_exception=False)
    crawl = Crawl(persona, client, world["personas"][persona], _skip_paths())
    started = datetime.datetime.now()
    crawl.run(world["seeds"])
    took = (datetime.datetime.now() - started).total_seconds()
    with capsys.disabled():
        print(
            f"\ncrawler {persona}: {crawl.pages} pages, {crawl.forms} forms, "
            f"{crawl.submissions} submissions, {took:.1f} s"
        )
    assert crawl.pages > (1 if persona == "anonymous" else 5)
    if crawl.errors:
        pytest.fail("Server errors:\n" + "\n".join(crawl.errors), pytrace=False)
