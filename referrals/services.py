"""Every write of referral intake, En väg in triage, consultations and consent (SPEC §5).

Each service runs in one transaction, checks the rules, writes one audit record with the acting
user, and raises ValidationError with a message a case worker understands."""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from referrals.models import Consent, Consultation, Referral, ReferralEvent
from rehab import audit, policy
from rehab.access import get_access
from rehab.models import Enrolment, Participant, Referrer, Team

Status = Referral.Status

# SPEC §5: received → assessing → accepted (→ queued → enrolled) | declined | redirected |
# withdrawn. A referral that is obviously meant for someone else may be declined or redirected
# without an assessment; the referrer may withdraw it at any time before enrolment. Enrolled is
# reached only through referral_mark_enrolled, when the enrolment itself is created.
TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.ASSESSING, Status.DECLINED, Status.REDIRECTED, Status.WITHDRAWN},
    Status.ASSESSING: {Status.ACCEPTED, Status.DECLINED, Status.REDIRECTED, Status.WITHDRAWN},
    Status.ACCEPTED: {Status.QUEUED, Status.WITHDRAWN},
    Status.QUEUED: {Status.WITHDRAWN},
    Status.ENROLLED: set(),
    Status.DECLINED: set(),
    Status.REDIRECTED: set(),
    Status.WITHDRAWN: set(),
}

# The team's decision on the referral: the end of the first waiting time.
DECISIONS = {Status.ACCEPTED, Status.DECLINED, Status.REDIRECTED}
# Statuses from which the participant can be enrolled and the referral assigned to a method.
READY = {Status.ACCEPTED, Status.QUEUED}

VERBS = {
    Status.ASSESSING: "tas upp för bedömning",
    Status.ACCEPTED: "antas",
    Status.QUEUED: "sättas i kö",
    Status.DECLINED: "avböjas",
    Status.REDIRECTED: "hänvisas vidare",
    Status.WITHDRAWN: "återkallas",
}

# The statuses a referral is moved to by hand (referral_transition); received is only the
# start and enrolled is reached through the enrolment.
HAND_TARGETS = frozenset(VERBS)

HINTS = {
    (Status.RECEIVED, Status.ACCEPTED): " Ta först upp den för bedömning.",
    (Status.RECEIVED, Status.QUEUED): " Den måste först bedömas och antas.",
    (Status.ASSESSING, Status.QUEUED): " Den måste först antas.",
}

CONSENT_AGENCIES = [Referrer.AF, Referrer.FK, Referrer.REGION, Referrer.KOMMUN]

# Something that looks like a personnummer (with or without century, separator or not).
PERSONNUMMER_LIKE = re.compile(r"(?<!\d)(\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")


def _today() -> datetime.date:
    return timezone.localdate()


def _previous_event(referral: Referral) -> ReferralEvent | None:
    """The event that brought the referral to its current status. The state machine never
    returns to a status, so that is the first event with it; later events of the same status
    record an assignment, not a change, and do not bind the next change's date."""
    return referral.events.filter(status=referral.status).order_by("date", "pk").first()


def _not_before_previous(referral: Referral, date: datetime.date, label: str) -> str | None:
    previous = _previous_event(referral)
    if previous is None or date >= previous.date:
        return None
    return (
        f"{label} kan inte ligga före remissens föregående händelse "
        f"({previous.get_status_display().lower()} {previous.date:%Y-%m-%d})."
    )


def _locked(referral: Referral) -> Referral:
    """The referral's row, locked, so that two concurrent changes cannot both pass the
    state check."""
    return Referral.objects.select_for_update().select_related("team").get(pk=referral.pk)


def refusal_message(current: str, to_status: str) -> str:
    """Why a referral with status `current` cannot move to `to_status`, for any two strings."""
    now = Status(current).label.lower() if current in Status.values else "okänd"
    if current == to_status:
        return f"Remissen är redan {now}."
    if to_status == Status.RECEIVED:
        return f"Remissen är {now} och kan inte bli mottagen igen."
    if to_status == Status.ENROLLED:
        return "En remiss blir inskriven när deltagaren skrivs in – använd Skriv in deltagaren."
    if to_status not in VERBS:
        return "Remissen kan inte få en okänd status."
    return f"Remissen är {now} och kan inte {VERBS[to_status]}." + HINTS.get(
        (current, to_status), ""
    )


