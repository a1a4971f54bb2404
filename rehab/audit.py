"""The audit trail of SPEC §11: who did what, when, to which participant.

Services call `record` inside their transaction, so an audited write and its audit record
commit or roll back together. Note text, full personnummer and the person's identity never go
into `changes`.

`record` is the one write path for changes: the AuditEvent holds *what* changed, and the
append-only access log (`privacy.AccessLog`, kind "change") gets a row with who, when, from
which IP address and which participant, pointing at the AuditEvent. The log review reads the
access log alone.

`record_many` is the same for a bulk write (the enrolment import): all the AuditEvents in one
bulk insert and one access-log row per participant in another, however many there are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from privacy.recorder import note_change, note_changes
from rehab import freshness
from rehab.models import AuditEvent

# Fields whose values are never copied into the audit trail, only the fact that they changed.
SECRET_FIELDS = {
    "personnummer",
    "text",
    "description",
    "need",
    "exit_plan",
    "address",
    # Identity: the retention purge anonymises the participant, and must not find the name
    # again in the audit trail.
    "first_name",
    "last_name",
    "phone",
    "email",
    "birth_date",
    "scope",
    "note",
    "goals_evaluated",
    "decline_reason",
    "error_reason",
}


# Derived data kept current in the transaction of each audited change: higher layers register
# a listener (reporting's board aggregates, in ReportingConfig.ready), called after the write
# with the changed objects, each with its changes.
_listeners: list = []


def on_change(listener) -> None:
    """Call `listener([(obj, changes), …])` after every audited change (`record`) and every
    bulk of them (`record_many`), in their transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


def _notify(changed) -> None:
    for listener in _listeners:
        listener(changed)


def record(*, user, action, obj=None, participant_id=None, changes=None, object_type=None):
    event = AuditEvent.objects.create(
        **_event_fields(
            user=user,
            action=action,
            obj=obj,
            participant_id=participant_id,
            changes=changes,
            object_type=object_type,
        )
    )
    note_change(
        user=event.user,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        participant_id=participant_id,
        audit_event_id=event.pk,
    )
    # The cached lists and figures of its teams go stale when this change commits
    # (rehab/freshness.py).
    freshness.note_audited_change(objects=[obj], participant_ids=[participant_id])
    _notify([(obj, changes or {})])
    return event


@dataclass(frozen=True)
class Change:
    """One audited change for `record_many`: the arguments `record` takes, but the user."""

    action: str
    obj: object = None
    participant_id: int | None = None
    changes: dict | None = None
    object_type: str | None = None


def record_many(*, user, changes: Iterable[Change]) -> list[AuditEvent]:
    """`record` for many changes by one user in one transaction, in a constant number of
    statements (bulk inserts, batched by the database's limit on variables): one AuditEvent per
    change, and one access-log row per participant changed, pointing at that participant's
    first event (a change without a participant gets its own row, as from `record`). Each
    row holds exactly what `record` would write for its event. Returns the events."""
    changes = list(changes)
    events = [
        AuditEvent(
            **_event_fields(
                user=user,
                action=change.action,
                obj=change.obj,
                participant_id=change.participant_id,
                changes=change.changes,
                object_type=change.object_type,
            )
        )
        for change in changes
    ]
    if not events:
        return events
    AuditEvent.objects.bulk_create(events)
    if any(event.pk is None for event in events):
        raise RuntimeError("record_many needs a database that returns the primary keys.")
    logged: set[int] = set()
    notes = []
    for event in events:
        if event.participant_id is not None:
            if event.participant_id in logged:
                continue
            logged.add(event.participant_id)
        notes.append(
            {
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "participant_id": event.participant_id,
                "audit_event_id": event.pk,
            }
        )
    note_changes(user=events[0].user, changes=notes)
    freshness.note_audited_change(
        objects=[change.obj for change in changes],
        participant_ids=[event.participant_id for event in events],
    )
    _notify([(change.obj, change.changes or {}) for change in changes])
    return events


def _event_fields(*, user, action, obj, participant_id, changes, object_type) -> dict:
    """An AuditEvent's fields for one change, with secret values masked."""
    return {
        "user": user if user is not None and user.is_authenticated else None,
        "action": action,
        "object_type": object_type or (obj._meta.model_name if obj is not None else ""),
        "object_id": str(obj.pk) if obj is not None and obj.pk is not None else "",
        "participant_id": participant_id,
        "changes": {
            key: ("(ändrad)" if key in SECRET_FIELDS else _plain(value))
            for key, value in (changes or {}).items()
        },
    }


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def diff(instance, data):
    """The fields in `data` whose values differ from `instance`'s, as {field: new value}."""
    return {k: v for k, v in data.items() if getattr(instance, k) != v}
