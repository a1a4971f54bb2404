"""Reads for the board report pages: which reports a user may open, and how exactly.

A report covers one team or all teams of a förbund. The admin (enhetschef) of a team opens
its report with exact numbers; förbund officers open the reports of the teams their förbund
funds, and of all of them together, with small counts suppressed. An admin may also open
the förbund-wide report of the förbund funding their teams: exact when they manage every
team in it, suppressed otherwise. Steering-group members and handledare have no board
report pages (they get 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from rehab.access import ADMIN, FORBUND, get_access
from rehab.models import Forbund, Team
from reporting.models import BoardNote


@dataclass(frozen=True)
class Scope:
    key: str
    label: str
    forbund: Forbund
    team: Team | None
    teams: list[Team]

    @property
    def is_forbund_wide(self) -> bool:
        return self.team is None

    @property
    def slug_name(self) -> str:
        return self.team.name if self.team else f"alla-team-{self.forbund.name}"


def report_forbund_ids(user) -> set[int]:
    """Förbund whose teams' board reports the user may open: those where they are the
    förbund officer, and those funding teams they manage (not steering-group seats)."""
    access = get_access(user)
    officer_of = {f for f, role in access.forbund_roles.items() if role == FORBUND}
    return officer_of | access.admin_team_forbunds


def board_scopes(user) -> list[Scope]:
    """The reports the user may open, förbund by förbund: all teams first, then each team."""
    access = get_access(user)
    forbund_ids = report_forbund_ids(user)
    admin_ids = access.team_ids(ADMIN)
    teams = list(
        Team.objects.filter(Q(pk__in=admin_ids) | Q(forbund_id__in=forbund_ids), is_active=True)
        .select_related("forbund")
        .order_by("forbund__name", "name")
    )
    scopes: list[Scope] = []
    by_forbund: dict[int, list[Team]] = {}
    for team in teams:
        by_forbund.setdefault(team.forbund_id, []).append(team)
    for forbund_teams in by_forbund.values():
        forbund = forbund_teams[0].forbund
        if forbund.pk in forbund_ids and len(forbund_teams) > 1:
            scopes.append(
                Scope(
                    key=f"forbund-{forbund.pk}",
                    label=f"Alla team i {forbund.name}",
                    forbund=forbund,
                    team=None,
                    teams=forbund_teams,
                )
            )
        for team in forbund_teams:
            scopes.append(
                Scope(
                    key=f"team-{team.pk}",
                    label=team.name,
                    forbund=forbund,
                    team=team,
                    teams=[team],
                )
            )
    return scopes


def is_exact_for(user, scope: Scope) -> bool:
    """Exact numbers only for the admin of every team in the report."""
    access = get_access(user)
    return bool(scope.teams) and all(access.is_admin_of(team.pk) for team in scope.teams)


def board_note(scope: Scope, date_from: date, date_to: date) -> BoardNote | None:
    return (
        BoardNote.objects.filter(
            forbund=scope.forbund, team=scope.team, date_from=date_from, date_to=date_to
        )
        .select_related("updated_by")
        .first()
    )