def allowed_transitions(referral: Referral) -> list[str]:
    """The statuses the referral may move to by hand, in the order of the state machine."""
    targets = TRANSITIONS[referral.status]
    return [value for value in Status.values if value in targets]


# --- Referrals ------------------------------------------------------------------------------


@transaction.atomic
def diary_number_error(diary_number: str, team: Team) -> str | None:
    """What is wrong with a referral's diary number in `team`'s förbund, or None. An empty one
    is fine: the diary number is optional."""
    if not diary_number:
        return None
    if message := policy.text_error(diary_number, "Diarienumret", policy.DIARY_NUMBER):
        return message
    if any(ord(char) < 32 for char in diary_number):
        return "Diarienumret får inte innehålla radbrytningar eller andra styrtecken."
    if PERSONNUMMER_LIKE.search(diary_number):
        return (
            "Diarienumret ser ut att innehålla ett personnummer. Ange ärendets diarienummer, "
            "inte deltagarens personnummer."
        )
    taken = Referral.objects.filter(
        forbund_id=team.forbund_id, diary_number__iexact=diary_number
    ).exists()
    return _diary_number_taken(diary_number) if taken else None


def _diary_number_taken(diary_number: str) -> str:
    return f"Diarienumret {diary_number} finns redan på en annan remiss i förbundet."


def _choice_error(value: str, choices, message: str, *, required: bool) -> str | None:
    if not value:
        return message if required else None
    return None if value in choices.values else message


@transaction.atomic
def referral_create(
    *,
    team: Team,
    source: str,
    need: str,
    received_date: datetime.date,
    by,
    case_officer_name: str = "",
    case_officer_agency: str = "",
    case_officer_phone: str = "",
    case_officer_email: str = "",
    participant: Participant | None = None,
    channel: str = Referral.Channel.TELEFON,
    diary_number: str = "",
    work_within_two_years: str = "",
    declared_motivated: str = "",
) -> Referral:
    """Register a referral received by `team`. The first event (received) carries its date.
    The referral carries the team's förbund, within which its diary number is unique."""
    diary_number = (diary_number or "").strip()
    errors = {}
    if source not in Referrer.values:
        errors["source"] = "Välj remittent."
    for field, value, choices, message, required in (
        ("channel", channel, Referral.Channel, "Välj hur remissen kom in.", True),
        (
            "work_within_two_years",
            work_within_two_years,
            Referral.WorkWithinTwoYears,
            "Välj ja, nej eller vet ej.",
            False,
        ),
        (
            "declared_motivated",
            declared_motivated,
            Referral.Motivated,
            "Välj ja eller nej.",
            False,
        ),
    ):
        if message := _choice_error(value, choices, message, required=required):
            errors[field] = message
    if message := diary_number_error(diary_number, team):
        errors["diary_number"] = message
    if not need or not need.strip():
        errors["need"] = "Beskriv behovet."
    elif message := policy.text_error(need, "Behovet", policy.DESCRIPTION):
        errors["need"] = message
    if message := policy.event_date_error(received_date, "Mottagningsdatum"):
        errors["received_date"] = message
    for field, label, value, limit in (
        ("case_officer_name", "Handläggarens namn", case_officer_name, policy.NAME),
        ("case_officer_agency", "Myndigheten", case_officer_agency, policy.SHORT),
        ("case_officer_phone", "Handläggarens telefon", case_officer_phone, policy.SHORT),
        ("case_officer_email", "Handläggarens e-post", case_officer_email, policy.SHORT),
    ):
        if message := policy.text_error(value, label, limit):
            errors[field] = message
    if not team.is_active:
        errors["team"] = f"{team} är inte längre aktivt."
    if errors:
        raise ValidationError(errors)
    try:
        # A savepoint, so that losing a race for the diary number leaves the transaction usable.
        with transaction.atomic():
            referral = Referral.objects.create(
                team=team,
                forbund_id=team.forbund_id,
                source=source,
                channel=channel,
                diary_number=diary_number,
                work_within_two_years=work_within_two_years,
                declared_motivated=declared_motivated,
                case_officer_name=case_officer_name.strip(),
                case_officer_agency=case_officer_agency.strip(),
                case_officer_phone=case_officer_phone.strip(),
                case_officer_email=case_officer_email.strip(),
                need=need.strip(),
                received_date=received_date,
                participant=participant,
                created_by=by,
            )
    except IntegrityError as e:
        raise ValidationError({"diary_number": _diary_number_taken(diary_number)}) from e
    ReferralEvent.objects.create(
        referral=referral, status=Status.RECEIVED, date=received_date, by=by
    )
    audit.record(
        user=by,
        action="referral_create",
        obj=referral,
        participant_id=referral.participant_id,
        changes={
            "team": team.pk,
            "source": source,
            "received_date": received_date,
            "need": need,
            "channel": channel,
            "diary_number": diary_number,
            "work_within_two_years": work_within_two_years,
            "declared_motivated": declared_motivated,
        },
    )
    return referral


