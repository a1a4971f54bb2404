"""The audit trail of SPEC §11: who did what, when, to which participant.

Services call `record` inside their transaction, so an audited write and its audit record
commit or roll back together. Note text, full personnummer and the person's identity never go
into `changes`.

`record` is the one write path for changes: the AuditEvent holds *what* changed, and the
append-only access log (`privacy.AccessLog`, kind "change") gets a row with who, when, from
which IP address and which participant, pointing at the AuditEvent. The log review reads the
access log alone."""

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


def record(*, user, action, obj=None, participant_id=None, changes=None, object_type=None):
    safe = {
        key: ("(ändrad)" if key in SECRET_FIELDS else _plain(value))
        for key, value in (changes or {}).items()
    }
    event = AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        participant_id=participant_id,
        changes=safe,
    )
    from privacy.recorder import note_change

    note_change(
        user=event.user,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        participant_id=participant_id,
        audit_event_id=event.pk,
    )
    # Cached lists and figures go stale when this change commits (rehab/freshness.py).
    freshness.bump_after_commit()
    return event


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def diff(instance, data):
    """The fields in `data` whose values differ from `instance`'s, as {field: new value}."""
    return {k: v for k, v in data.items() if getattr(instance, k) != v}
