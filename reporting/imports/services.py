"""Writing an enrolment import (step 3 of reporting/imports/plan.py): the only write path.

`import_apply` writes a validated plan in one transaction with bulk inserts – participants,
enrolments, placements – and audits it through `rehab.audit`: one record for the import itself
(with the counts and the file's checksum) and, with `record_many`, one per created enrolment,
so that each participant's own log and the access log show the import. The number of
statements does not depend on the number of rows (bulk inserts are batched by the database's
limit on variables).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from modules.models import Module, Placement
from modules.rules import review_due
from rehab import audit, personnummer
from rehab.models import Enrolment, Participant, Team
from reporting.imports.plan import ImportPlan, ImportResult, PlannedRow
from reporting.imports.validation import chunks

__all__ = ["import_apply"]


@transaction.atomic
def _apply(plan: ImportPlan, *, team: Team, by, file_hash: str, channel: str) -> ImportResult:
    actor = by if by is not None and by.is_authenticated else None
    new_rows = plan.new_rows

    to_create: dict[str, PlannedRow] = {}
    for row in new_rows:
        if row.participant_id is None:
            to_create.setdefault(row.personnummer, row)
    participants = []
    for pnr, row in to_create.items():
        born = personnummer.birth_date(pnr)
        participants.append(
            Participant(
                personnummer=pnr,
                first_name=row.first_name,
                last_name=row.last_name,
                gender=row.gender,
                birth_date=born,
                birth_year=born.year,
                kommun_id=row.kommun_id,
                created_by=actor,
            )
        )
    Participant.objects.bulk_create(participants)
    ids = {p.personnummer: p.pk for p in participants if p.pk is not None}
    if len(ids) < len(participants):  # a backend that does not return primary keys
        for chunk in chunks(list(to_create)):
            ids.update(
                Participant.objects.filter(personnummer__in=chunk).values_list(
                    "personnummer", "pk"
                )
            )
    # The plan itself stays untouched, so that a failed transaction leaves it as validated.
    participant_ids = [row.participant_id or ids[row.personnummer] for row in new_rows]

    enrolments = [
        Enrolment(
            participant_id=participant_id,
            team=team,
            referrer=row.referrer,
            start_date=row.start_date,
            months_without_work=row.months_without_work,
            income_start=row.income,
            exit_date=row.exit_date,
            exit_outcome=row.exit_outcome,
            phase=Enrolment.Phase.AVSLUT if row.exit_date else Enrolment.Phase.KARTLAGGNING,
        )
        for row, participant_id in zip(new_rows, participant_ids, strict=True)
    ]
    Enrolment.objects.bulk_create(enrolments)
    if any(e.pk is None for e in enrolments):
        keys = {}
        for chunk in chunks(sorted(set(participant_ids))):
            keys.update(
                {
                    (p, s): pk
                    for pk, p, s in Enrolment.objects.valid()
                    .filter(team=team, participant_id__in=chunk)
                    .values_list("pk", "participant_id", "start_date")
                }
            )
        for enrolment in enrolments:
            enrolment.pk = keys[(enrolment.participant_id, enrolment.start_date)]

    modules = {m.pk: m.as_rule() for m in Module.objects.filter(team=team)}
    placements = [
        Placement(
            enrolment_id=enrolment.pk,
            module_id=row.module_id,
            start_date=row.module_start,
            next_review_due=review_due(row.module_start, modules[row.module_id], 0),
            end_date=row.exit_date,
            created_by=actor,
        )
        for row, enrolment in zip(new_rows, enrolments, strict=True)
        if row.module_id is not None
    ]
    Placement.objects.bulk_create(placements)

    event = audit.record(
        user=by,
        action="import_enrolments",
        obj=team,
        changes={
            "rows": len(plan.rows),
            "created_participants": len(participants),
            "created_enrolments": len(enrolments),
            "created_placements": len(placements),
            "unchanged": plan.unchanged,
            "file_sha256": file_hash,
            "channel": channel,
        },
    )
    # Each participant's own log (SPEC §11) and the access log show the enrolment the import
    # created; the rows point back to the import's event and carry no personal data.
    audit.record_many(
        user=by,
        changes=[
            audit.Change(
                action="import_enrolments",
                object_type="enrolment",
                obj=enrolment,
                participant_id=enrolment.participant_id,
                changes={
                    "import_event": event.pk,
                    "team": team.pk,
                    "start_date": enrolment.start_date.isoformat(),
                },
            )
            for enrolment in enrolments
        ],
    )
    return ImportResult(
        created_participants=len(participants),
        created_enrolments=len(enrolments),
        created_placements=len(placements),
        unchanged=plan.unchanged,
        audit_event_id=event.pk,
    )


def import_apply(
    plan: ImportPlan, *, team: Team, by, file_hash: str = "", channel: str = ""
) -> ImportResult:
    """Write a valid plan in one transaction: all rows or none. `by` may be None (command
    line). Raises ValidationError when the database changed since validation so that a row
    would now be a duplicate; nothing is written then."""
    if not plan.ok:
        raise ValueError("import_apply: planen har fel och kan inte importeras.")
    if plan.team.pk != team.pk:
        raise ValueError("import_apply: planen gäller ett annat team.")
    try:
        return _apply(plan, team=team, by=by, file_hash=file_hash, channel=channel)
    except IntegrityError as e:
        raise ValidationError(
            "Någon annan registrerade samma deltagare eller inskrivning under tiden. Inget "
            "importerades – kontrollera filen igen och försök på nytt."
        ) from e