@transaction.atomic
def referral_intro_record(
    *,
    referral: Referral,
    intro_date: datetime.date,
    with_participant: bool,
    with_referrer: bool,
    with_staff: bool,
    by,
) -> Referral:
    """Record the introductory conversation of an En väg in referral (SPEC §13 rule 4): held
    after the referral was received, not in the future and not after the method decision.
    Recording it again corrects the earlier record."""
    referral = _locked(referral)
    if not referral.team.is_triage:
        raise ValidationError(
            "Introduktionssamtal registreras bara för remisser till ett En väg in-team."
        )
    errors = {}
    if intro_date is None:
        errors["intro_date"] = "Ange datumet för introduktionssamtalet."
    elif message := policy.event_date_error(intro_date, "Introduktionssamtalet"):
        errors["intro_date"] = message
    elif intro_date < referral.received_date:
        errors["intro_date"] = (
            "Introduktionssamtalet kan inte ligga före remissens mottagningsdatum "
            f"({referral.received_date:%Y-%m-%d})."
        )
    elif referral.decided_date and intro_date > referral.decided_date:
        errors["intro_date"] = (
            "Introduktionssamtalet hålls före beslutet och kan inte ligga efter beslutsdatumet "
            f"({referral.decided_date:%Y-%m-%d})."
        )
    if not (with_participant or with_referrer or with_staff):
        errors["with_participant"] = "Ange vilka som deltog i samtalet."
    if errors:
        raise ValidationError(errors)
    before = referral.intro_date
    referral.intro_date = intro_date
    referral.intro_with_participant = bool(with_participant)
    referral.intro_with_referrer = bool(with_referrer)
    referral.intro_with_staff = bool(with_staff)
    referral.save(
        update_fields=[
            "intro_date",
            "intro_with_participant",
            "intro_with_referrer",
            "intro_with_staff",
        ]
    )
    audit.record(
        user=by,
        action="referral_intro_record",
        obj=referral,
        participant_id=referral.participant_id,
        changes={
            "intro_date": intro_date,
            "previous_intro_date": before,
            "with_participant": referral.intro_with_participant,
            "with_referrer": referral.intro_with_referrer,
            "with_staff": referral.intro_with_staff,
        },
    )
    return referral


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    to_status: str,
    date: datetime.date,
    by,
    reason: str = "",
    redirected_to: str = "",
) -> Referral:
    """Move a referral along the state machine of SPEC §5, dated, with an event."""
    referral = _locked(referral)
    if to_status not in Status.values:
        raise ValidationError("Okänd status för remissen.")
    if to_status not in TRANSITIONS[referral.status]:
        raise ValidationError(refusal_message(referral.status, to_status))
    reason = reason.strip()
    redirected_to = redirected_to.strip()
    errors = {}
    if (message := policy.event_date_error(date, "Datumet")) or (
        message := _not_before_previous(referral, date, "Datumet")
    ):
        errors["date"] = message
    if to_status == Status.DECLINED and not reason:
        errors["reason"] = "Ange skälet till att remissen avböjs."
    elif message := policy.text_error(reason, "Skälet", policy.REASON):
        errors["reason"] = message
    if message := policy.text_error(redirected_to, "Mottagaren", policy.SHORT):
        errors["redirected_to"] = message
    if to_status == Status.REDIRECTED and not redirected_to:
        errors["redirected_to"] = "Ange vilket team eller vilken insats remissen hänvisas till."
    if errors:
        raise ValidationError(errors)

    before = referral.status
    referral.status = to_status
    if to_status in DECISIONS:
        referral.decided_date = date
    if to_status == Status.DECLINED:
        referral.decline_reason = reason
    if to_status == Status.REDIRECTED:
        referral.redirected_to = redirected_to
    referral.save(update_fields=["status", "decided_date", "decline_reason", "redirected_to"])
    note = redirected_to if to_status == Status.REDIRECTED else ""
    if reason:
        note = f"{note} – {reason}" if note else reason
    ReferralEvent.objects.create(referral=referral, status=to_status, date=date, note=note, by=by)
    changes = {"from": before, "to": to_status, "date": date}
    if redirected_to:
        changes["redirected_to"] = redirected_to
    audit.record(
        user=by,
        action="referral_transition",
        obj=referral,
        participant_id=referral.participant_id,
        changes=changes,
    )
    return referral


