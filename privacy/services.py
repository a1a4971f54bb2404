"""Writes of the privacy app: the retention purge (gallring).

Per record type, a configurable number of months after the end of the case (settings
RETENTION_*_MONTHS; see README "Gallring"):

- notes: journal notes and deviations of an ended enrolment are deleted; the free texts that
  remain on it (goal texts, review and follow-up texts, exit plan, error reason, free-text
  questionnaire answers) are blanked.
  Goal *status*, placements, reviews, exit data and follow-ups stay: the board tables count them.
- referrals: closed referrals (enrolled, declined, redirected, withdrawn) of a person with no
  case left inside the period are deleted with their history; consultation topics are blanked
  (date and agency stay, so consultation counts do not change).
- access log: access-log rows, and the audit events about participants, older than the period.
- identity: a person with no active enrolment, no open referral and nothing newer than the
  period is anonymised: personnummer, names, contact details, address and consents go. Gender,
  birth year and kommun stay; the birth date is moved inside its year so that the age at every
  enrolment start, which the board's age bands use, stays the same.

An active enrolment is never touched, and a participant with one is never anonymised. A real
run records a PurgeRun with counts only.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from jobs.registry import JobFailed, JobMessage
from modules.models import FollowUp, Review
from modules.rules import add_months
from privacy.gate import PurgeGateClosed, purge_gate, purging
from privacy.models import AccessLog, PurgeRun
from questionnaires.models import Answer as QuestionnaireAnswer
from referrals.models import Consent, Consultation, Referral
from rehab import freshness
from rehab.access import ADMIN, get_access
from rehab.models import (
    AuditEvent,
    CaseMeetingItem,
    Deviation,
    Enrolment,
    Goal,
    JournalNote,
    JournalNoteDraft,
    Participant,
)
from reporting.board import aggregates

PURGED_TEXT = "(gallrad)"
FINAL_REFERRAL_STATES = (
    Referral.Status.ENROLLED,
    Referral.Status.DECLINED,
    Referral.Status.REDIRECTED,
    Referral.Status.WITHDRAWN,
)

# (key, Swedish label) in the order the command prints them.
COUNT_LABELS = [
    ("notes", "Journalanteckningar raderade"),
    ("deviations", "Avvikelser raderade"),
    ("free_texts", "Fritexter tömda (mål, trepartsmöten, uppföljningar, avslutsplaner)"),
    ("referrals", "Remisser raderade"),
    ("consultations", "Konsultationsämnen tömda"),
    ("access_log", "Åtkomstloggposter raderade"),
    ("audit_events", "Granskningshändelser om deltagare raderade"),
    ("login_log", "Inloggningsposter raderade (användarnamn, IP-adress, webbläsare)"),
    ("consents", "Samtycken raderade"),
    ("participants", "Deltagare anonymiserade"),
]


def cutoff(as_of: date, months: int) -> date:
    """The latest end date whose retention period is over on `as_of`: the largest d with
    add_months(d, months) <= as_of. (Month ends clamp: 2024-08-31 + 6 months is 2025-02-28,
    so on 2025-02-28 the 29th, 30th and 31st of August are due too.)"""
    d = add_months(as_of, -months)
    while add_months(d + timedelta(days=1), months) <= as_of:
        d += timedelta(days=1)
    while add_months(d, months) > as_of:
        d -= timedelta(days=1)
    return d


@dataclass(frozen=True)
class Cutoffs:
    notes: date
    referrals: date
    access_log: date
    identity: date

    @classmethod
    def for_date(cls, as_of: date) -> "Cutoffs":
        return cls(
            notes=cutoff(as_of, settings.RETENTION_NOTES_MONTHS),
            referrals=cutoff(as_of, settings.RETENTION_REFERRALS_MONTHS),
            access_log=cutoff(as_of, settings.RETENTION_ACCESS_LOG_MONTHS),
            identity=cutoff(as_of, settings.RETENTION_IDENTITY_MONTHS),
        )


# --- What is due ----------------------------------------------------------------------------


def _ended_by(day: date) -> Q:
    """Enrolments that ended on or before `day`: exited, or registered in error (which have no
    exit date; their start counts). Active enrolments never match."""
    return Q(exit_date__lte=day) | Q(
        exit_date__isnull=True, registered_in_error=True, start_date__lte=day
    )


def ended_enrolments(day: date):
    return Enrolment.objects.filter(_ended_by(day))


def _free_text_querysets(day: date):
    enrolments = ended_enrolments(day)
    return [
        (
            Goal.objects.filter(enrolment__in=enrolments).exclude(text=PURGED_TEXT),
            "text",
            PURGED_TEXT,
        ),
        (
            Review.objects.filter(placement__enrolment__in=enrolments).exclude(goals_evaluated=""),
            "goals_evaluated",
            "",
        ),
        (FollowUp.objects.filter(enrolment__in=enrolments).exclude(note=""), "note", ""),
        # What was said about the person at a case meeting; that they were discussed stays
        # (the case-meeting counts of past periods must not change).
        (CaseMeetingItem.objects.filter(enrolment__in=enrolments).exclude(note=""), "note", ""),
        # A participant's own words in a questionnaire; the scale answers stay (the results and
        # the wellbeing target of past periods must not change).
        (
            QuestionnaireAnswer.objects.filter(response__enrolment__in=enrolments).exclude(
                text=""
            ),
            "text",
            "",
        ),
        (enrolments.exclude(exit_plan=""), "exit_plan", ""),
        (enrolments.exclude(error_reason=""), "error_reason", ""),
    ]


def _referral_end():
    return Coalesce("decided_date", "received_date")


def due_referrals(day: date):
    """Closed referrals decided on or before `day` whose person has no enrolment still running
    or ended after `day` (a referral that led to a case stays as long as the case's notes)."""
    later_case = Enrolment.objects.filter(participant=OuterRef("participant_id")).exclude(
        _ended_by(day)
    )
    return (
        Referral.objects.alias(ended=_referral_end())
        .filter(status__in=FINAL_REFERRAL_STATES, ended__lte=day)
        .exclude(Exists(later_case))
    )


def due_identities(day: date):
    """Participants to anonymise: not anonymous yet, nothing running, nothing newer than
    `day`, and at least some case history (or registered on or before `day`)."""
    participant = OuterRef("pk")
    enrolments = Enrolment.objects.filter(participant=participant)
    referrals = Referral.objects.filter(participant=participant)
    recent_referral = referrals.alias(ended=_referral_end()).filter(
        ~Q(status__in=FINAL_REFERRAL_STATES) | Q(ended__gt=day)
    )
    registered_by = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    return (
        Participant.objects.filter(is_anonymous=False)
        .exclude(Exists(enrolments.exclude(_ended_by(day))))
        .exclude(Exists(recent_referral))
        .filter(Exists(enrolments) | Exists(referrals) | Q(created_at__lt=registered_by))
    )


def _access_log_before(day: date) -> datetime:
    """Rows whose UTC date is on or before `day`."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def neutral_birth_date(birth_date: date, start_dates) -> date:
    """A birth date in the same year that gives the same age on every date in `start_dates`:
    the day after the latest start (month and day) before the real birthday, or 1 January.
    The board computes age as start year − birth year − (1 if the start's month-day falls
    before the birthday), so only that comparison must be kept."""
    birthday = (birth_date.month, birth_date.day)
    before = [(d.month, d.day) for d in start_dates if (d.month, d.day) < birthday]
    if not before:
        return date(birth_date.year, 1, 1)
    month, day = max(before)
    if month == 2 and day == 29 and not calendar.isleap(birth_date.year):
        return date(birth_date.year, 3, 1)
    # Never past 31 December: the real birthday comes after (month, day) in the same year.
    return date(birth_date.year, month, day) + timedelta(days=1)


# --- Counting and running -------------------------------------------------------------------


def plan(as_of: date) -> dict[str, int]:
    """What a purge on `as_of` would remove or anonymise, as counts only."""
    c = Cutoffs.for_date(as_of)
    identities = due_identities(c.identity)
    return {
        "notes": JournalNote.objects.filter(enrolment__in=ended_enrolments(c.notes)).count()
        + JournalNoteDraft.objects.filter(enrolment__in=ended_enrolments(c.notes)).count(),
        "deviations": Deviation.objects.filter(enrolment__in=ended_enrolments(c.notes)).count(),
        "free_texts": sum(qs.count() for qs, _f, _v in _free_text_querysets(c.notes)),
        "referrals": due_referrals(c.referrals).count(),
        "consultations": Consultation.objects.filter(date__lte=c.referrals)
        .exclude(topic=PURGED_TEXT)
        .count(),
        "access_log": AccessLog.objects.filter(at__lt=_access_log_before(c.access_log)).count(),
        "audit_events": AuditEvent.objects.filter(
            participant_id__isnull=False, at__lt=_access_log_before(c.access_log)
        ).count(),
        "consents": Consent.objects.filter(participant__in=identities).count(),
        "participants": identities.count(),
        "login_log": sum(qs.count() for qs in _login_log(c.access_log)),
    }


def _login_log(day: date):
    """django-axes' records of log-ins and failed log-ins (user name, IP address, browser) up
    to `day`: kept as long as the access log, then purged with it."""
    from axes.models import AccessFailureLog
    from axes.models import AccessLog as LoginLog

    before = _access_log_before(day)
    return [
        LoginLog.objects.filter(attempt_time__lt=before),
        AccessFailureLog.objects.filter(attempt_time__lt=before),
    ]


def _anonymise(participant_ids: list[int]) -> None:
    starts: dict[int, list[date]] = {}
    for pid, start in Enrolment.objects.filter(participant_id__in=participant_ids).values_list(
        "participant_id", "start_date"
    ):
        starts.setdefault(pid, []).append(start)
    for participant in Participant.objects.filter(pk__in=participant_ids).only("pk", "birth_date"):
        birth_date = (
            neutral_birth_date(participant.birth_date, starts.get(participant.pk, []))
            if participant.birth_date
            else None
        )
        Participant.objects.filter(pk=participant.pk).update(
            personnummer=None,
            first_name="",
            last_name="",
            is_anonymous=True,
            phone="",
            email="",
            address="",
            interpreter_language="",
            protected_identity=False,
            birth_date=birth_date,
        )
    Enrolment.objects.filter(participant_id__in=participant_ids).update(
        case_officer_name="", case_officer_phone="", case_officer_email=""
    )


# The key of the PostgreSQL advisory lock that lets one purge run at a time (any number).
PURGE_LOCK_KEY = 19_0219
PURGE_STEPS = 6


class PurgeBusy(RuntimeError):
    """Another purge is running."""


def _hold_purge_lock(connection) -> None:
    """One purge at a time, whoever started it (the nightly task, the page's job, the
    command), on every server: on PostgreSQL a transaction-level advisory lock, refused at
    once when another purge holds it. SQLite has one writer at a time: the run's first write
    (its PurgeRun row) waits for the other purge to finish, or fails after the busy time-out."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PURGE_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise PurgeBusy(
                "En annan gallring pågår just nu. Inget gallrades. Försök igen när den är klar."
            )


