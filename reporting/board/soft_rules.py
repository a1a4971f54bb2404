"""The board report's section on SPEC §13's places and soft rules, for the unit manager with
exact numbers: occupancy per kommun against the places each is offered first, the team's
total and reserved places on the period's last day, and how often each soft rule was gone
past in the period ("3 inskrivningar utöver Hagfors andel")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q

from modules.selectors import TeamPlaces, team_places
from rehab.models import Enrolment, RuleWarning

Code = RuleWarning.Code


def genitive(name: str) -> str:
    """Swedish genitive of a place name: Forshagas, but Hagfors, Munkfors."""
    return name if name[-1:].lower() in "sxz" else f"{name}s"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _text(code: str, detail: str, n: int) -> str:
    enrolments = _plural(n, "inskrivning", "inskrivningar")
    if code == Code.KOMMUN_SHARE:
        return f"{enrolments} utöver {genitive(detail)} andel"
    if code == Code.TEAM_TOTAL:
        return f"{enrolments} utöver teamets löpande platser"
    if code == Code.REFERRAL_PATH:
        return f"{enrolments} med en annan remissväg än den {detail} förväntar sig"
    if code == Code.NO_REFERRING_INCOME:
        return f"{enrolments} utan försörjning från en remitterande part"
    return f"{_plural(n, 'avslut', 'avslut')} utan utvärderingsmöte före avslutet"


@dataclass(frozen=True)
class TeamRules:
    places: TeamPlaces
    warnings: list[str]
    evaluations: str = ""

    @property
    def shown(self) -> bool:
        return self.places.has_rules or bool(self.warnings) or bool(self.evaluations)


def soft_rule_counts(team, *, date_from: date, date_to: date) -> list[str]:
    """The period's counted soft-rule warnings of `team`, as sentences: enrolments that
    started in the period (an exit without evaluation: exits in the period), each counted
    once per rule and kommun or module, one query."""
    started = Q(enrolment__start_date__range=(date_from, date_to)) & ~Q(
        code=Code.EXIT_WITHOUT_EVALUATION
    )
    exited = Q(code=Code.EXIT_WITHOUT_EVALUATION, enrolment__exit_date__range=(date_from, date_to))
    rows = (
        RuleWarning.objects.filter(started | exited)
        .filter(enrolment__team=team, enrolment__registered_in_error=False)
        .values("code", "detail")
        .annotate(n=Count("enrolment", distinct=True))
        .order_by("code", "detail")
    )
    order = list(Code.values)
    rows = sorted(rows, key=lambda r: (order.index(r["code"]), r["detail"]))
    return [_text(r["code"], r["detail"], r["n"]) for r in rows]


def exit_evaluations(team, *, date_from: date, date_to: date) -> str:
    """SPEC §13 rule 9: "N av M avslut hade ett utvärderingsmöte före avslutet" for the exits of
    the period (blank without exits), one query."""
    counts = (
        Enrolment.objects.valid()
        .filter(team=team, exit_date__range=(date_from, date_to))
        .aggregate(
            exits=Count("pk"),
            evaluated=Count("pk", filter=Q(exit_evaluation__held_date__lte=F("exit_date"))),
        )
    )
    if not counts["exits"]:
        return ""
    return (
        f"{counts['evaluated']} av {counts['exits']} avslut hade ett utvärderingsmöte före "
        "avslutet."
    )


def board_soft_rules(teams, *, date_from: date, date_to: date) -> list[TeamRules]:
    """Per team of the report: its places on `date_to` and the period's warnings."""
    result = []
    for team in teams:
        if team.is_triage:
            continue
        item = TeamRules(
            places=team_places(team, day=date_to),
            warnings=soft_rule_counts(team, date_from=date_from, date_to=date_to),
            evaluations=exit_evaluations(team, date_from=date_from, date_to=date_to),
        )
        if item.shown:
            result.append(item)
    return result
