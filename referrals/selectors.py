"""Reads for referrals, triage, consultations and consent. Every list is scoped to the user's
teams here, so no view can forget it."""

import datetime

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import ExtractMonth

from common.months import MONTH_NAMES
from referrals.models import Consent, Consultation, Referral, ReferralEvent
from referrals.services import DECISIONS, READY
from rehab.access import get_access
from rehab.models import Enrolment, Participant, Referrer, Team

Status = Referral.Status

SORTS = {
    "-received": ("-received_date", "-pk"),
    "received": ("received_date", "pk"),
}


# --- Referrals ------------------------------------------------------------------------------


def _case_variants(q: str) -> set[str]:
    """SQLite's LIKE folds case for ASCII letters only, so "SÖMN" would miss "sömn" on a
    laptop database; trying the usual casings covers Swedish text. PostgreSQL folds case
    fully and needs the query alone."""
    if connection.vendor != "sqlite":
        return {q}
    return {q, q.lower(), q.upper(), q.capitalize(), q.title()}


def referrals_for(user):
    """Referrals the user may see and work with: received by, or assigned to, one of their
    teams. Aggregate-only users see none."""
    team_ids = get_access(user).team_ids()
    if not team_ids:
        return Referral.objects.none()
    return Referral.objects.filter(Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids))


def referral_list(user, *, q="", status="", source="", team_id=None, sort="-received"):
    """The referral list: search in the case officer's name and the need, filters, sort."""
    qs = referrals_for(user).select_related("team", "assigned_team", "participant")
    q = (q or "").strip()
    if q:
        condition = Q()
        for variant in _case_variants(q):
            condition |= (
                Q(case_officer_name__icontains=variant)
                | Q(need__icontains=variant)
                | Q(diary_number__icontains=variant)
            )
        qs = qs.filter(condition)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if team_id:
        qs = qs.filter(Q(team_id=team_id) | Q(assigned_team_id=team_id))
    return qs.order_by(*SORTS.get(sort, SORTS["-received"]))


def get_referral_for_user(user, pk) -> Referral | None:
    return (
        referrals_for(user)
        .select_related("team", "assigned_team", "participant", "enrolment", "created_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ReferralEvent.objects.select_related("by").order_by("date", "pk"),
            )
        )
        .filter(pk=pk)
        .first()
    )


def referral_waiting_days(referral: Referral) -> tuple[int | None, int | None]:
    """Days from received to the team's decision, and from received to the start of the
    enrolment, read from the referral's dated events (None where not reached yet)."""
    events = sorted(referral.events.all(), key=lambda e: (e.date, e.pk))
    received = next((e.date for e in events if e.status == Status.RECEIVED), None)
    received = received or referral.received_date
    decided = next((e.date for e in events if e.status in DECISIONS), None)
    started = next((e.date for e in events if e.status == Status.ENROLLED), None)
    return (
        (decided - received).days if decided else None,
        (started - received).days if started else None,
    )


def assignable_methods(referral: Referral):
    """The triage team's active methods a referral may be assigned to."""
    return Team.objects.filter(triage_team_id=referral.team_id, is_active=True).order_by("name")


def can_assign(user, referral: Referral) -> bool:
    return (
        referral.team.is_triage
        and referral.status in READY
        and get_access(user).is_admin_of(referral.team_id)
    )


def can_record_intro(user, referral: Referral) -> bool:
    """The triage team's members record the introductory conversation, before the method
    decision (SPEC §13 rule 4)."""
    return (
        referral.team.is_triage
        and referral.decided_date is None
        and get_access(user).is_member(referral.team_id)
    )


def can_enrol(referral: Referral) -> bool:
    """An accepted or queued referral can lead to an enrolment in the team that works with
    it: the receiving team, or the method an En väg in referral was assigned to."""
    if referral.status not in READY:
        return False
    return not referral.team.is_triage or referral.assigned_team_id is not None


def awaiting_assignment(referral: Referral) -> bool:
    """An accepted En väg in referral that no method works with yet."""
    return (
        referral.team.is_triage and referral.status in READY and referral.assigned_team_id is None
    )


# --- Consultations --------------------------------------------------------------------------


def consultation_counts(team: Team, year: int) -> dict:
    """Consultations of `team` in `year` per month and agency, in one query with conditional
    aggregation; months without consultations are shown as zeros."""
    agencies = list(Referrer)
    rows = (
        Consultation.objects.filter(team=team, date__year=year)
        .annotate(month=ExtractMonth("date"))
        .values("month")
        .annotate(
            total=Count("pk"),
            **{f"n_{a.value}": Count("pk", filter=Q(agency=a.value)) for a in agencies},
        )
        .order_by("month")
    )
    by_month = {row["month"]: row for row in rows}
    months = []
    totals = dict.fromkeys([a.value for a in agencies], 0)
    grand_total = 0
    for number, name in enumerate(MONTH_NAMES, start=1):
        row = by_month.get(number, {})
        counts = [row.get(f"n_{a.value}", 0) for a in agencies]
        for a, n in zip(agencies, counts, strict=True):
            totals[a.value] += n
        grand_total += row.get("total", 0)
        months.append(
            {"number": number, "name": name, "counts": counts, "total": row.get("total", 0)}
        )
    return {
        "agencies": agencies,
        "months": months,
        "totals": [totals[a.value] for a in agencies],
        "total": grand_total,
    }


def consultations_for_team(team: Team, year: int):
    return Consultation.objects.filter(team=team, date__year=year).order_by("-date", "-pk")


def consultation_years(team: Team, today: datetime.date) -> list[int]:
    """Years to choose from: this year and every year with a consultation, newest first."""
    years = {d.year for d in Consultation.objects.filter(team=team).dates("date", "year")}
    years.add(today.year)
    return sorted(years, reverse=True)


# --- Consent --------------------------------------------------------------------------------


def _agency_labels(consent: Consent) -> list[str]:
    labels = dict(Referrer.choices)
    return [labels.get(code, code) for code in consent.agencies.split(",") if code]


def _with_labels(consents):
    for consent in consents:
        consent.agency_labels = _agency_labels(consent)
    return consents


def participant_consent_status(participant: Participant) -> Consent | None:
    """The participant's active consent, or None (then information may not be shared)."""
    consent = (
        Consent.objects.filter(participant=participant, ended_date__isnull=True)
        .order_by("-given_date", "-pk")
        .first()
    )
    if consent is not None:
        _with_labels([consent])
    return consent


def participant_referral_context(participant: Participant, user) -> dict:
    """Everything the participant page's consent and referral partials need, in three
    queries (plus the user's roles, read once per request)."""
    access = get_access(user)
    team_ids = access.team_ids()
    consents = _with_labels(
        list(Consent.objects.filter(participant=participant).order_by("-given_date", "-pk"))
    )
    active = next((c for c in consents if c.ended_date is None), None)
    referrals = list(
        Referral.objects.filter(participant=participant)
        .filter(Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids))
        .select_related("team", "assigned_team")
        .order_by("-received_date", "-pk")
    )
    enrolled = (
        bool(team_ids) and Enrolment.objects.active().filter(participant=participant).exists()
    )
    return {
        "participant": participant,
        "consents": consents,
        "active_consent": active,
        "can_edit": enrolled,
        "referrals": referrals,
    }