def purge(
    *, as_of: date, dry_run: bool = False, progress=None
) -> tuple[dict[str, int], PurgeRun | None]:
    """Run the purge for `as_of` (or only count, with `dry_run`). Returns the counts and the
    PurgeRun of a real run. All or nothing: one transaction. Raises PurgeBusy when another
    purge is running. `progress` (a job's) is told of each of the PURGE_STEPS steps."""
    if dry_run:
        return plan(as_of), None
    step = progress.step if progress is not None else (lambda done, total: None)
    c = Cutoffs.for_date(as_of)
    # Every query below goes to the purge's own connection when PURGE_DATABASE_URL is set: the
    # purge role is the only one the access log's trigger lets delete (privacy/gate.py).
    with purging() as alias, transaction.atomic(using=alias):
        connection = connections[alias]
        _hold_purge_lock(connection)
        step(0, PURGE_STEPS)
        run = PurgeRun.objects.create(as_of=as_of)
        # Identity first: deleting old referrals below must not change who is due.
        identity_ids = list(due_identities(c.identity).values_list("pk", flat=True))
        counts = dict.fromkeys([key for key, _label in COUNT_LABELS], 0)
        counts["consents"], _ = Consent.objects.filter(participant_id__in=identity_ids).delete()
        _anonymise(identity_ids)
        counts["participants"] = len(identity_ids)
        step(1, PURGE_STEPS)

        ended = ended_enrolments(c.notes)
        counts["notes"], _ = JournalNote.objects.filter(enrolment__in=ended).delete()
        # Drafts of notes never saved go with the notes (counted with them).
        counts["notes"] += JournalNoteDraft.objects.filter(enrolment__in=ended).delete()[0]
        counts["deviations"], _ = Deviation.objects.filter(enrolment__in=ended).delete()
        for queryset, field_name, value in _free_text_querysets(c.notes):
            counts["free_texts"] += queryset.update(**{field_name: value})
        step(2, PURGE_STEPS)

        referral_ids = list(due_referrals(c.referrals).values_list("pk", flat=True))
        Referral.objects.filter(pk__in=referral_ids).delete()
        counts["referrals"] = len(referral_ids)
        counts["consultations"] = (
            Consultation.objects.filter(date__lte=c.referrals)
            .exclude(topic=PURGED_TEXT)
            .update(topic=PURGED_TEXT)
        )
        step(3, PURGE_STEPS)

        before = _access_log_before(c.access_log)
        counts["audit_events"], _ = AuditEvent.objects.filter(
            participant_id__isnull=False, at__lt=before
        ).delete()
        step(4, PURGE_STEPS)
        with purge_gate(alias), connection.cursor() as cursor:
            # The only DELETE the access log's triggers let through.
            cursor.execute(
                'DELETE FROM "privacy_accesslog" WHERE "at" < %s',
                [connection.ops.adapt_datetimefield_value(before)],
            )
            counts["access_log"] = cursor.rowcount
        counts["login_log"] = sum(qs.delete()[0] for qs in _login_log(c.access_log))
        step(5, PURGE_STEPS)
        run.counts = counts
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at"])
    freshness.bump()  # `manage.py purge` writes outside a request
    # The purge wrote past the services: the board's aggregates are rebuilt here, in the job,
    # rather than by the first page read after it (37 s for every team at 100 000
    # participants, BENCHMARKS.md).
    aggregates.rebuild()
    step(PURGE_STEPS, PURGE_STEPS)
    return counts, run


