"""Writing an enrolment import (step 3 of reporting/imports/plan.py): the only write path.

`import_apply` writes a validated plan in one transaction with bulk inserts – participants,
enrolments, placements – and audits it through `rehab.audit`: one record for the import itself
(with the counts and the file's checksum, written first so that the others can point to it)
and, with `record_many`, one per created enrolment,
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


# A job's import (reporting.imports.job) reports its progress after each batch of this many
# rows; the command and the pages write all rows as one batch.
PROGRESS_ROWS = 1000


@transaction.atomic
def _apply(
    plan: ImportPlan, *, team: Team, by, file_hash: str, channel: str, progress=None
) -> ImportResult:
    actor = by if by is not None and by.is_authenticated else None
    new_rows = plan.new_rows

    # The first row of each new person creates the participant; later rows reuse it.
    to_create: dict[str, PlannedRow] = {}
    for row in new_rows:
        if row.participant_id is None:
            to_create.setdefault(row.personnummer, row)
    placements_total = sum(1 for row in new_rows if row.module_id is not None)
    event = audit.record(
        user=by,
        action="import_enrolments",
        obj=team,
        changes={
            "rows": len(plan.rows),
            "created_participants": len(to_create),
            "created_enrolments": len(new_rows),
            "created_placements": placements_total,
            "unchanged": plan.unchanged,
            "file_sha256": file_hash,
            "channel": channel,
        },
    )
    modules = {m.pk: m.as_rule() for m in Module.objects.filter(team=team)}
    ids: dict[str, int] = {}
    batch = PROGRESS_ROWS if progress is not None else max(1, len(new_rows))
    if progress is not None:
        progress.step(0, len(new_rows))
    for done, rows in enumerate(chunks(new_rows, batch), start=1):
        _write_batch(rows, to_create, ids, modules, team=team, by=by, actor=actor, event=event)
        if progress is not None:
            progress.step(min(done * batch, len(new_rows)), len(new_rows))
    return ImportResult(
        created_participants=len(to_create),
        created_enrolments=len(new_rows),
        created_placements=placements_total,
        unchanged=plan.unchanged,
        audit_event_id=event.pk,
    )


def _write_batch(rows, to_create, ids, modules, *, team, by, actor, event) -> None:
    """Participants, enrolments, placements and audit records of some of the plan's new rows,
    with bulk inserts: the number of statements does not depend on the number of rows."""
    fresh = {
        row.personnummer: row
        for row in rows
        if row.participant_id is None and to_create[row.personnummer] is row
    }
    participants = []
    for pnr, row in fresh.items():
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
    ids.update({p.personnummer: p.pk for p in participants if p.pk is not None})
    missing = [pnr for pnr in fresh if pnr not in ids]
    for chunk in chunks(missing):  # a backend that does not return primary keys
        ids.update(
            Participant.objects.filter(personnummer__in=chunk).values_list("personnummer", "pk")
        )
    # The plan itself stays untouched, so that a failed transaction leaves it as validated.
    participant_ids = [row.participant_id or ids[row.personnummer] for row in rows]

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
        for row, participant_id in zip(rows, participant_ids, strict=True)
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

    Placement.objects.bulk_create(
        [
            Placement(
                enrolment_id=enrolment.pk,
                module_id=row.module_id,
                start_date=row.module_start,
                next_review_due=review_due(row.module_start, modules[row.module_id], 0),
                end_date=row.exit_date,
                created_by=actor,
            )
            for row, enrolment in zip(rows, enrolments, strict=True)
            if row.module_id is not None
        ]
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


def import_apply(
    plan: ImportPlan, *, team: Team, by, file_hash: str = "", channel: str = "", progress=None
) -> ImportResult:
    """Write a valid plan in one transaction: all rows or none. `by` may be None (command
    line). With `progress` (a job's, jobs.registry.Progress) the rows are written in batches of
    PROGRESS_ROWS, still in the one transaction, and each batch is reported. Raises
    ValidationError when the database changed since validation so that a row would now be a
    duplicate; nothing is written then."""
    if not plan.ok:
        raise ValueError("import_apply: planen har fel och kan inte importeras.")
    if plan.team.pk != team.pk:
        raise ValueError("import_apply: planen gäller ett annat team.")
    try:
        return _apply(
            plan, team=team, by=by, file_hash=file_hash, channel=channel, progress=progress
        )
    except IntegrityError as e:
        raise ValidationError(
            "Någon annan registrerade samma deltagare eller inskrivning under tiden. Inget "
            "importerades – kontrollera filen igen och försök på nytt."
        ) from e
