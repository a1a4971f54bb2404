"""Nothing personal reaches a förbund officer or a steering-group member (SPEC §1, §11).

A participant with a distinctive name, personnummer, contact details, journal note, goal,
referral and deviation is seeded. Then, as each aggregate-only persona, every URL of the
project is requested, found by walking the URL resolver (so pages other helpers add are
covered too): each with no parameters, with bad parameters (the error pages) and, where its
path names no object, with valid report and dashboard parameters. No response body, file
(CSV, Excel, PDF) or header may contain any of the distinctive strings. URLs whose path
parameters the test cannot fill are skipped and printed (`pytest -s`); add their parameter
to STRING_VALUES.
"""

import datetime
import io
import itertools
import random
import re
import zipfile

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.utils import timezone
from pypdf import PdfReader

from modules.models import Module, Placement, WaitingListEntry
from referrals.models import Referral, ReferralEvent
from rehab import personnummer
from rehab.models import Deviation, Enrolment, Goal, JournalNote, Kommun, Participant
from reporting.board.views import FORMATS as BOARD_FORMATS
from reporting.dashboards.dashboard import FIGURE_KEYS
from reporting.models import ActualCost, Budget, BudgetLine
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1961, 7, 13)
FIRST, LAST = "Zebulonia", "Quarkström"
NOTE = "Hemlig journaltext om sömnproblem XQJ-7731"
GOAL = "Delmål XQJ-5520 om praktik"
NEED = "Remissbehov XQJ-9054 med diagnos"
DEVIATION = "Avvikelse XQJ-3317 vid praktikplatsen"
OFFICER = "Handläggare Ylvalotta Fnordström"
PHONE = "070-555 31 77"
EMAIL = "zebulonia.quarkstrom@example.se"
ADDRESS = "Kvarkgränd 17"

STRING_VALUES = {
    "fmt": [*BOARD_FORMATS, "okand"],
    "to_status": [*Referral.Status.values, "okand"],
    "token": ["ogiltig-token"],
    "figure": [*FIGURE_KEYS, "okand"],
}
# Logging out (or out everywhere) would end the session the walk runs in.
SKIPPED_NAMES = {"logout", "sessions_end_all"}
BAD = {
    "ar": "tjugo",
    "scope": "<okänd>",
    "fran": "2024-02-30",
    "till": "igår",
    "period": "x",
    "page": "-1",
    "sort": "okand",
    "status": "okand",
    "team": "abc",
    "year": "x",
}


@pytest.fixture
def secret(rehab_team, other_team):
    pnr = personnummer.generate(random.Random(7), BIRTH, female=True)
    participant = Participant.objects.create(
        personnummer=pnr,
        first_name=FIRST,
        last_name=LAST,
        gender="K",
        birth_year=BIRTH.year,
        birth_date=BIRTH,
        kommun=Kommun.objects.get(name="Ludvika"),
        phone=PHONE,
        email=EMAIL,
        address=ADDRESS,
    )
    enrolment = Enrolment.objects.create(
        participant=participant,
        team=rehab_team,
        referrer="AF",
        start_date=datetime.date(2024, 2, 1),
        case_officer_name=OFFICER,
        case_officer_phone=PHONE,
        months_without_work=14,
    )
    goal = Goal.objects.create(enrolment=enrolment, text=GOAL)
    Goal.objects.create(enrolment=enrolment, parent=goal, text=GOAL, status="achieved")
    JournalNote.objects.create(
        enrolment=enrolment, date=datetime.date(2024, 3, 1), kind="individual", text=NOTE
    )
    Deviation.objects.create(
        enrolment=enrolment,
        occurred_at=timezone.now(),
        description=DEVIATION,
        reported_to=OFFICER,
    )
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    Placement.objects.create(
        enrolment=enrolment,
        module=portalen,
        start_date=datetime.date(2024, 2, 1),
        next_review_due=datetime.date(2024, 5, 1),
    )
    referral = Referral.objects.create(
        team=rehab_team,
        source="AF",
        case_officer_name=OFFICER,
        case_officer_email=EMAIL,
        need=NEED,
        received_date=datetime.date(2024, 1, 10),
        decided_date=datetime.date(2024, 1, 20),
        status=Referral.Status.ENROLLED,
        participant=participant,
        enrolment=enrolment,
    )
    ReferralEvent.objects.create(
        referral=referral, status="accepted", date=datetime.date(2024, 1, 20), note=NEED
    )
    # A few others, so that the aggregate pages have something to show.
    for i in range(6):
        other = enrol(rehab_team, start=datetime.date(2024, 1 + i, 5), gender="KM"[i % 2])
        WaitingListEntry.objects.create(
            module=portalen, enrolment=other, added_date=datetime.date(2024, 6, 1)
        )
    enrol(other_team, start=datetime.date(2024, 4, 1))
    # A case meeting where she was discussed (SPEC §13 rule 11): counted, never named.
    from rehab.models import CaseMeeting, CaseMeetingItem

    rehab_team.has_case_meetings = True
    rehab_team.save()
    meeting = CaseMeeting.objects.create(
        team=rehab_team, date=datetime.date(2024, 3, 5), agencies=["AF", "FK"], note=NOTE
    )
    CaseMeetingItem.objects.create(meeting=meeting, enrolment=enrolment, note=NOTE)
    budget = Budget.objects.create(team=rehab_team, year=2024)
    line = BudgetLine.objects.create(budget=budget, name="Lönekostnader", amount=1185000)
    ActualCost.objects.create(line=line, month=1, amount=98000)
    digits10 = pnr[2:]
    return {
        "strings": [
            FIRST,
            LAST,
            pnr,
            digits10,
            f"{pnr[:8]}-{pnr[8:]}",
            f"{digits10[:6]}-{digits10[6:]}",
            pnr[:8],  # the birth date, as a masked personnummer would show it
            BIRTH.isoformat(),
            NOTE,
            GOAL,
            NEED,
            DEVIATION,
            OFFICER,
            PHONE,
            EMAIL,
            ADDRESS,
        ],
        "ids": {
            rehab_team.pk,
            other_team.pk,
            participant.pk,
            enrolment.pk,
            goal.pk,
            referral.pk,
            portalen.pk,
            budget.pk,
        },
        "scopes": [
            f"forbund-{rehab_team.forbund_id}",
            f"team-{rehab_team.pk}",
            f"team-{other_team.pk}",
        ],
    }


