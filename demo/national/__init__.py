"""National-scale synthetic data: `seed_demo --participants N` for large N (issue #8).

From NATIONAL_FROM participants on, the demo förbund gets one extra rehab team per 10 000
participants in ten years, i.e. per 1 000 a year (each in its own kommun, with the three
modules of SPEC §3 and three handledare who cannot log in), and the cases follow national
proportions: about 1.5 enrolments per participant, 20 journal notes and 2 placements per
enrolment, spread over ten years, or over `years` (`seed_demo --years`): the same
participants a year over more years give a longer history with the same teams and the same
activity in each year (the bench's history series).
Capacity-limited modules (Portalen, 30 places) never get more open placements than places:
when one is full, the open placement goes to the next rung of the ladder instead.

Speed: rows are built as plain tuples (builder.py) with primary keys assigned here (so
children can point at parents without reading ids back), and written in chunks with
PostgreSQL's COPY or SQLite's executemany (writer.py). 100 000 participants (about 5 million
rows) take well under the three minutes the issue allows on both databases; see BENCHMARKS.md.

Deterministic for a given seed. Every personnummer is valid (Luhn) and generated, never real.
The first participant is the same as the small demo's for the seed, so `seed_demo` run twice
finds it and adds nothing."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from demo.cases import FIRST_NAMES, LAST_NAMES
from demo.national.builder import YEARS, Builder, TeamProfile
from demo.national.writer import COLUMNS, Writer
from demo.organisation import MODULES, REHAB_TEAM, TRIAGE_TEAM
from modules.models import Module, Placement, Review
from rehab.models import Enrolment, Goal, JournalNote, Kommun, Membership, Participant, Team

NATIONAL_FROM = 1000
PARTICIPANTS_PER_EXTRA_TEAM = 10_000
HANDLEDARE_PER_EXTRA_TEAM = 3
CHUNK = 5000  # participants written per round of inserts
DALARNA = "20"
MAX_YEARS = 50


def extra_team_count(n: int, years: int = YEARS) -> int:
    """One extra team per PARTICIPANTS_PER_EXTRA_TEAM participants in YEARS years: the teams
    follow the participants a year, not the length of the history."""
    if n < NATIONAL_FROM:
        return 0
    return n * YEARS // years // PARTICIPANTS_PER_EXTRA_TEAM


@transaction.atomic
def ensure_extra_teams(org, n: int, years: int = YEARS):
    """The extra rehab teams for n participants over `years` (created once); returns
    [(team, users)]."""
    count = extra_team_count(n, years)
    if not count:
        return []
    taken = set(org[REHAB_TEAM].kommuner.values_list("pk", flat=True))
    kommuner = list(
        Kommun.objects.exclude(pk__in=taken)
        .annotate(
            home=Case(
                When(county_code=DALARNA, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("home", "code")[:count]
    )
    User = get_user_model()
    unusable = make_password(None)
    result = []
    for kommun in kommuner:
        team, created = Team.objects.get_or_create(
            name=f"Rehabteamet {kommun.name}",
            defaults={
                "forbund": org["forbund"],
                "kind": Team.Kind.REHAB,
                "huvudman": f"{kommun.name} kommun, AMI",
                "triage_team": org[TRIAGE_TEAM],
            },
        )
        if created:
            team.kommuner.set([kommun])
            for name, purpose, order, first, ext, max_ext, capacity in MODULES:
                Module.objects.create(
                    team=team,
                    name=name,
                    purpose=purpose,
                    order=order,
                    first_period=first,
                    extension_period=ext,
                    max_extensions=max_ext,
                    capacity=capacity,
                )
        users = []
        for i in range(1, HANDLEDARE_PER_EXTRA_TEAM + 1):
            user, _ = User.objects.get_or_create(
                username=f"handledare.{kommun.code}.{i}",
                defaults={
                    "first_name": FIRST_NAMES["K" if i % 2 else "M"][i + int(kommun.code) % 15],
                    "last_name": LAST_NAMES[(i * 7 + int(kommun.code)) % len(LAST_NAMES)],
                    "password": unusable,
                },
            )
            Membership.objects.get_or_create(user=user, team=team)
            users.append(user)
        result.append((team, users, kommun))
    return result


@transaction.atomic
def seed(*, n, seed, org, handledare, today=None, years=YEARS) -> dict:
    """Create n participants in the national profile. The caller checks idempotence."""
    today = today or timezone.localdate()
    home = {k.name: k.pk for k in Kommun.objects.filter(name__in=["Ludvika", "Smedjebacken"])}
    others = list(
        Kommun.objects.filter(name__in=["Borlänge", "Falun"]).values_list("pk", flat=True)
    )
    teams = [
        TeamProfile(
            org[REHAB_TEAM],
            handledare,
            [(home["Ludvika"], 60), (home["Smedjebacken"], 34), *((k, 3) for k in others)],
        )
    ]
    for team, users, kommun in ensure_extra_teams(org, n, years):
        teams.append(TeamProfile(team, users, [(kommun.pk, 90), *((k, 5) for k in others)]))
    seen = set(
        Participant.objects.filter(personnummer__isnull=False).values_list(
            "personnummer", flat=True
        )
    )
    if connection.vendor == "sqlite":
        # A bigger page cache for this connection: the index inserts stay in memory.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    writer = Writer(COLUMNS)
    builder = Builder(writer, teams, today, seed, years=years)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible from the seed
    for i in range(n):
        builder.participant(rng, i, seen)
        if (i + 1) % CHUNK == 0:
            writer.flush()
    writer.finish()
    if writer.postgres:
        with connection.cursor() as cursor:
            for model, _columns in COLUMNS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    written = writer.counts()
    return {
        "participants": written[Participant],
        "enrolments": written[Enrolment],
        "placement": written[Placement],
        "journalnote": written[JournalNote],
        "goal": written[Goal],
        "review": written[Review],
        "teams": len(teams),
    }
