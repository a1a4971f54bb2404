"""Writes of participants: named (personnummer) and anonymous."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rehab import audit, personnummer, policy
from rehab.models import (
    Participant,
)
from rehab.services.common import PARTICIPANT_TEXT_LIMITS, _check_texts, _today

# --- Participants ---------------------------------------------------------------------------


class DuplicatePersonnummer(ValidationError):
    """The personnummer is already registered; `participant` is the existing record."""

    def __init__(self, participant):
        self.participant = participant
        super().__init__(
            {"personnummer": "Personnumret finns redan registrerat."}, code="duplicate"
        )


PARTICIPANT_FIELDS = [
    "first_name",
    "last_name",
    "gender",
    "kommun",
    "phone",
    "email",
    "address",
    "interpreter_needed",
    "interpreter_language",
    "protected_identity",
]


@transaction.atomic
def participant_create(*, personnummer_raw: str, by, **fields) -> Participant:
    """Register a named participant. A second registration of the same personnummer is
    refused with DuplicatePersonnummer, which names the existing record."""
    try:
        pnr = personnummer.normalise(personnummer_raw, today=_today())
    except personnummer.PersonnummerError as e:
        raise ValidationError({"personnummer": str(e)}, code=e.code) from e
    birth = personnummer.birth_date(pnr)
    if birth < policy.EARLIEST_BIRTH:
        raise ValidationError(
            {"personnummer": f"Födelsedatumet kan inte ligga före {policy.EARLIEST_BIRTH}."}
        )
    _check_texts(fields, PARTICIPANT_TEXT_LIMITS)
    existing = Participant.objects.filter(personnummer=pnr).first()
    if existing is not None:
        raise DuplicatePersonnummer(existing)
    participant = Participant(
        personnummer=pnr,
        birth_date=birth,
        birth_year=birth.year,
        created_by=by,
        **{k: v for k, v in fields.items() if k in PARTICIPANT_FIELDS},
    )
    if not participant.first_name.strip() or not participant.last_name.strip():
        raise ValidationError("För- och efternamn krävs (eller välj anonym inskrivning).")
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as e:  # a concurrent registration of the same number
        raise DuplicatePersonnummer(Participant.objects.get(personnummer=pnr)) from e
    audit.record(
        user=by,
        action="participant_create",
        obj=participant,
        participant_id=participant.pk,
        changes={"personnummer": pnr},
    )
    return participant


@transaction.atomic
def participant_create_anonymous(*, birth_year: int, gender: str, kommun, by) -> Participant:
    """SPEC §4: no personnummer or name; birth year, gender and kommun only."""
    this_year = _today().year
    if not this_year - 110 <= birth_year <= this_year - 14:
        raise ValidationError(
            {"birth_year": f"Ange ett födelseår mellan {this_year - 110} och {this_year - 14}."}
        )
    participant = Participant.objects.create(
        is_anonymous=True, birth_year=birth_year, gender=gender, kommun=kommun, created_by=by
    )
    audit.record(
        user=by,
        action="participant_create_anonymous",
        obj=participant,
        participant_id=participant.pk,
    )
    return participant


@transaction.atomic
def participant_update(*, participant: Participant, by, **fields) -> Participant:
    allowed = PARTICIPANT_FIELDS
    if participant.is_anonymous:
        allowed = ["gender", "kommun"]
    _check_texts(fields, PARTICIPANT_TEXT_LIMITS)
    changes = audit.diff(participant, {k: v for k, v in fields.items() if k in allowed})
    for key, value in changes.items():
        setattr(participant, key, value)
    if not participant.is_anonymous and (
        not participant.first_name.strip() or not participant.last_name.strip()
    ):
        raise ValidationError("För- och efternamn krävs.")
    participant.save()
    audit.record(
        user=by,
        action="participant_update",
        obj=participant,
        participant_id=participant.pk,
        changes=changes,
    )
    return participant