# --- Walking the URL resolver ------------------------------------------------------------------


def _patterns(patterns=None, prefix=""):
    """(route, name, converters) of every URL pattern; regex patterns with groups have no
    converters and are reported as unfillable."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name, getattr(p.pattern, "converters", {})


def _fill(route, converters, ids, this_year):
    """Every URL for the route with its parameters filled from the seeded objects' ids and
    the known string values; None when some parameter cannot be filled."""
    if route.startswith("admin/"):
        return [route] if route == "admin/" else None
    if route.startswith("^") or re.search(r"\(\?P<", route):
        return None
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    choices = []
    for name in names:
        converter = converters.get(name)
        if isinstance(converter, IntConverter):
            choices.append([2024, this_year] if name == "year" else sorted(ids))
        elif name in STRING_VALUES:
            choices.append(STRING_VALUES[name])
        else:
            return None
    urls = []
    for values in itertools.product(*choices):
        url = route
        for name, value in zip(names, values, strict=True):
            url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url, count=1)
        urls.append(url)
    return urls


def _walk(secret):
    this_year = timezone.localdate().year
    urls, skipped = [], []
    for route, name, converters in _patterns():
        if name in SKIPPED_NAMES:
            continue
        filled = _fill(route, converters, secret["ids"], this_year)
        if filled is None:
            if not route.startswith("admin/"):
                skipped.append(f"/{route} ({name})")
            continue
        for url in filled:
            variants = [{}, BAD]
            # Report and dashboard parameters where the path names no object.
            if not any(isinstance(c, IntConverter) for c in converters.values()):
                variants += [
                    {
                        "scope": scope,
                        "ar": "2024",
                        "fran": "2024-01-01",
                        "till": "2024-12-31",
                    }
                    for scope in secret["scopes"]
                ]
            urls.extend((f"/{url}", params) for params in variants)
    return urls, skipped


# --- Reading what came back ------------------------------------------------------------------


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [f"{k}: {v}" for k, v in response.items()]
    kind = response.get("Content-Type", "")
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            parts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
    elif body.startswith(b"%PDF") or "pdf" in kind:
        reader = PdfReader(io.BytesIO(body))
        parts += [page.extract_text() or "" for page in reader.pages]
        parts += [str(v) for v in (reader.metadata or {}).values()]
    else:
        parts.append(body.decode("utf-8", "replace"))
    return "\n".join(parts)


def _requests(client, user, secret):
    client.force_login(user)
    urls, skipped = _walk(secret)
    seen = []
    for url, params in urls:
        response = client.get(url, params)
        seen.append((url, params, response.status_code, _text(response)))
    return seen, skipped


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_no_personal_data_reaches_aggregate_users(client, personas, secret, persona):
    seen, skipped = _requests(client, personas[persona], secret)
    print(f"\n{len(seen)} anrop som {persona}; hoppade över (parametrar okända): {skipped}")
    leaks = []
    for url, params, status, text in seen:
        lowered = text.lower()
        for needle in secret["strings"]:
            if needle.lower() in lowered:
                leaks.append(f"{url} {params} ({status}): {needle!r}")
    assert not leaks, "Personuppgifter nådde en sammanställningsanvändare:\n" + "\n".join(leaks)
    # The walk reached the pages these users are meant to use, files included, so the
    # check above is not vacuous.
    ok = {(url, params.get("scope")) for url, params, status, _t in seen if status == 200}
    scope = secret["scopes"][1]
    expected = ["/instrumentpanel/", "/oversikt/"]
    expected += [f"/instrumentpanel/{key}.csv" for key in FIGURE_KEYS]
    expected += ["/rapporter/styrelse/"]
    expected += [f"/rapporter/styrelse/fil/{fmt}/" for fmt in BOARD_FORMATS]
    for url in expected:
        assert (url, scope) in ok, url
    dashboard = next(
        text
        for url, params, status, text in seen
        if url == "/instrumentpanel/" and params.get("scope") == scope
    )
    assert "Aktiva deltagare" in dashboard
