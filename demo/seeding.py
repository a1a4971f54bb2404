"""The synthetic cases of `seed_demo`: the small demo of `make run` (demo/cases.py) up to
NATIONAL_FROM participants, the national profile (demo/national/) from there on."""

from django.contrib.auth import get_user_model

from demo import national
from demo.cases import first_personnummer, seed_participants
from demo.organisation import REHAB_TEAM
from rehab.models import Membership, Participant


def seed_cases(org, *, participants, seed, years=national.YEARS):
    """Synthetic participants, with the demo handledare responsible in Rehabteamet. Up to
    NATIONAL_FROM participants they all belong to Rehabteamet (the demo of `make run`); from
    there on the national profile of demo/national/ adds teams and `years` years (ten unless
    told)."""
    handledare = list(
        get_user_model().objects.filter(
            memberships__team=org[REHAB_TEAM], memberships__role=Membership.Role.HANDLEDARE
        )
    )
    if participants >= national.NATIONAL_FROM:
        if Participant.objects.filter(personnummer=first_personnummer(seed)).exists():
            return None
        return national.seed(
            n=participants, seed=seed, org=org, handledare=handledare, years=years
        )
    return seed_participants(
        n=participants, seed=seed, teams=[org[REHAB_TEAM]], handledare=handledare or [None]
    )