# --- The purge as a job (the /gallring/ page's button) ----------------------------------------

PURGE_JOB = "purge"
# On the purge's queue: on PostgreSQL only that queue's worker holds the purge credential
# (PURGE_DATABASE_URL), as for the nightly purge (ops.tasks).
PURGE_QUEUE = "purge"


def purge_summary(counts: dict[str, int], run: PurgeRun) -> str:
    """The job's result: counts only, never what was purged."""
    parts = "; ".join(f"{label}: {counts.get(key, 0)}" for key, label in COUNT_LABELS)
    return f"Gallring nr {run.pk} klar (per {run.as_of:%Y-%m-%d}). {parts}."


def run_purge(job, progress) -> JobMessage:
    """The job: the purge for the date the confirmation named, by a unit manager who still is
    one when it runs."""
    if not get_access(job.user).has_role(ADMIN):
        raise JobFailed("Gallringen kördes inte: du är inte längre enhetschef. Inget gallrades.")
    try:
        as_of = date.fromisoformat(job.params.get("as_of", ""))
    except (TypeError, ValueError):
        raise JobFailed("Gallringen kördes inte: datumet saknas. Inget gallrades.") from None
    if as_of > timezone.localdate():
        raise JobFailed(f"Gallringen kördes inte: {as_of} ligger i framtiden. Inget gallrades.")
    try:
        counts, run = purge(as_of=as_of, progress=progress)
    except PurgeGateClosed as error:
        raise JobFailed(f"Gallringen kördes inte. {error} Inget gallrades.") from None
    except PurgeBusy as error:
        raise JobFailed(str(error)) from None
    return JobMessage(purge_summary(counts, run))
