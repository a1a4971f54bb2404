"""Writing the access log.

Reads are collected on the request by `note_read` and written by `AccessLogMiddleware` in one
INSERT after the view has run, however many objects of however many people the view fetched
(a page showing a participant, their enrolment and a placement writes one statement). Changes
are written by `rehab.audit.record` in the service's own transaction, so a change and its log
row commit or roll back together. The request being served is kept in a context variable so
that `record` knows the IP address without every service taking the request as an argument.

A refused request (403 or 404) by a logged-in user to a participant-scoped URL
(`privacy.denied`) is logged too, as kind "nekad" with the attempted object type and id, in the
same INSERT. At most DENIED_PER_MINUTE such rows are written per user and minute; the next
attempt in that minute writes one summary row ("fler nekade försök") and the rest of the minute
writes nothing, so that a scan of many ids leaves a bounded number of rows.
"""

import contextvars
import ipaddress
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone

from privacy.denied import denied_target
from privacy.models import LOGIN_METHOD_SESSION_KEY, AccessLog

_current_request = contextvars.ContextVar("privacy_current_request", default=None)
_current_actor = contextvars.ContextVar("privacy_current_actor", default=None)

BUFFER_ATTR = "_privacy_access_log"

DENIED_PER_MINUTE = 20
DENIED_SUMMARY_ACTION = "fler nekade försök"
DENIED_STATUSES = frozenset({403, 404})
# user id -> the minute whose bound this process has seen reached: the rest of that minute's
# denials cost no query. One entry per user at most.
_denied_capped: dict[int, object] = {}


