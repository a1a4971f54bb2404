"""The teams of the source documents (SPEC §13), each in its own förbund, so that a newcomer
sees every way of working: Portalen via EVI in Västerbergslagen; En väg in with
Individsamverkansteam, Balder, AKTIV and garden rehabilitation in Insjöriket; REBUS in
Klarälvdalen; the samverkansteam in Lekeberg. Every rule is a setting of a team or module,
none is written into code for a team's name. Idempotent like demo/organisation.py."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from demo import cases
from demo.organisation import ADMIN_GROUP, REHAB_TEAM, _admin_group
from modules.models import Module, ModuleReservation
from modules.rules import WEEKS
from rehab import services
from rehab.models import (
    Agency,
    CaseMeeting,
    CaseMeetingItem,
    Enrolment,
    Forbund,
    ForbundMembership,
    Kommun,
    KommunQuota,
    Membership,
    Participant,
    Referrer,
    Team,
)
from reporting.models import Budget, BudgetLine

__all__ = ["ADMIN_GROUP", "SOURCE_USERS", "seed_sources"]


@dataclass(frozen=True)
class SourceModule:
    name: str
    purpose: str
    first: int
    extension: int
    unit: str = "months"
    max_extensions: int | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class SourceTeam:
    name: str
    huvudman: str
    kind: str = Team.Kind.REHAB
    triage: str = ""  # the name of its En väg in team
    settings: dict = field(default_factory=dict)
    quotas: tuple = ()  # (kommun, places offered first)
    modules: tuple = ()
    participants: int = 0


@dataclass(frozen=True)
class SourceForbund:
    key: str
    name: str
    kommuner: tuple
    teams: tuple
    budgets: dict = field(default_factory=dict)  # team name → [(line, amount)]


INSJORIKET = SourceForbund(
    key="insjoriket",
    name="Samordningsförbundet Insjöriket",
    kommuner=("Mora", "Orsa", "Älvdalen"),
    teams=(
        SourceTeam(
            "En väg in Insjöriket",
            "Mora kommun, arbetsmarknadsenheten",
            kind=Team.Kind.TRIAGE,
        ),
        SourceTeam(
            "Individsamverkansteam",
            "Mora kommun, arbetsmarknadsenheten",
            triage="En väg in Insjöriket",
            settings={"followup_interval_months": 3},
            modules=(
                SourceModule("Individsamverkan", "Samordnat stöd från flera myndigheter", 6, 6),
            ),
            participants=18,
        ),
        SourceTeam(
            "Balder",
            "Region Dalarna, psykiatrin",
            triage="En väg in Insjöriket",
            # Balder's queue: a place opens when a coordinator is free.
            modules=(
                SourceModule(
                    "Balder IPS", "Individanpassat stöd till arbete (IPS)", 6, 6, capacity=8
                ),
            ),
            participants=14,
        ),
        SourceTeam(
            "AKTIV",
            "Orsa kommun",
            settings={"is_complementary": True},
            modules=(
                SourceModule(
                    "AKTIV",
                    "Fysisk aktivitet och hälsa i grupp",
                    12,
                    4,
                    unit=WEEKS,
                    max_extensions=1,
                ),
            ),
            participants=12,
        ),
        SourceTeam(
            "Trädgårdsrehabilitering",
            "Älvdalens kommun",
            settings={"is_complementary": True},
            modules=(SourceModule("Trädgården", "Rehabilitering i trädgård", 10, 4, unit=WEEKS),),
            participants=8,
        ),
    ),
    budgets={
        "AKTIV": [
            ("Lönekostnader", Decimal("520000")),
            ("Lokal och utrustning", Decimal("60000")),
            ("Aktiviteter", Decimal("60000")),
        ]
    },
)

KLARALVDALEN = SourceForbund(
    key="klaralvdalen",
    name="Samordningsförbundet Klarälvdalen",
    kommuner=("Hagfors", "Forshaga", "Munkfors"),
    teams=(
        SourceTeam(
            "REBUS",
            "Hagfors kommun",
            settings={
                "total_places": 40,
                "followup_interval_months": 2,
                "require_referring_income": True,
                "min_age": 18,
                "max_age": 64,
            },
            quotas=(("Hagfors", 17), ("Forshaga", 17), ("Munkfors", 6)),
            modules=(
                SourceModule("Kartläggning", "Kartläggning av förmågor och behov", 2, 1),
                SourceModule("Arbetsträning", "Arbetsträning med stöd", 6, 3),
            ),
            participants=36,
        ),
    ),
)

LEKEBERG = SourceForbund(
    key="lekeberg",
    name="Samordningsförbundet Lekeberg",
    kommuner=("Lekeberg",),
    teams=(
        SourceTeam(
            "Samverkansteam Lekeberg",
            "Lekebergs kommun",
            # Fixed case meetings of the agencies (SPEC §13 rule 11).
            settings={"followup_interval_months": 3, "has_case_meetings": True},
            modules=(SourceModule("Samverkan", "Samordnade insatser från myndigheterna", 6, 6),),
            participants=14,
        ),
    ),
    budgets={
        "Samverkansteam Lekeberg": [
            ("Lön", Decimal("507600")),
            ("OH", Decimal("20000")),
            ("Bil", Decimal("48000")),
            ("Utbildning", Decimal("10000")),
        ]
    },
)

SOURCES = (INSJORIKET, KLARALVDALEN, LEKEBERG)


@dataclass(frozen=True)
class SourceUser:
    username: str
    first_name: str
    last_name: str
    role: str
    forbund: str  # SourceForbund.key
    team: str = ""  # for handledare and admin
    description: str = ""


SOURCE_USERS = [
    SourceUser(
        "insjo-handledare",
        "Ida",
        "Mora",
        "handledare",
        "insjoriket",
        "Individsamverkansteam",
        "handledare i Individsamverkansteam, Balder, AKTIV och En väg in (Insjöriket)",
    ),
    SourceUser(
        "insjo-admin",
        "Ingrid",
        "Orsa",
        "admin",
        "insjoriket",
        "",
        "enhetschef för Insjörikets team",
    ),
    SourceUser(
        "insjo-forbund",
        "Isak",
        "Siljan",
        "forbund",
        "insjoriket",
        "",
        "förbundschef i Insjöriket – bara sammanställningar",
    ),
    SourceUser(
        "insjo-styrgrupp",
        "Irma",
        "Dal",
        "styrgrupp",
        "insjoriket",
        "",
        "styrgrupp i Insjöriket – bara sammanställningar",
    ),
    SourceUser(
        "envagin-styrgrupp",
        "Elsa",
        "Väg",
        "styrgrupp",
        "insjoriket",
        "En väg in Insjöriket",
        "styrgrupp för En väg in (En väg in, Individsamverkansteam, Balder) – sammanställningar",
    ),
    SourceUser(
        "rebus-handledare",
        "Rut",
        "Hagberg",
        "handledare",
        "klaralvdalen",
        "REBUS",
        "handledare i REBUS (Klarälvdalen)",
    ),
    SourceUser(
        "rebus-admin",
        "Rolf",
        "Älv",
        "admin",
        "klaralvdalen",
        "REBUS",
        "enhetschef för REBUS",
    ),
    SourceUser(
        "rebus-forbund",
        "Ronja",
        "Klar",
        "forbund",
        "klaralvdalen",
        "",
        "förbundschef i Klarälvdalen – bara sammanställningar",
    ),
    SourceUser(
        "rebus-styrgrupp",
        "Rikard",
        "Fors",
        "styrgrupp",
        "klaralvdalen",
        "",
        "styrgrupp för REBUS – bara sammanställningar",
    ),
    SourceUser(
        "lekeberg-handledare",
        "Lena",
        "Ek",
        "handledare",
        "lekeberg",
        "Samverkansteam Lekeberg",
        "handledare i Samverkansteam Lekeberg",
    ),
    SourceUser(
        "lekeberg-admin",
        "Lars",
        "Berg",
        "admin",
        "lekeberg",
        "Samverkansteam Lekeberg",
        "enhetschef för Samverkansteam Lekeberg",
    ),
    SourceUser(
        "lekeberg-forbund",
        "Linnea",
        "Hult",
        "forbund",
        "lekeberg",
        "",
        "förbundschef i Lekeberg – bara sammanställningar",
    ),
    SourceUser(
        "lekeberg-styrgrupp",
        "Leo",
        "Ås",
        "styrgrupp",
        "lekeberg",
        "",
        "styrgrupp i Lekeberg – bara sammanställningar",
    ),
]

# The handledare in Insjöriket also works in these teams.
EXTRA_TEAMS = {"insjo-handledare": ("En väg in Insjöriket", "AKTIV", "Balder")}


def _configure_rehabteamet(teams_by_name) -> None:
    """Västerbergslagen (SPEC §13): Portalen's referrals come via EVI, EVI is contacted at an
    extension or re-referral, and Smedjebacken is guaranteed places in Portalen."""
    rehab = teams_by_name.get(REHAB_TEAM)
    if rehab is None:
        return
    portalen = Module.objects.filter(team=rehab, name="Portalen").first()
    if portalen is None:
        return
    if not portalen.triage_contact or portalen.expected_referrer != Referrer.EVI:
        portalen.triage_contact = True
        portalen.expected_referrer = Referrer.EVI
        portalen.save(update_fields=["triage_contact", "expected_referrer"])
    ModuleReservation.objects.get_or_create(
        module=portalen, kommun=Kommun.objects.get(name="Smedjebacken"), defaults={"places": 3}
    )


def _seed_forbund(source: SourceForbund) -> dict:
    forbund, _ = Forbund.objects.get_or_create(name=source.name)
    kommuner = list(Kommun.objects.filter(name__in=source.kommuner))
    teams = {}
    for spec in source.teams:
        team, created = Team.objects.get_or_create(
            name=spec.name,
            defaults={
                "forbund": forbund,
                "kind": spec.kind,
                "huvudman": spec.huvudman,
                "triage_team": teams.get(spec.triage),
                **spec.settings,
            },
        )
        if created:
            team.kommuner.set(kommuner)
        for kommun, places in spec.quotas:
            KommunQuota.objects.get_or_create(
                team=team, kommun=Kommun.objects.get(name=kommun), defaults={"places": places}
            )
        for order, m in enumerate(spec.modules, start=1):
            Module.objects.get_or_create(
                team=team,
                name=m.name,
                defaults={
                    "purpose": m.purpose,
                    "order": order,
                    "first_period": m.first,
                    "extension_period": m.extension,
                    "period_unit": m.unit,
                    "max_extensions": m.max_extensions,
                    "capacity": m.capacity,
                },
            )
        teams[spec.name] = team
    year = timezone.localdate().year
    for team_name, lines in source.budgets.items():
        budget, created = Budget.objects.get_or_create(team=teams[team_name], year=year)
        if created:
            BudgetLine.objects.bulk_create(
                BudgetLine(budget=budget, name=name, amount=amount, order=order)
                for order, (name, amount) in enumerate(lines, start=1)
            )
    return {"forbund": forbund, "teams": teams}


def _seed_users(seeded, password) -> None:
    User = get_user_model()
    for demo in SOURCE_USERS:
        forbund = seeded[demo.forbund]["forbund"]
        teams = seeded[demo.forbund]["teams"]
        user, _ = User.objects.get_or_create(
            username=demo.username,
            defaults={"first_name": demo.first_name, "last_name": demo.last_name},
        )
        if password and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if demo.role in (ForbundMembership.Role.FORBUND, ForbundMembership.Role.STYRGRUPP):
            membership, created = ForbundMembership.objects.get_or_create(
                user=user, forbund=forbund, defaults={"role": demo.role}
            )
            if created and demo.team:
                # SPEC §13 rule 15: the steering group of En väg in and its methods alone.
                triage = teams[demo.team]
                membership.teams.set([triage, *triage.methods.all()])
            continue
        if demo.role == Membership.Role.ADMIN:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(_admin_group())
            names = [demo.team] if demo.team else list(teams)
        else:
            names = [demo.team, *EXTRA_TEAMS.get(demo.username, ())]
        for name in names:
            Membership.objects.get_or_create(
                user=user, team=teams[name], defaults={"role": demo.role}
            )


def _seed_participants(seeded, *, seed: int) -> int:
    """Synthetic participants in each source team, from a seed of their own."""
    made = 0
    for offset, source in enumerate(SOURCES, start=1):
        teams = seeded[source.key]["teams"]
        handledare = list(
            get_user_model()
            .objects.filter(
                memberships__team__forbund=seeded[source.key]["forbund"],
                memberships__role=Membership.Role.HANDLEDARE,
            )
            .distinct()
        ) or [None]
        weights = [(name, 1) for name in source.kommuner]
        for index, spec in enumerate(source.teams):
            if not spec.participants:
                continue
            team_seed = seed * 1000 + offset * 10 + index
            if Participant.objects.filter(
                personnummer=cases.first_personnummer(team_seed)
            ).exists():
                continue
            counts = cases.seed_participants(
                n=spec.participants,
                seed=team_seed,
                teams=[teams[spec.name]],
                handledare=handledare,
                kommuner=weights,
                years=2,
            )
            made += counts["participants"] if counts else 0
    return made


@transaction.atomic
def seed_sources(org, *, password, participants: bool = True, seed: int = 1) -> dict:
    """The förbund, teams, modules, rules, budgets, users and (with `participants`) synthetic
    participants of SPEC §13. `org` is demo/organisation.py's result."""
    _configure_rehabteamet({REHAB_TEAM: org[REHAB_TEAM]})
    seeded = {source.key: _seed_forbund(source) for source in SOURCES}
    _seed_users(seeded, password)
    made = _seed_participants(seeded, seed=seed) if participants else 0
    if participants:
        for source in SOURCES:
            for team in seeded[source.key]["teams"].values():
                _seed_case_meetings(team, seed=seed)
                _record_rule_warnings(team)
    return {"forbund": [s.name for s in SOURCES], "participants": made}


