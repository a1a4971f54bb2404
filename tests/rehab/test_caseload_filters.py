"""The caseload says what it is filtered by, how to undo each filter, and why a list is
empty; its column headers sort it on the server, kept with the filters and the pages."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from modules.models import Module, Placement
from rehab.freshness import forget_all
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _body(response):
    return unescape(response.content.decode())


def _hrefs(body, text):
    """The hrefs of the links whose text starts with `text`."""
    return [
        unescape(href)
        for href, inner in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', body, re.S)
        if re.sub(r"<[^>]+>", "", inner).strip().startswith(text)
    ]


@pytest.fixture
def exited_anna(rehab_team):
    return EnrolmentFactory(
        team=rehab_team,
        participant=ParticipantFactory(first_name="Anna", last_name="Utskrivensson"),
        start_date=D(2023, 1, 1),
        exit_date=D(2023, 6, 1),
        exit_outcome="arbete",
    )


def test_empty_search_names_the_status_filter_and_offers_the_exited(
    client, handledare_a, rehab_team, exited_anna
):
    EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(first_name="Bertil"))
    client.force_login(handledare_a)
    client.post(reverse("caseload"), {"q": "Anna"})
    body = _body(client.get(reverse("caseload")))
    assert "Inga deltagare matchar filtren: aktiva inskrivningar · sökning ”Anna”." in body
    assert "Visar:" in body
    (link,) = _hrefs(body, "Visa även avslutade (1 träff)")
    assert "status=all" in link
    shown = _body(client.get(link))
    assert "Utskrivensson" in shown and "Bertil" not in shown


def test_empty_list_without_other_statuses_offers_no_exited(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    client.post(reverse("caseload"), {"q": "Ingenhittas"})
    body = _body(client.get(reverse("caseload")))
    assert "Inga deltagare matchar filtren" in body and "Visa även" not in body


def test_exited_filter_empty_offers_the_active(client, handledare_a, rehab_team):
    EnrolmentFactory(team=rehab_team)
    client.force_login(handledare_a)
    body = _body(client.get(reverse("caseload") + "?status=exited"))
    assert "Visa även pågående (1 träff)" in body


def test_active_filters_are_listed_and_each_link_drops_only_its_own(
    client, handledare_a, rehab_team
):
    module = Module.objects.get(team=rehab_team, name="Portalen")
    client.force_login(handledare_a)
    url = reverse("caseload") + f"?team={rehab_team.pk}&module={module.pk}&mine=on&status=exited"
    body = _body(client.get(url))
    line = re.search(r"Visar:(.*?)</div>", body, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", line).split())
    for label in (
        "avslutade inskrivningar",
        "team Rehabteamet",
        "modul Portalen (Rehabteamet)",
        "där jag är ansvarig",
    ):
        assert label in text
    (without_team,) = _hrefs(line, "team Rehabteamet")
    assert "team=" not in without_team and f"module={module.pk}" in without_team
    (without_status,) = _hrefs(line, "avslutade inskrivningar")
    assert "status=all" in without_status and f"team={rehab_team.pk}" in without_status
    (without_mine,) = _hrefs(line, "där jag är ansvarig")
    assert "mine=" not in without_mine
    assert _hrefs(body, "Rensa alla filter") == [reverse("caseload")]


def test_default_caseload_shows_the_status_but_nothing_to_clear(client, handledare_a, rehab_team):
    EnrolmentFactory(team=rehab_team)
    client.force_login(handledare_a)
    body = _body(client.get(reverse("caseload")))
    assert "Visar:" in body and "aktiva inskrivningar" in body
    assert "Rensa alla filter" not in body


def test_search_is_removed_by_a_posted_form_not_a_link(client, handledare_a, rehab_team):
    EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(last_name="Sökbarsson"))
    EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(last_name="Annanström"))
    client.force_login(handledare_a)
    client.post(reverse("caseload"), {"q": "Sökbarsson"})
    body = _body(client.get(reverse("caseload") + f"?team={rehab_team.pk}"))
    assert "sökning ”Sökbarsson”" in body and not _hrefs(body, "sökning")
    # "Rensa alla filter" posts the clearing to the list without the GET filters.
    form = re.search(
        r'<form method="post" action="([^"]*)"[^>]*>(?:(?!</form>).)*Rensa alla', body, re.S
    )
    assert unescape(form.group(1)) == reverse("caseload")
    response = client.post(form.group(1), {"clear": "1"})
    assert response["Location"] == reverse("caseload")
    assert "Annanström" in _body(client.get(response["Location"]))


# --- Sorting ------------------------------------------------------------------------------


@pytest.fixture
def three(rehab_team):
    """Three active enrolments: Berg in Portalen (review 2024-05-01), Ahl in Kompassen (review
    2024-03-01), Cederlund in no module."""
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    berg = EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(last_name="Berg"))
    ahl = EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(last_name="Ahl"))
    ceder = EnrolmentFactory(
        team=rehab_team, participant=ParticipantFactory(last_name="Cederlund")
    )
    for enrolment, module, due in (
        (berg, portalen, D(2024, 5, 1)),
        (ahl, kompassen, D(2024, 3, 1)),
    ):
        Placement.objects.create(
            enrolment=enrolment, module=module, start_date=D(2024, 2, 1), next_review_due=due
        )
    return berg, ahl, ceder


def _names(response):
    return [e.participant.last_name for e in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ahl", "Berg", "Cederlund"]),
        ("-name", ["Cederlund", "Berg", "Ahl"]),
        ("review", ["Ahl", "Berg", "Cederlund"]),
        ("-review", ["Berg", "Ahl", "Cederlund"]),
        ("module", ["Ahl", "Berg", "Cederlund"]),  # Kompassen, Portalen, none last
        ("-module", ["Berg", "Ahl", "Cederlund"]),
    ],
)
def test_caseload_sorts_on_the_server_with_empty_values_last(
    client, handledare_a, three, sort, expected
):
    client.force_login(handledare_a)
    assert _names(client.get(reverse("caseload") + f"?sort={sort}")) == expected


def test_status_sort_puts_active_first_by_phase(client, handledare_a, rehab_team, exited_anna):
    EnrolmentFactory(
        team=rehab_team, participant=ParticipantFactory(last_name="Prövare"), phase="provning"
    )
    EnrolmentFactory(team=rehab_team, participant=ParticipantFactory(last_name="Kartläggare"))
    client.force_login(handledare_a)
    url = reverse("caseload") + "?status=all&sort="
    assert _names(client.get(url + "status")) == ["Kartläggare", "Prövare", "Utskrivensson"]
    assert _names(client.get(url + "-status")) == ["Utskrivensson", "Prövare", "Kartläggare"]


def test_sorted_header_has_aria_sort_and_links_keep_the_filters(
    client, handledare_a, rehab_team, three
):
    client.force_login(handledare_a)
    body = _body(client.get(reverse("caseload") + f"?team={rehab_team.pk}&sort=review&sida=1"))
    headers = re.findall(r"<th scope=\"col\"([^>]*)>(.*?)</th>", body, re.S)
    sorted_headers = [(attrs, inner) for attrs, inner in headers if "aria-sort" in attrs]
    assert len(sorted_headers) == 1
    attrs, inner = sorted_headers[0]
    assert 'aria-sort="ascending"' in attrs and "Nästa utvärdering" in inner
    # The sorted column links to the other direction; all keep the team and drop the page.
    (review,) = _hrefs(body, "Nästa utvärdering")
    assert "sort=-review" in review and f"team={rehab_team.pk}" in review and "sida" not in review
    (name,) = _hrefs(body, "Namn")
    assert "sort=name" in name and f"team={rehab_team.pk}" in name
    body = _body(client.get(reverse("caseload") + "?sort=-review"))
    assert 'aria-sort="descending"' in body


def test_sort_is_stable_across_pages_and_kept_by_the_pagination(client, handledare_a, rehab_team):
    # 30 with the same name: only the tiebreak decides, and no row is on both pages.
    for _ in range(30):
        EnrolmentFactory(
            team=rehab_team, participant=ParticipantFactory(last_name="Lika", first_name="Lika")
        )
    client.force_login(handledare_a)
    first = client.get(reverse("caseload") + "?sort=-name")
    (next_link,) = [h for h in _hrefs(_body(first), "Nästa") if "sida=" in h]
    assert "sort=-name" in next_link and "sida=2" in next_link
    second = client.get(reverse("caseload") + next_link)
    one = [e.pk for e in first.context["page"].object_list]
    two = [e.pk for e in second.context["page"].object_list]
    assert not set(one) & set(two) and len(one) + len(two) == 30
    assert one + two == sorted(one + two, reverse=True)


@pytest.mark.parametrize("sort", ["module", "-review", "status", "team"])
def test_sorting_costs_no_extra_query(client, handledare_a, three, sort):
    client.force_login(handledare_a)
    counts = []
    for url in (reverse("caseload"), reverse("caseload") + f"?sort={sort}"):
        forget_all()  # the cold page: computed, not read from the cache
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]
