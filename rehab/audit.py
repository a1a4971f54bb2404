"""The audit trail of SPEC §11: who did what, when, to which participant.

Services call `record` inside their transaction, so an audited write and its audit record
commit or roll back together. Note text and full personnummer never go into `changes`."""

from rehab.models import AuditEvent

# Fields whose values are never copied into the audit trail, only the fact that they changed.
SECRET_FIELDS = {"personnummer", "text", "description", "need", "exit_plan", "address"}


def record(*, user, action, obj=None, participant_id=None, changes=None, object_type=None):
    safe = {
        key: ("(ändrad)" if key in SECRET_FIELDS else _plain(value))
        for key, value in (changes or {}).items()
    }
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        participant_id=participant_id,
        changes=safe,
    )


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def diff(instance, data):
    """The fields in `data` whose values differ from `instance`'s, as {field: new value}."""
    return {k: v for k, v in data.items() if getattr(instance, k) != v}
