"""Reads of the privacy app: the log review and the subject-access export."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from modules.models import FollowUp, ManagementApproval, Placement, WaitingListEntry
from privacy.models import AccessLog
from privacy.recorder import DENIED_SUMMARY_ACTION
from questionnaires.models import Response as QuestionnaireResponse
from referrals.access import of_teams_q
from referrals.models import Consent, Referral
from rehab.access import ADMIN, ROLE_LABELS, get_access
from rehab.models import (
    Attendance,
    CaseMeetingItem,
    Deviation,
    Enrolment,
    ExitFollowUp,
    Goal,
    JournalNote,
    Membership,
    Participant,
    Referrer,
)

UNASSIGNED_EXPLANATION = (
    "En användare räknas som tilldelad en deltagare när hon eller han är ansvarig handledare "
    "för någon av deltagarens inskrivningar (pågående eller avslutade, inte felregistrerade). "
    "Urvalet visar läsningar och exporter där användaren inte är det."
)


def admin_team_ids(user) -> list[int]:
    return get_access(user).team_ids(ADMIN)


def participants_of_teams(team_ids):
    """Participants with an enrolment in, or a referral to, one of `team_ids`."""
    return Participant.objects.filter(of_teams_q(team_ids))


def participant_for_admin(user, pk):
    """A participant enrolled in or referred to a team the user manages, or None."""
    return (
        participants_of_teams(admin_team_ids(user)).select_related("kommun").filter(pk=pk).first()
    )


def find_participant(user, personnummer12: str):
    return participants_of_teams(admin_team_ids(user)).filter(personnummer=personnummer12).first()


def team_users(user):
    """The users of the teams the user manages, for the review's user filter."""
    return (
        get_user_model()
        .objects.filter(memberships__team_id__in=admin_team_ids(user))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@dataclass(frozen=True)
class ReviewFilter:
    participant_id: int | None = None
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    unassigned: bool = False
    denied: bool = False


def _local_midnight(day: date) -> datetime:
    """The start of `day` in local time, in UTC. At the calendar's ends (0001-01-01 or
    9999-12-31 typed into a filter) the conversion leaves the representable range: the first
    or last representable instant then stands in, so that the filter keeps its meaning."""
    try:
        return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    except OverflowError:
        if day.year < 1000:
            return datetime.min.replace(tzinfo=UTC)
        return datetime.max.replace(tzinfo=UTC)


def _local_day_end(day: date) -> datetime:
    """The start of the day after `day` (local time, in UTC): the exclusive end of `day`."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return _local_midnight(day + timedelta(days=1))


def review_entries(user, flt: ReviewFilter):
    """Access-log rows the unit manager may review: about participants of the teams they
    manage, or by users of those teams. Newest first; one query per page."""
    team_ids = admin_team_ids(user)
    if not team_ids:
        return AccessLog.objects.none()
    own_participants = participants_of_teams(team_ids).values("pk")
    team_members = Membership.objects.filter(team_id__in=team_ids).values("user_id")
    qs = AccessLog.objects.filter(
        Q(participant_id__in=own_participants) | Q(user_id__in=team_members)
    ).select_related("user")
    if flt.participant_id is not None:
        qs = qs.filter(participant_id=flt.participant_id)
    if flt.user_id is not None:
        qs = qs.filter(user_id=flt.user_id)
    if flt.date_from is not None:
        qs = qs.filter(at__gte=_local_midnight(flt.date_from))
    if flt.date_to is not None:
        qs = qs.filter(at__lt=_local_day_end(flt.date_to))
    if flt.unassigned:
        assigned = Enrolment.objects.valid().filter(
            participant_id=OuterRef("participant_id"), responsible_id=OuterRef("user_id")
        )
        qs = qs.filter(
            kind__in=[AccessLog.Kind.READ, AccessLog.Kind.EXPORT], participant_id__isnull=False
        ).exclude(Exists(assigned))
    if flt.denied:
        qs = qs.filter(kind=AccessLog.Kind.DENIED)
    return qs.order_by("-at", "-pk")


def denied_counts(user, flt: ReviewFilter) -> list[dict]:
    """Denied attempts per user in the review's period (and user filter), most first: the
    attempts logged one by one and the minutes in which the per-minute bound cut off more
    ("fler nekade försök"). Denied rows name no participant, so the participant filter and
    the unassigned preset do not apply. One query."""
    period = replace(flt, participant_id=None, unassigned=False, denied=True)
    rows = (
        review_entries(user, period)
        .order_by()
        .values("user_id")
        .annotate(
            attempts=Count("pk", filter=~Q(action=DENIED_SUMMARY_ACTION)),
            capped_minutes=Count("pk", filter=Q(action=DENIED_SUMMARY_ACTION)),
        )
        .order_by("-attempts", "-capped_minutes", "user_id")
    )
    rows = list(rows)
    users = get_user_model().objects.in_bulk([r["user_id"] for r in rows if r["user_id"]])
    return [{**r, "user": users.get(r["user_id"])} for r in rows]


def participant_labels(user, participant_ids) -> dict[int, str]:
    """Name and masked personnummer of the page's participants that the user's teams hold
    (one query); others are shown by number only."""
    ids = {pid for pid in participant_ids if pid is not None}
    if not ids:
        return {}
    rows = participants_of_teams(admin_team_ids(user)).filter(pk__in=ids)
    return {p.pk: f"{p} ({p.masked_personnummer})" for p in rows}


def role_label(role: str) -> str:
    from django.utils.translation import gettext

    return gettext(ROLE_LABELS[role]) if role in ROLE_LABELS else (role or "–")


# --- Subject-access export ------------------------------------------------------------------


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _user_name(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


def subject_access(participant, *, by) -> dict:
    """Everything held about one person in the teams the user manages, with stable keys
    (README "Registerutdrag"). Dates are ISO 8601; times are UTC."""
    team_ids = admin_team_ids(by)
    enrolments = list(
        Enrolment.objects.filter(participant=participant, team_id__in=team_ids)
        .select_related("team", "responsible")
        .order_by("start_date", "pk")
    )
    ids = [e.pk for e in enrolments]

    def by_enrolment(queryset, key="enrolment_id"):
        grouped = {}
        for obj in queryset:
            grouped.setdefault(getattr(obj, key), []).append(obj)
        return grouped

    goals = by_enrolment(Goal.objects.filter(enrolment_id__in=ids).order_by("created_at", "pk"))
    notes = by_enrolment(
        JournalNote.objects.filter(enrolment_id__in=ids)
        .select_related("author")
        .order_by("date", "pk")
    )
    deviations = by_enrolment(
        Deviation.objects.filter(enrolment_id__in=ids).order_by("occurred_at", "pk")
    )
    placements = by_enrolment(
        Placement.objects.filter(enrolment_id__in=ids)
        .select_related("module")
        .prefetch_related("reviews")
        .order_by("start_date", "pk")
    )
    approvals = by_enrolment(
        ManagementApproval.objects.filter(enrolment_id__in=ids).order_by("requested_date", "pk")
    )
    followups = by_enrolment(
        FollowUp.objects.filter(enrolment_id__in=ids).order_by("held_date", "pk")
    )
    waiting = by_enrolment(
        WaitingListEntry.objects.filter(enrolment_id__in=ids)
        .select_related("module")
        .order_by("added_date", "pk")
    )
    exit_followups = by_enrolment(
        ExitFollowUp.objects.filter(enrolment_id__in=ids).order_by("months_after")
    )
    attendance = by_enrolment(
        Attendance.objects.filter(enrolment_id__in=ids)
        .select_related("activity")
        .order_by("activity__date", "pk")
    )
    case_meetings = by_enrolment(
        CaseMeetingItem.objects.filter(enrolment_id__in=ids)
        .select_related("meeting")
        .order_by("meeting__date", "pk")
    )
    questionnaires = by_enrolment(
        QuestionnaireResponse.objects.filter(enrolment_id__in=ids)
        .select_related("version__questionnaire")
        .prefetch_related("answers__question")
        .order_by("submitted_at", "pk")
    )

    def goal_dict(goal, children):
        return {
            "text": goal.text,
            "status": goal.get_status_display(),
            "created": _iso(goal.created_at),
            "subgoals": [goal_dict(c, []) for c in children],
        }

    def goals_of(enrolment_id):
        items = goals.get(enrolment_id, [])
        children = {}
        for g in items:
            if g.parent_id:
                children.setdefault(g.parent_id, []).append(g)
        return [goal_dict(g, children.get(g.pk, [])) for g in items if not g.parent_id]

    def enrolment_dict(e):
        return {
            "team": e.team.name,
            "start_date": _iso(e.start_date),
            "referrer": e.get_referrer_display(),
            "responsible": _user_name(e.responsible),
            "case_officer": {
                "name": e.case_officer_name,
                "agency": e.case_officer_agency,
                "phone": e.case_officer_phone,
                "email": e.case_officer_email,
            },
            "phase": e.get_phase_display(),
            "agencies": e.agency_labels,
            "income_start": e.income_start_list,
            "occupation_start": e.get_occupation_start_display(),
            "education": e.get_education_display(),
            "months_without_work": e.months_without_work,
            "wellbeing_start": e.wellbeing_start,
            "exit_date": _iso(e.exit_date),
            "exit_outcome": e.get_exit_outcome_display(),
            "income_exit": e.income_exit_list,
            "occupation_exit": e.get_occupation_exit_display(),
            "wellbeing_exit": e.wellbeing_exit,
            "exit_conversation_held": e.exit_conversation_held,
            "exit_plan": e.exit_plan,
            "registered_in_error": e.registered_in_error,
            "goals": goals_of(e.pk),
            "notes": [
                {
                    "date": _iso(n.date),
                    "kind": n.get_kind_display(),
                    "text": n.text,
                    "author": _user_name(n.author),
                }
                for n in notes.get(e.pk, [])
            ],
            "deviations": [
                {
                    "occurred_at": _iso(d.occurred_at),
                    "description": d.description,
                    "reported_at": _iso(d.reported_at),
                    "reported_to": d.reported_to,
                }
                for d in deviations.get(e.pk, [])
            ],
            "placements": [
                {
                    "module": p.module.name,
                    "start_date": _iso(p.start_date),
                    "end_date": _iso(p.end_date),
                    "extensions": p.extensions,
                    "next_review_due": _iso(p.next_review_due),
                    "reviews": [
                        {
                            "planned_date": _iso(r.planned_date),
                            "held_date": _iso(r.held_date),
                            "goals_evaluated": r.goals_evaluated,
                            "decision": r.get_decision_display(),
                        }
                        for r in sorted(p.reviews.all(), key=lambda r: (r.planned_date, r.pk))
                    ],
                }
                for p in placements.get(e.pk, [])
            ],
            "management_approvals": [
                {
                    "requested_date": _iso(a.requested_date),
                    "status": a.get_status_display(),
                    "decided_date": _iso(a.decided_date),
                    "approved_until": _iso(a.approved_until),
                }
                for a in approvals.get(e.pk, [])
            ],
            "followups": [
                {"held_date": _iso(f.held_date), "note": f.note} for f in followups.get(e.pk, [])
            ],
            "waiting_list": [
                {
                    "module": w.module.name,
                    "added_date": _iso(w.added_date),
                    "removed_date": _iso(w.removed_date),
                }
                for w in waiting.get(e.pk, [])
            ],
            "exit_followups": [
                {
                    "months_after": f.months_after,
                    "date": _iso(f.date),
                    "occupation": f.get_occupation_display(),
                    "income": f.income,
                }
                for f in exit_followups.get(e.pk, [])
            ],
            "attendance": [
                {
                    "date": _iso(a.activity.date),
                    "activity": a.activity.title,
                    "present": a.present,
                    "status": a.get_status_display(),
                }
                for a in attendance.get(e.pk, [])
            ],
            "case_meetings": [
                {
                    "date": _iso(i.meeting.date),
                    "agencies": i.meeting.agency_labels,
                    "note": i.note,
                }
                for i in case_meetings.get(e.pk, [])
            ],
            "questionnaires": [
                {
                    "questionnaire": r.version.questionnaire.name,
                    "version": r.version.number,
                    "occasion": r.get_occasion_display(),
                    "submitted_at": _iso(r.submitted_at),
                    "answers": [
                        {
                            "question": a.question.text,
                            "answer": a.question.value_label(a.value)
                            if a.value is not None
                            else a.text,
                        }
                        for a in sorted(r.answers.all(), key=lambda a: a.question.position)
                    ],
                }
                for r in questionnaires.get(e.pk, [])
            ],
        }

    referrals = list(
        Referral.objects.filter(
            Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids), participant=participant
        )
        .select_related("team", "assigned_team")
        .prefetch_related("events")
        .order_by("received_date", "pk")
    )
    consents = Consent.objects.filter(participant=participant).order_by("given_date", "pk")
    accesses = (
        AccessLog.objects.filter(participant_id=participant.pk)
        .annotate(day=TruncDate("at", tzinfo=UTC))
        .values("day", "role", "kind")
        .annotate(count=Count("pk"))
        .order_by("day", "role", "kind")
    )
    kinds = dict(AccessLog.Kind.choices)
    return {
        "format": "finsam-registerutdrag/1",
        "generated_at": _iso(timezone.now()),
        "scope": "Uppgifter i de team där den som tog ut utdraget är enhetschef.",
        "teams": sorted({e.team.name for e in enrolments} | {r.team.name for r in referrals}),
        "person": {
            "personnummer": (
                f"{participant.personnummer[:8]}-{participant.personnummer[8:]}"
                if participant.personnummer
                else None
            ),
            "first_name": participant.first_name,
            "last_name": participant.last_name,
            "anonymous": participant.is_anonymous,
            "gender": participant.get_gender_display(),
            "birth_year": participant.birth_year,
            "birth_date": _iso(participant.birth_date),
            "kommun": participant.kommun.name,
            "phone": participant.phone,
            "email": participant.email,
            "address": participant.address,
            "interpreter_needed": participant.interpreter_needed,
            "interpreter_language": participant.interpreter_language,
            "protected_identity": participant.protected_identity,
            "registered": _iso(participant.created_at),
        },
        "enrolments": [enrolment_dict(e) for e in enrolments],
        "referrals": [
            {
                "team": r.team.name,
                "assigned_team": r.assigned_team.name if r.assigned_team else None,
                "source": r.get_source_display(),
                "received_date": _iso(r.received_date),
                "status": r.get_status_display(),
                "decided_date": _iso(r.decided_date),
                "need": r.need,
                "decline_reason": r.decline_reason,
                "redirected_to": r.redirected_to,
                "channel": r.get_channel_display(),
                "diary_number": r.diary_number,
                "work_within_two_years": r.get_work_within_two_years_display(),
                "declared_motivated": r.get_declared_motivated_display(),
                "intro_date": _iso(r.intro_date),
                "intro_participants": r.intro_participants,
                "case_officer": {
                    "name": r.case_officer_name,
                    "agency": r.case_officer_agency,
                    "phone": r.case_officer_phone,
                    "email": r.case_officer_email,
                },
                "events": [
                    {"date": _iso(ev.date), "status": ev.get_status_display(), "note": ev.note}
                    for ev in sorted(r.events.all(), key=lambda ev: (ev.date, ev.pk))
                ],
            }
            for r in referrals
        ],
        "consents": [
            {
                "agencies": ", ".join(
                    dict(Referrer.choices).get(code, code)
                    for code in c.agencies.split(",")
                    if code
                ),
                "scope": c.scope,
                "given_date": _iso(c.given_date),
                "ended_date": _iso(c.ended_date),
            }
            for c in consents
        ],
        "accesses": [
            {
                "date": _iso(a["day"]),
                "role": role_label(a["role"]),
                "kind": kinds.get(a["kind"], a["kind"]),
                "count": a["count"],
            }
            for a in accesses
        ],
    }
