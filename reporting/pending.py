"""Uploaded import files waiting for confirmation, kept server-side (`PendingImport`).

Between preview and confirmation the file stays in the database for `lifetime_minutes()`
(setting `PENDING_IMPORT_MINUTES`, default 30); the session holds only the row's id. The row
is deleted when the import is confirmed or cancelled, when it is found expired, and by
`manage.py cleanup` (run from cron), so names and personnummer do not linger anywhere."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from reporting.models import PendingImport
from reporting.spreadsheet import file_sha256

DEFAULT_MINUTES = 30


class Expired(Exception):
    """The session names a pending import that has expired or been removed."""


def lifetime_minutes() -> int:
    return getattr(settings, "PENDING_IMPORT_MINUTES", DEFAULT_MINUTES)


def expired_message() -> str:
    return (
        "Den uppladdade filen finns inte längre kvar: en fil väntar på bekräftelse i högst "
        f"{lifetime_minutes()} minuter. Ladda upp filen igen."
    )


def keep(request, session_key: str, *, kind, content: bytes, filename: str, **target):
    """Keep `content` for the user until confirmation (replacing their earlier pending import
    of the same kind) and name it in the session. `target` is team= or budget=."""
    PendingImport.objects.filter(owner=request.user, kind=kind).delete()
    pending = PendingImport.objects.create(
        owner=request.user,
        kind=kind,
        filename=filename[:255],
        sha256=file_sha256(content),
        content=content,
        expires_at=timezone.now() + timedelta(minutes=lifetime_minutes()),
        **target,
    )
    request.session[session_key] = pending.pk
    return pending


def current(request, session_key: str, kind) -> PendingImport | None:
    """The user's pending import the session names, or None when it names none. Raises Http404
    for another user's import and `Expired` (after deleting it) for an expired or removed one."""
    pk = request.session.get(session_key)
    if pk is None:
        return None
    if not isinstance(pk, int):  # a session from before pending imports left the session
        request.session.pop(session_key, None)
        return None
    pending = PendingImport.objects.filter(pk=pk, kind=kind).first()
    if pending is None:
        request.session.pop(session_key, None)
        raise Expired
    if pending.owner_id != request.user.pk:
        request.session.pop(session_key, None)
        raise Http404
    if pending.expires_at <= timezone.now():
        pending.delete()
        request.session.pop(session_key, None)
        raise Expired
    return pending


def content(pending: PendingImport) -> bytes:
    return bytes(pending.content)  # PostgreSQL gives a memoryview


def discard(request, session_key: str) -> None:
    """Forget the session's pending import and delete it (only ever the user's own)."""
    pk = request.session.pop(session_key, None)
    if isinstance(pk, int):
        PendingImport.objects.filter(pk=pk, owner=request.user).delete()


def delete_expired(now=None) -> int:
    deleted, _ = PendingImport.objects.expired(now or timezone.now()).delete()
    return deleted
