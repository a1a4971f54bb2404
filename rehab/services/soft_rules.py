"""The soft rules of SPEC §6 and §13: warnings shown where the user acts, never blocking.

The ones of §13 that the board report counts (a kommun's share, the team's total, the referral
path, income from a referring party) are kept as `RuleWarning` rows by the service that made the
write, so that the unit manager can read "3 inskrivningar utöver Hagfors andel"."""

from __future__ import annotations

import datetime

from rehab.models import Enrolment, IncomeSource, KommunQuota, Referrer, RuleWarning

Code = RuleWarning.Code
FULL_BY_NEED = "platserna kan fyllas utifrån behov"


class SoftWarning(str):
    """A warning's Swedish text, with the rule it comes from (`code`, blank for §6's
    eligibility warnings, which are not counted) and what it concerns (`detail`)."""

    code: str
    detail: str

    def __new__(cls, message: str, *, code: str = "", detail: str = ""):
        warning = super().__new__(cls, message)
        warning.code = code
        warning.detail = detail
        return warning


def age_at(participant, day: datetime.date) -> int:
    if participant.birth_date:
        b = participant.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
    # Anonymous participants carry the birth year only: the age reached during that year.
    return day.year - participant.birth_year


def running_on(team, day: datetime.date):
    """The team's enrolments in progress on `day`: its running places."""
    return Enrolment.objects.active(day).filter(team=team, start_date__lte=day)


def place_warnings(*, participant, team, start_date, exclude=None) -> list[SoftWarning]:
    """§13 rule 1: enrolling past the places a kommun is offered first, or past the team's
    running places, warns. Counts the enrolments running on `start_date`, the new one included
    (`exclude` leaves out an enrolment already saved, so that the count is the same before and
    after the save)."""
    warnings = []
    running = running_on(team, start_date)
    if exclude is not None:
        running = running.exclude(pk=exclude.pk)
    quota = (
        KommunQuota.objects.filter(team=team, kommun_id=participant.kommun_id)
        .select_related("kommun")
        .first()
    )
    if quota is not None:
        taken = running.filter(participant__kommun_id=participant.kommun_id).count() + 1
        if taken > quota.places:
            warnings.append(
                SoftWarning(
                    f"{quota.kommun} erbjuds {quota.places} platser först; med den här "
                    f"inskrivningen är {taken} från {quota.kommun} inskrivna i {team} – "
                    f"{FULL_BY_NEED}.",
                    code=Code.KOMMUN_SHARE,
                    detail=quota.kommun.name,
                )
            )
    if team.total_places is not None:
        taken = running.count() + 1
        if taken > team.total_places:
            warnings.append(
                SoftWarning(
                    f"{team} har {team.total_places} löpande platser; med den här inskrivningen "
                    f"är {taken} inskrivna – {FULL_BY_NEED}.",
                    code=Code.TEAM_TOTAL,
                )
            )
    return warnings


def referral_path_warning(*, expected: str, referrer: str, where) -> SoftWarning | None:
    """§13 rule 2: a team or module that expects its referrals through a named referrer warns
    at an enrolment or placement from another."""
    if not expected or not referrer or referrer == expected:
        return None
    return SoftWarning(
        f"{where} tar emot deltagare via {Referrer(expected).label}; den här inskrivningen "
        f"kommer från {Referrer(referrer).label}.",
        code=Code.REFERRAL_PATH,
        detail=str(where),
    )


def income_warning(*, team, income_start) -> SoftWarning | None:
    """§13 rule 10: in a team that asks for income from a referring party, a participant whose
    only income source is "ingen offentlig försörjning" warns."""
    if team.require_referring_income and set(income_start or ()) == {IncomeSource.INGEN}:
        return SoftWarning(
            f"Deltagarens enda försörjning är ”{IncomeSource.INGEN.label}”; {team} ska ha "
            "deltagare med försörjning från en remitterande part.",
            code=Code.NO_REFERRING_INCOME,
        )
    return None


def enrolment_warnings(
    *,
    participant,
    team,
    start_date,
    agencies,
    referrer="",
    income_start=(),
    exclude=None,
) -> list[SoftWarning]:
    """Every soft rule of an enrolment: SPEC §6 eligibility, then §13's places, referral path
    and income."""
    warnings = []
    age = age_at(participant, start_date)
    if not team.min_age <= age <= team.max_age:
        warnings.append(
            SoftWarning(
                f"Deltagaren är {age} år vid start – utanför teamets åldersgräns "
                f"{team.min_age}–{team.max_age} år."
            )
        )
    if len(set(agencies or [])) < 2:
        warnings.append(SoftWarning("Färre än två myndigheter är involverade."))
    if not team.kommuner.filter(pk=participant.kommun_id).exists():
        warnings.append(SoftWarning(f"{participant.kommun} är inte en kommun som {team} tjänar."))
    warnings += place_warnings(
        participant=participant, team=team, start_date=start_date, exclude=exclude
    )
    for warning in (
        referral_path_warning(expected=team.expected_referrer, referrer=referrer, where=team),
        income_warning(team=team, income_start=income_start),
    ):
        if warning is not None:
            warnings.append(warning)
    return warnings


def exit_warnings(enrolment) -> list[SoftWarning]:
    """§13 rule 9: an exit without an evaluation meeting on or before the exit date warns."""
    evaluation = getattr(enrolment, "exit_evaluation", None) if enrolment.pk else None
    if evaluation is not None and evaluation.held_date <= enrolment.exit_date:
        return []
    return [
        SoftWarning(
            "Inget utvärderingsmöte före avslutet är registrerat; målen är inte utvärderade "
            "med deltagaren och remitterande handläggare.",
            code=Code.EXIT_WITHOUT_EVALUATION,
        )
    ]


def warnings_record(*, enrolment, warnings, by) -> list[RuleWarning]:
    """Keep the counted warnings of a write (those with a code) for the board report."""
    return RuleWarning.objects.bulk_create(
        RuleWarning(
            enrolment=enrolment, code=w.code, detail=w.detail[:120], message=w[:400], by=by
        )
        for w in warnings
        if w.code
    )