@transaction.atomic
def referral_assign(*, referral: Referral, team: Team, by) -> Referral:
    """En väg in: the triage team's admin assigns an accepted (or queued) referral to one of
    the triage team's methods, whose members then work with it."""
    referral = _locked(referral)
    if not referral.team.is_triage:
        raise ValidationError("Bara remisser till ett En väg in-team fördelas till en metod.")
    if not get_access(by).is_admin_of(referral.team_id):
        raise PermissionDenied(f"Bara enhetschefen för {referral.team} fördelar remisser.")
    if referral.status not in READY:
        raise ValidationError(
            f"Remissen är {referral.get_status_display().lower()}; bara en antagen remiss "
            "(eller en i kö) kan fördelas."
        )
    if team.triage_team_id != referral.team_id or not team.is_active:
        raise ValidationError({"team": f"{team} är inte en metod inom {referral.team}."})
    if referral.assigned_team_id == team.pk:
        raise ValidationError({"team": f"Remissen är redan fördelad till {team}."})
    before = referral.assigned_team_id
    referral.assigned_team = team
    referral.save(update_fields=["assigned_team"])
    ReferralEvent.objects.create(
        referral=referral,
        status=referral.status,
        date=_today(),
        note=f"Fördelad till {team}",
        by=by,
    )
    audit.record(
        user=by,
        action="referral_assign",
        obj=referral,
        participant_id=referral.participant_id,
        changes={"from": before, "to": team.pk},
    )
    return referral


@transaction.atomic
def referral_mark_enrolled(*, referral: Referral, enrolment: Enrolment, by) -> Referral:
    """Called by the enrolment service when an enrolment is created from a referral: the
    referral becomes enrolled, linked to the participant and the enrolment, dated with the
    enrolment's start (the end of the second waiting time)."""
    referral = _locked(referral)
    if referral.status not in READY:
        raise ValidationError(
            f"Remissen är {referral.get_status_display().lower()}; bara en antagen remiss "
            "(eller en i kö) kan leda till en inskrivning."
        )
    if referral.team.is_triage:
        if referral.assigned_team_id is None:
            raise ValidationError(
                f"Remissen har inte fördelats till någon metod inom {referral.team} ännu."
            )
        expected_team_id = referral.assigned_team_id
    else:
        expected_team_id = referral.team_id
    if enrolment.team_id != expected_team_id:
        raise ValidationError("Inskrivningen gäller ett annat team än remissen.")
    if referral.participant_id is not None and referral.participant_id != (
        enrolment.participant_id
    ):
        raise ValidationError("Remissen gäller en annan deltagare.")
    if message := _not_before_previous(referral, enrolment.start_date, "Startdatum"):
        raise ValidationError({"start_date": message})
    before = referral.status
    referral.status = Status.ENROLLED
    referral.participant_id = enrolment.participant_id
    referral.enrolment = enrolment
    referral.save(update_fields=["status", "participant", "enrolment"])
    ReferralEvent.objects.create(
        referral=referral, status=Status.ENROLLED, date=enrolment.start_date, by=by
    )
    audit.record(
        user=by,
        action="referral_mark_enrolled",
        obj=referral,
        participant_id=enrolment.participant_id,
        changes={"from": before, "to": Status.ENROLLED, "enrolment": enrolment.pk},
    )
    return referral