def _record_rule_warnings(team) -> None:
    """The soft-rule warnings (SPEC §13) the services would have kept had the synthetic
    enrolments been entered by hand, in order of start: so that the board report's
    "Platser och mjuka regler" counts them in the demo as it would in real use. Enrolments
    that already have theirs are left alone (seed_demo may run again)."""
    for enrolment in (
        Enrolment.objects.valid()
        .filter(team=team, rule_warnings__isnull=True)
        .select_related("participant__kommun", "team", "responsible", "exit_evaluation")
        .order_by("start_date", "pk")
    ):
        warnings = services.enrolment_warnings(
            participant=enrolment.participant,
            team=team,
            start_date=enrolment.start_date,
            agencies=enrolment.agencies,
            referrer=enrolment.referrer,
            income_start=enrolment.income_start_list,
            exclude=enrolment,
        )
        if enrolment.exit_date:
            warnings += services.exit_warnings(enrolment)
        services.warnings_record(enrolment=enrolment, warnings=warnings, by=enrolment.responsible)


def _seed_case_meetings(team, *, seed: int) -> None:
    """A samverkansteam's fixed case meetings (SPEC §13 rule 11) every other week of the last
    year: two to four agencies, and two to five of the participants enrolled that day."""
    if not team.has_case_meetings or team.case_meetings.exists():
        return
    rng = random.Random(f"arendemoten-{seed}-{team.name}")  # noqa: S311 – synthetic demo data
    today = timezone.localdate()
    agencies = list(Agency.values)
    day = today - datetime.timedelta(days=364)
    while day <= today:
        enrolled = list(
            Enrolment.objects.valid().in_period(day, day).filter(team=team).order_by("pk")
        )
        present = set(rng.sample(agencies, rng.randint(2, 4)))
        meeting = CaseMeeting.objects.create(
            team=team, date=day, agencies=[a for a in agencies if a in present]
        )
        CaseMeetingItem.objects.bulk_create(
            CaseMeetingItem(meeting=meeting, enrolment=e)
            for e in rng.sample(enrolled, min(len(enrolled), rng.randint(2, 5)))
        )
        day += datetime.timedelta(days=14)
