"""Which reports a user may open (scopes) and whether they see exact or suppressed numbers.

A report – the board report or a dashboard – covers one team or all teams of a förbund
together. The admin (enhetschef) of every team in a scope sees exact numbers; everyone else
(förbund officers, steering-group members, an admin who does not manage every team in the
scope) sees small counts suppressed (SPEC §11).

- Board report: förbund officers and steering-group members open the reports of the teams
  their förbund funds, admins those of the teams they manage and the förbund-wide report of
  the förbund funding them. Handledare have no board report.
- Dashboards: förbund officers and steering-group members see every active team of their
  förbund; an admin sees the teams they manage (and all of those together).
- A förbund membership limited to chosen teams (SPEC §13 rule 15) sees only those teams, on
  every report; "all teams together" is then all of those teams together.

The suppressed view uses the disclosure threshold of the teams' förbund; where a page shows
teams of several förbund, the strictest (highest) of their thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from rehab.access import ADMIN, get_access
from rehab.models import Forbund, Team
from reporting.disclosure import DEFAULT_THRESHOLD

BOARD = "board"
DASHBOARD = "dashboard"


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

    @property
    def threshold(self) -> int:
        return threshold_for(self.teams)


def report_forbund_ids(user, report: str = BOARD) -> set[int]:
    """Förbund all of whose active teams the user may see in `report`: every förbund where
    they hold a förbund role covering the whole förbund (officer or steering group), and for
    the board report also those funding teams they manage."""
    access = get_access(user)
    if report == DASHBOARD:
        return access.whole_forbund_ids()
    return access.whole_forbund_ids() | access.admin_team_forbunds


def report_teams_q(user, report: str) -> Q:
    """The teams of `report` the user may open, as a filter on Team: those they manage, every
    team of `report_forbund_ids`, and the chosen teams of a förbund role limited to some
    (SPEC §13 rule 15: a steering group for En väg in alone sees En väg in alone)."""
    access = get_access(user)
    return (
        Q(pk__in=access.team_ids(ADMIN))
        | Q(forbund_id__in=report_forbund_ids(user, report))
        | access.forbund_teams_q()
    )


def report_scopes(user, report: str) -> list[Scope]:
    """The scopes of `report` (BOARD or DASHBOARD) the user may open, förbund by förbund:
    all teams together first (where the förbund has more than one), then each team."""
    forbund_ids = report_forbund_ids(user, report)
    teams = list(
        Team.objects.filter(report_teams_q(user, report), is_active=True)
        .select_related("forbund")
        .order_by("forbund__name", "name")
    )
    by_forbund: dict[int, list[Team]] = {}
    for team in teams:
        by_forbund.setdefault(team.forbund_id, []).append(team)
    scopes: list[Scope] = []
    for forbund_teams in by_forbund.values():
        forbund = forbund_teams[0].forbund
        if len(forbund_teams) > 1:
            # On the board report every förbund listed is one of `forbund_ids` (an admin's
            # teams' förbund counts), so only a dashboard says "your teams".
            whose = "Alla team i" if forbund.pk in forbund_ids else "Alla dina team i"
            scopes.append(
                Scope(
                    key=f"forbund-{forbund.pk}",
                    label=f"{whose} {forbund.name}",
                    forbund=forbund,
                    team=None,
                    teams=forbund_teams,
                )
            )
        scopes.extend(
            Scope(key=f"team-{t.pk}", label=t.name, forbund=forbund, team=t, teams=[t])
            for t in forbund_teams
        )
    return scopes


def is_exact(user, teams: Scope | Iterable[Team]) -> bool:
    """Exact numbers only for the admin of every team (of a scope, or of the teams given);
    never for no teams at all."""
    teams = list(teams.teams if isinstance(teams, Scope) else teams)
    access = get_access(user)
    return bool(teams) and all(access.is_admin_of(team.pk) for team in teams)


def threshold_for(teams: Iterable[Team]) -> int:
    """The disclosure threshold of a page showing `teams` together: the strictest (highest)
    threshold among their förbund, so that no förbund's small counts are shown below its own
    threshold; the default for no teams. Reads `team.forbund` (select_related it)."""
    return max((t.forbund.disclosure_threshold for t in teams), default=DEFAULT_THRESHOLD)
