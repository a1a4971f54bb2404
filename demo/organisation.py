"""The demo organisation of SPEC §3: one förbund, two kommuner, Rehabteamet with its three
modules, an En väg in triage team, and one user per role. Idempotent: running it again finds
what is there and changes nothing."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from modules.models import Module
from rehab.kommuner import load_kommuner
from rehab.models import Forbund, ForbundMembership, Kommun, Membership, Team

FORBUND_NAME = "Västerbergslagens samordningsförbund"
KOMMUNER = ["Ludvika", "Smedjebacken"]
REHAB_TEAM = "Rehabteamet"
TRIAGE_TEAM = "EVI"
ADMIN_GROUP = "Enhetschef"

# SPEC §3: the Rehabteamet model, seeded exactly.
MODULES = [
    # name, purpose, order, first period, extension, max extensions, capacity
    (
        "Portalen",
        "Lågtröskel: trygghet och socialt sammanhang (fikagrupp, friskvård)",
        1,
        3,
        3,
        1,
        30,
    ),
    ("Kompassen", "Socialt sammanhang på en arbetsplats, social praktik", 2, 6, 6, None, None),
    ("Passagen", "Mer självständig arbetsträning med stöd", 3, 6, 6, None, None),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    description: str


DEMO_USERS = [
    DemoUser("handledare", "Hanna", "Lind", "handledare", "handledare i Rehabteamet"),
    DemoUser("handledare2", "Hugo", "Berg", "handledare", "handledare i EVI (bara EVI)"),
    DemoUser("admin", "Anita", "Sjö", "admin", "enhetschef för Rehabteamet och EVI"),
    DemoUser("forbund", "Fredrik", "Ås", "forbund", "förbundschef – bara sammanställningar"),
    DemoUser("styrgrupp", "Stina", "Ek", "styrgrupp", "styrgrupp (LSG) – bara sammanställningar"),
]

# What the unit manager may change in the Django admin: the organisation, never case data.
ADMIN_PERMISSIONS = [
    ("rehab", "team", ["view", "change"]),
    ("rehab", "membership", ["view", "add", "change", "delete"]),
    ("rehab", "kommunquota", ["view", "add", "change", "delete"]),
    ("rehab", "kommun", ["view"]),
    ("rehab", "forbund", ["view"]),
    ("modules", "module", ["view", "add", "change", "delete"]),
    ("auth", "user", ["view"]),
]


@transaction.atomic
def seed_organisation():
    """Create the demo organisation if missing; returns the teams by name."""
    if not Kommun.objects.exists():
        # A flushed test database loses the data migration's rows.
        load_kommuner(Kommun)
    forbund, _ = Forbund.objects.get_or_create(name=FORBUND_NAME)
    kommuner = list(Kommun.objects.filter(name__in=KOMMUNER))
    triage, _ = Team.objects.get_or_create(
        name=TRIAGE_TEAM,
        defaults={
            "forbund": forbund,
            "kind": Team.Kind.TRIAGE,
            "huvudman": "Ludvika kommun, AMI",
        },
    )
    rehab, _ = Team.objects.get_or_create(
        name=REHAB_TEAM,
        defaults={
            "forbund": forbund,
            "kind": Team.Kind.REHAB,
            "huvudman": "Ludvika kommun, AMI",
            "triage_team": triage,
        },
    )
    for team in (triage, rehab):
        if not team.kommuner.exists():
            team.kommuner.set(kommuner)
    for name, purpose, order, first, ext, max_ext, capacity in MODULES:
        Module.objects.get_or_create(
            team=rehab,
            name=name,
            defaults={
                "purpose": purpose,
                "order": order,
                "first_period": first,
                "extension_period": ext,
                "max_extensions": max_ext,
                "capacity": capacity,
            },
        )
    return {"forbund": forbund, REHAB_TEAM: rehab, TRIAGE_TEAM: triage}


def _admin_group():
    group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    wanted = []
    for app_label, model, actions in ADMIN_PERMISSIONS:
        wanted += Permission.objects.filter(
            content_type__app_label=app_label,
            codename__in=[f"{a}_{model}" for a in actions],
        )
    if set(group.permissions.all()) != set(wanted):
        group.permissions.set(wanted)
    return group


@transaction.atomic
def seed_users(org, password):
    """The five demo users. With a password, each gets it (unchanged if it already has it)."""
    User = get_user_model()
    rehab, triage, forbund = org[REHAB_TEAM], org[TRIAGE_TEAM], org["forbund"]
    created_any = False
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={"first_name": demo.first_name, "last_name": demo.last_name},
        )
        created_any |= created
        if password and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if demo.role == "admin" and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if demo.role == "admin":
            user.groups.add(_admin_group())
            for team in (rehab, triage):
                Membership.objects.get_or_create(
                    user=user, team=team, defaults={"role": Membership.Role.ADMIN}
                )
        elif demo.username == "handledare":
            Membership.objects.get_or_create(user=user, team=rehab)
        elif demo.username == "handledare2":
            Membership.objects.get_or_create(user=user, team=triage)
        else:
            ForbundMembership.objects.get_or_create(
                user=user, forbund=forbund, defaults={"role": demo.role}
            )
    return created_any
