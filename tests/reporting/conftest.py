"""Fixtures for the board's tables: the worked example of tests/data/examples, loaded
directly through the ORM (small on purpose; the import command will replace it)."""

import csv
import datetime
import itertools
import re
import zlib

import pytest

from modules.models import Module, Placement
from modules.rules import add_months
from rehab import personnummer
from rehab.models import Enrolment, Kommun, Participant
from tests.data import EXAMPLE_CSV


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


def load_example(team, path=EXAMPLE_CSV):
    """The example's participants, enrolments and current placements in `team`."""
    kommuner = {k.name.lower(): k for k in Kommun.objects.all()}
    modules = {m.name.lower(): m for m in Module.objects.filter(team=team)}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            pnr = personnummer.normalise(row["personnummer"])
            born = personnummer.birth_date(pnr)
            participant = Participant.objects.create(
                personnummer=pnr,
                first_name=row["fornamn"],
                last_name=row["efternamn"],
                gender=row["kon"],
                birth_year=born.year,
                birth_date=born,
                kommun=kommuner[row["kommun"].lower()],
            )
            exit_date = _date(row["slutdatum"])
            referrer = {"egen": "Egen", "region": "Region", "kommun": "Kommun"}.get(
                row["remittent"].lower(), row["remittent"].upper()
            )
            enrolment = Enrolment.objects.create(
                participant=participant,
                team=team,
                referrer=referrer,
                start_date=_date(row["startdatum"]),
                exit_date=exit_date,
                exit_outcome=row["avslutsorsak"],
                months_without_work=int(row["manader_utan_arbete"])
                if row["manader_utan_arbete"]
                else None,
            )
            if row["modul"]:
                module = modules[row["modul"].lower()]
                start = _date(row["modulstart"]) or enrolment.start_date
                Placement.objects.create(
                    enrolment=enrolment,
                    module=module,
                    start_date=start,
                    next_review_due=add_months(start, module.first_period),
                    end_date=exit_date,
                )


@pytest.fixture
def example(rehab_team):
    load_example(rehab_team)
    return rehab_team


_births = itertools.count()


def enrol(
    team,
    *,
    start,
    exit=None,
    outcome="",
    gender="K",
    birth=None,
    **fields,
):
    """One enrolment of a new participant; `fields` go to the enrolment (months_without_work,
    referrer, wellbeing_*, income_*, occupation_*, registered_in_error …) or, with the prefix
    participant__, to the participant."""
    from tests.factories import EnrolmentFactory, ParticipantFactory

    participant_fields = {
        key.removeprefix("participant__"): fields.pop(key)
        for key in list(fields)
        if key.startswith("participant__")
    }
    if birth is None:
        # Distinct birth dates keep generated personnummer apart.
        birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=7 * next(_births))
    participant = ParticipantFactory(gender=gender, birth=birth, **participant_fields)
    if exit is not None and not outcome:
        outcome = "annat"
    return EnrolmentFactory(
        participant=participant,
        team=team,
        start_date=start,
        exit_date=exit,
        exit_outcome=outcome,
        **fields,
    )


def pdf_objects(body: bytes) -> bytes:
    """A PDF's bytes with its compressed streams inflated, to look for markers in it."""
    inflated = [body]
    # Up to "endstream" with the end-of-line before it: a compressed stream may itself end in
    # a byte 0x0D, which a pattern stripping an optional "\r" would cut off. The decompressor
    # stops at the end of the zlib data and ignores what follows.
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", body, re.S):
        try:
            inflated.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(inflated)
