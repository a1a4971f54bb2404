"""No personnummer in URLs (patterns or links), lists show it masked, and searching by it
posts the form."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from referrals.models import Referral
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db

FORBIDDEN_NAMES = re.compile(r"personnummer|pnr|samordningsnummer|ssn", re.I)
# Text parameters that are known not to carry a person's number. A new text parameter must
# be added here on purpose, after checking that it cannot.
TEXT_PARAMETERS = {
    "token",
    "to_status",
    "fmt",
    "kind",
    "app_label",
    "model_name",
    "object_id",
    "url",
    "content_type_id",
    "path",
    "uidb64",
    "id",  # Django admin: a user's number in auth_user
    "figure",  # the dashboard's named figures
}


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_no_url_pattern_can_carry_a_personnummer():
    problems = []
    for route, entry in _patterns():
        if FORBIDDEN_NAMES.search(route):
            problems.append(route)
        converters = getattr(entry.pattern, "converters", {})
        for name, converter in converters.items():
            kind = type(converter).__name__
            text = kind in ("StringConverter", "PathConverter", "SlugConverter")
            if text and (name not in TEXT_PARAMETERS or FORBIDDEN_NAMES.search(name)):
                problems.append(f"{route}: <{name}>")
    assert problems == []


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.forms = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "action", "src", "formaction"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "inputs": []})
        if tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attrs.get("name"))


def _parse(body):
    parser = _Collect()
    parser.feed(body)
    return parser


def _forms(pnr):
    return {pnr, pnr[2:], f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}-{pnr[8:]}"}


@pytest.fixture
def people(rehab_team, handledare_a):
    enrolment = EnrolmentFactory(team=rehab_team, responsible=handledare_a)
    Referral.objects.create(
        team=rehab_team,
        source="AF",
        need="x",
        received_date=enrolment.start_date,
        participant=enrolment.participant,
    )
    return enrolment.participant


@pytest.mark.parametrize(
    "name",
    ["start", "caseload", "referral_list", "modules:deadline_list", "team_list", "activity_list"],
)
def test_pages_and_their_links_show_no_full_personnummer(
    client, handledare_a, rehab_team, people, name
):
    client.force_login(handledare_a)
    url = reverse(name, args=[rehab_team.pk]) if name == "activity_list" else reverse(name)
    body = client.get(url).content.decode()
    for form in _forms(people.personnummer):
        assert form not in body, name


def test_participant_page_shows_the_full_number_but_no_link_carries_it(
    client, handledare_a, admin_user, people
):
    for user in (handledare_a, admin_user):
        client.force_login(user)
        body = client.get(reverse("participant_detail", args=[people.pk])).content.decode()
        pnr = people.personnummer
        assert f"{pnr[:8]}-{pnr[8:]}" in body
        for url in _parse(body).urls:
            assert not any(form in url for form in _forms(pnr)), url


def test_caseload_masks_the_number(client, handledare_a, people):
    client.force_login(handledare_a)
    body = client.get(reverse("caseload")).content.decode()
    assert people.masked_personnummer in body


@pytest.mark.parametrize(
    ("name", "field"), [("caseload", "q"), ("privacy:log_review", "personnummer")]
)
def test_searching_by_personnummer_posts_the_form(client, admin_user, name, field):
    client.force_login(admin_user)
    forms = _parse(client.get(reverse(name)).content.decode()).forms
    searching = [f for f in forms if field in f["inputs"]]
    assert searching and all(f["method"] == "post" for f in searching)


def test_searching_the_caseload_keeps_the_number_out_of_the_address(client, handledare_a, people):
    client.force_login(handledare_a)
    pnr = people.personnummer
    response = client.post(reverse("caseload"), {"q": pnr})
    assert response.status_code == 302
    assert not any(form in response["Location"] for form in _forms(pnr))
    page = client.get(response["Location"])
    assert [e.participant_id for e in page.context["page"]] == [people.pk]
