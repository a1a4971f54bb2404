"""Cached read models, invalidated by every write.

The dashboards' figures, the board report's table and the caseload's filter form and result
list are the pages read most or computed most expensively (BENCHMARKS.md). They are cached
in the `read_models` cache under a key that starts with the current *data version*: one row
(`DataVersion`) whose random token is replaced

- after every request by a logged-in user that may write (any method but GET, HEAD, OPTIONS
  and TRACE, unless the view is marked `@writes_no_data` or the request was refused with
  403, 404 or 405: `config.middleware.DataVersionMiddleware`);
- after the management commands that write without an audit record (`bump()` in purge and
  seed_demo);
- after the commit of every audited change (`rehab.audit.record` calls `bump_after_commit()`),
  whichever way it was made: an import, or a service called from a script, is covered too.

A write therefore makes every cached entry unreachable at once, in every process, and each
process pays one primary-key query per cached page to learn the token. The token is random
rather than a counter so that a database restored from a backup can never meet entries cached
for other data under the same key. Entries also expire after `READ_MODEL_CACHE_SECONDS`, the
bound on how long a change made outside the application (a SQL console) can stay unseen.

The cache is local to each process (settings.CACHES): the cached caseload holds names, which
must not travel to a shared cache server. When a process sees a new token it empties its
cache, so that nothing personal lingers in memory once it can no longer be read (a purged
name, a revoked user's list). Keys hold the inputs that decide what a user may see (their
roles per team in the caseload's key), so that a list computed from roles read before a
change can never answer a request made after it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

from rehab.models import DataVersion

T = TypeVar("T")

CACHE_ALIAS = "read_models"
_MISSING = object()
_last_token_seen: int | None = None  # per process


def token() -> int:
    """The current data version (0 before the first write)."""
    return DataVersion.objects.filter(pk=1).values_list("token", flat=True).first() or 0


def forget_all() -> None:
    """Empty this process's read-model cache."""
    caches[CACHE_ALIAS].clear()


def writes_no_data(view):
    """Mark a view whose POSTs write nothing that a cached page shows (a search kept in the
    session): its requests leave the data version as it is."""
    view.writes_no_data = True
    return view


def bump() -> None:
    """Make every cached read model stale: called after anything that may have written."""
    new = secrets.randbits(62) + 1
    if not DataVersion.objects.filter(pk=1).update(token=new):
        DataVersion.objects.update_or_create(pk=1, defaults={"token": new})


def bump_after_commit() -> None:
    """`bump()` once the current transaction commits (at once outside one); once per
    transaction however many changes it holds. Nothing happens if it rolls back."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump()
    elif not any(callback is bump for _sids, callback, _robust in connection.run_on_commit):
        # Robust: the change has committed; a failing bump must not turn it into an error.
        transaction.on_commit(bump, robust=True)


def cache_key(namespace: str, *parts, version: int | None = None) -> str:
    """A key for `parts` under the data version (the current one unless given). `parts` may
    hold personal data (a search term): only their digest is part of the key."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"{namespace}:{token() if version is None else version}:{digest}"


def cached(namespace: str, parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`'s value for `parts` at the current data version, computed at most once per
    process and version."""
    global _last_token_seen
    version = token()
    if version != _last_token_seen:
        forget_all()  # every entry is stale: let none stay in memory
        _last_token_seen = version
    cache = caches[CACHE_ALIAS]
    key = cache_key(namespace, *parts, version=version)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, settings.READ_MODEL_CACHE_SECONDS)
    return value