# --- Consultations --------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *, team: Team, date: datetime.date, agency: str, topic: str, by
) -> Consultation:
    """Log a consultation: date, agency and topic only – it is counted, never personal."""
    topic = topic.strip()
    errors = {}
    if message := policy.event_date_error(date, "Datumet"):
        errors["date"] = message
    if agency not in Referrer.values:
        errors["agency"] = "Välj myndighet."
    if not topic:
        errors["topic"] = "Ange ämnet."
    elif message := policy.text_error(topic, "Ämnet", policy.SHORT):
        errors["topic"] = message
    elif PERSONNUMMER_LIKE.search(topic):
        errors["topic"] = (
            "Ämnet ser ut att innehålla ett personnummer. En konsultation får inte innehålla "
            "personuppgifter."
        )
    if errors:
        raise ValidationError(errors)
    consultation = Consultation.objects.create(
        team=team, date=date, agency=agency, topic=topic, created_by=by
    )
    audit.record(
        user=by,
        action="consultation_create",
        obj=consultation,
        changes={"team": team.pk, "date": date, "agency": agency},
    )
    return consultation


# --- Consent --------------------------------------------------------------------------------


def _active_enrolments(participant: Participant):
    return Enrolment.objects.active().filter(participant=participant)


@transaction.atomic
def consent_record(
    *,
    participant: Participant,
    agencies: list[str],
    scope: str,
    given_date: datetime.date,
    by,
) -> Consent:
    """Record consent to share information between the named agencies. It applies only
    while the participant is enrolled (SPEC §5); a new consent replaces the active one."""
    agencies = [a for a in CONSENT_AGENCIES if a in set(agencies or [])]
    scope = scope.strip()
    errors = {}
    if not agencies:
        errors["agencies"] = "Välj minst en myndighet som samtycket gäller."
    if not scope:
        errors["scope"] = "Beskriv vad samtycket omfattar."
    elif message := policy.text_error(scope, "Omfattningen", policy.REASON):
        errors["scope"] = message
    if message := policy.event_date_error(given_date, "Datumet"):
        errors["given_date"] = message
    if errors:
        raise ValidationError(errors)
    # Lock the participant so that two concurrent recordings cannot both stay active.
    Participant.objects.select_for_update().get(pk=participant.pk)
    if not _active_enrolments(participant).exists():
        raise ValidationError(
            "Samtycke kan bara registreras för en deltagare med en pågående inskrivning – "
            "det gäller bara under inskrivningen."
        )
    active = list(Consent.objects.filter(participant=participant, ended_date__isnull=True))
    for old in active:
        if given_date < old.given_date:
            raise ValidationError(
                {
                    "given_date": "Det gällande samtycket lämnades "
                    f"{old.given_date:%Y-%m-%d}; ett nytt samtycke kan inte vara äldre."
                }
            )
    Consent.objects.filter(pk__in=[c.pk for c in active]).update(ended_date=given_date)
    consent = Consent.objects.create(
        participant=participant,
        agencies=",".join(agencies),
        scope=scope,
        given_date=given_date,
        created_by=by,
    )
    audit.record(
        user=by,
        action="consent_record",
        obj=consent,
        participant_id=participant.pk,
        changes={
            "agencies": consent.agencies,
            "given_date": given_date,
            "replaced": [c.pk for c in active],
        },
    )
    return consent


@transaction.atomic
def consent_end_all(*, participant: Participant, ended_date: datetime.date, by) -> int:
    """End every active consent of the participant (at exit). Returns how many ended."""
    active = list(
        Consent.objects.select_for_update().filter(
            participant=participant, ended_date__isnull=True
        )
    )
    later = [c for c in active if c.given_date > ended_date]
    if later:
        raise ValidationError(
            f"Samtycket lämnades {later[0].given_date:%Y-%m-%d} och kan inte upphöra "
            f"{ended_date:%Y-%m-%d}, före det lämnades."
        )
    if not active:
        return 0
    ended = Consent.objects.filter(pk__in=[c.pk for c in active]).update(ended_date=ended_date)
    audit.record(
        user=by,
        action="consent_end_all",
        participant_id=participant.pk,
        object_type="consent",
        changes={"ended_date": ended_date, "consents": [c.pk for c in active]},
    )
    return ended