def client_ip(request) -> str | None:
    """REMOTE_ADDR; the first X-Forwarded-For hop only when PRIVACY_TRUST_X_FORWARDED_FOR says
    a proxy in front of the app sets that header (anyone can send it otherwise)."""
    candidates = []
    if getattr(settings, "PRIVACY_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidates.append(forwarded.split(",")[0].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def current_request():
    return _current_request.get()


@dataclass(frozen=True)
class Actor:
    """Who asked for work the worker does later (an import run as a job): the user, and the
    role, address and log-in method of the request that asked, so that the work's access-log
    rows are the ones the request itself would have written."""

    user_id: int
    role: str = ""
    ip: str | None = None
    login_method: str | None = None

    @classmethod
    def of(cls, request) -> "Actor":
        return cls(
            user_id=request.user.pk,
            role=_role(request, request.user),
            ip=client_ip(request),
            login_method=_login_method(request, request.user),
        )

    @classmethod
    def from_dict(cls, data: dict) -> "Actor":
        return cls(**{key: data.get(key) for key in ("user_id", "role", "ip", "login_method")})

    def as_dict(self) -> dict:
        return asdict(self)


@contextmanager
def acting_for(actor: Actor):
    """Changes logged inside, outside any request, carry `actor`'s role, address and log-in
    method (for the changes of `actor`'s user only)."""
    token = _current_actor.set(actor)
    try:
        yield
    finally:
        _current_actor.reset(token)


def _actor_for(request, user) -> Actor | None:
    actor = _current_actor.get()
    if request is not None or actor is None or user is None or actor.user_id != user.pk:
        return None
    return actor


def _role(request, user) -> str:
    """The user's widest role, from the access already read for this request (no query)."""
    if request is None or user is None or getattr(request, "user", None) != user:
        return ""
    access = getattr(request.user, "_rehab_access", None)
    return (access.primary_role or "") if access is not None else ""


def _login_method(request, user) -> str | None:
    """How the session serving this request logged in (no query: the session is loaded)."""
    if request is None or user is None or getattr(request, "user", None) != user:
        return None
    session = getattr(request, "session", None)
    return session.get(LOGIN_METHOD_SESSION_KEY) if session is not None else None


def _action(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else request.path[:80]


def note_read(
    request, *, participant_id, object_type, object_id="", kind=AccessLog.Kind.READ, action=None
):
    """Log that this request shows `participant_id`'s personal data."""
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return
    entry = AccessLog(
        user=request.user,
        role=_role(request, request.user),
        login_method=_login_method(request, request.user),
        kind=kind,
        action=(action or _action(request))[:80],
        object_type=object_type,
        object_id=str(object_id),
        participant_id=participant_id,
        ip=client_ip(request),
    )
    _buffer(request, entry)


def _buffer(request, entry):
    buffer = getattr(request, BUFFER_ATTR, None)
    if buffer is None:
        # Outside the middleware (a test's RequestFactory, a misconfigured stack): write now
        # rather than lose the read.
        entry.save()
        return
    key = (entry.kind, entry.participant_id, entry.object_type, entry.object_id)
    buffer.setdefault(key, entry)


def note_denied(request, response) -> bool:
    """Log a refused request to a participant-scoped URL, within the per-minute bound.
    True when a row was noted. Anonymous requests are not logged (they go to the log-in)."""
    if response.status_code not in DENIED_STATUSES:
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    target = denied_target(getattr(request, "resolver_match", None))
    if target is None:
        return False
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    if _denied_capped.get(user.pk) == minute:
        return False
    # One small query, on the (user, at) index; a denied request is rare in normal use.
    earlier = (
        AccessLog.objects.filter(user=user, kind=AccessLog.Kind.DENIED, at__gte=minute)
        .values("pk")[: DENIED_PER_MINUTE + 1]
        .count()
    )
    if earlier >= DENIED_PER_MINUTE:
        _denied_capped[user.pk] = minute
    if earlier > DENIED_PER_MINUTE:
        return False
    object_type, object_id = target
    summary = earlier == DENIED_PER_MINUTE
    _buffer(
        request,
        AccessLog(
            at=now,
            user=user,
            role=_role(request, user),
            login_method=_login_method(request, user),
            kind=AccessLog.Kind.DENIED,
            action=DENIED_SUMMARY_ACTION if summary else _action(request)[:80],
            object_type="" if summary else object_type,
            object_id="" if summary else object_id,
            participant_id=None,
            ip=client_ip(request),
        ),
    )
    return True


def note_change(*, user, action, object_type, object_id, participant_id, audit_event_id):
    """Log a change written by a service (called by `rehab.audit.record`)."""
    request = current_request()
    _change_entry(
        request,
        _ip(request, user),
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        participant_id=participant_id,
        audit_event_id=audit_event_id,
    ).save(force_insert=True)


def note_changes(*, user, changes: Iterable[dict]) -> int:
    """Log several changes by one user in one bulk insert (called by
    `rehab.audit.record_many`). Each item holds `note_change`'s other keyword arguments; each
    row is the one `note_change` would write."""
    request = current_request()
    ip = _ip(request, user)
    entries = [_change_entry(request, ip, user=user, **change) for change in changes]
    AccessLog.objects.bulk_create(entries)
    return len(entries)


def _ip(request, user) -> str | None:
    if request is not None:
        return client_ip(request)
    actor = _actor_for(request, user)
    return actor.ip if actor is not None else None


def _change_entry(
    request, ip, *, user, action, object_type, object_id, participant_id, audit_event_id
) -> AccessLog:
    actor = _actor_for(request, user)
    return AccessLog(
        user=user,
        role=actor.role if actor is not None else _role(request, user),
        login_method=actor.login_method if actor is not None else _login_method(request, user),
        kind=AccessLog.Kind.CHANGE,
        action=action[:80],
        object_type=object_type[:60],
        object_id=object_id,
        participant_id=participant_id,
        ip=ip,
        audit_event_id=audit_event_id,
    )


def flush(request) -> int:
    buffer = getattr(request, BUFFER_ATTR, None)
    if not buffer:
        return 0
    entries = list(buffer.values())
    buffer.clear()
    AccessLog.objects.bulk_create(entries)
    return len(entries)


class AccessLogMiddleware:
    """Keeps the request in reach of `rehab.audit.record` and writes the request's reads (and
    a denied attempt) in one INSERT once the response is ready. Put it last in MIDDLEWARE,
    next to the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        setattr(request, BUFFER_ATTR, {})
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        note_denied(request, response)
        flush(request)
        return response
