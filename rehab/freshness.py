"""Cached read models, made stale per team by the writes to that team's data.

The dashboards' figures, the board report's table and the caseload's filter form and result
list are the pages read most or computed most expensively (BENCHMARKS.md). They are cached
in the `read_models` cache under a key that holds the *data versions* they depend on: the
installation's (`DataVersion`, one row) and that of each team whose data they show
(`TeamDataVersion`, one row per team). A version is a random token, replaced

- for the teams of an audited change, after the commit of its transaction
  (`rehab.audit.record` and `record_many` call `bump_after_commit(teams)`), whichever way it
  was made: an import, or a service called from a script, is covered too. The teams of a
  change are the team the changed object belongs to and every team the participant is
  enrolled in or referred to (`teams_of`); a change that names neither replaces the
  installation's version;
- for the whole installation after every request by a logged-in user that may write (any
  method but GET, HEAD, OPTIONS and TRACE, unless the view is marked `@writes_no_data` or the
  request was refused with 403, 404 or 405: `config.middleware.DataVersionMiddleware`) and
  recorded no audited change: a write past the services (Django admin: a module, a team's
  settings, a membership) or a form that failed;
- for the whole installation after the management commands that write without an audit
  record (`bump()` in purge and seed_demo).

A second `DataVersion` row (`UNAUDITED`) is replaced by `bump()` of every read model after a
write that may have bypassed the services (a POST to Django admin, purge, seed_demo), but not
after an audited change that names no team nor after a failed form (`through_services`):
derived data that the services' writes keep current (the board's aggregate tables) is rebuilt
when it moves, not after every such change.

So a save in one team leaves every other team's cached pages as they are, while a förbund
view, keyed by the versions of all its teams, goes stale with any of them. Reading the
versions is one query per cached page. Tokens are random rather than counters so that a
database restored from a backup can never meet entries cached for other data under the same
key. Entries also expire after `READ_MODEL_CACHE_SECONDS`, the bound on how long a change made
outside the application (a SQL console) can stay unseen.

The cache is local to each process (settings.CACHES): the cached caseload holds names, which
must not travel to a shared cache server. When a process sees a new installation version it
empties its cache, and when it sees a new version of a team it deletes the entries that
depended on it, so that nothing personal lingers in memory once it can no longer be read (a
purged name, a revoked user's list). Keys hold the inputs that decide what a user may see
(their roles per team in the caseload's key), so that a list computed from roles read before a
change can never answer a request made after it.
"""

from __future__ import annotations

import contextvars
import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import BigIntegerField, Value

from rehab.models import DataVersion, Enrolment, Participant, Team, TeamDataVersion

T = TypeVar("T")

CACHE_ALIAS = "read_models"
_MISSING = object()
ALL = "*"  # the bucket of entries that depend on every team
# Per process: the versions last seen, and the keys cached under each team's version.
_last_token_seen: int | None = None
_team_tokens_seen: dict[int, int] = {}
_keys_by_team: dict[int | str, set[str]] = {}
# Per request (config.middleware.DataVersionMiddleware): the teams its audited changes touched.
_audited = contextvars.ContextVar("audited_change_in_request", default=None)
# Per request: whether it saved or deleted a row of a model that derived data is computed
# from (`note_source_write`, connected by the apps that keep such data).
_source_writes = contextvars.ContextVar("source_write_in_request", default=None)


# The DataVersion row replaced only by writes that may have bypassed the services (below):
# the guard of the board's aggregate tables (reporting/board/aggregates.py).
UNAUDITED = 2


def token() -> int:
    """The installation's data version (0 before the first write)."""
    return DataVersion.objects.filter(pk=1).values_list("token", flat=True).first() or 0


def team_token(team_id: int) -> int:
    """A team's data version (0 before the first write to its data)."""
    return (
        TeamDataVersion.objects.filter(team_id=team_id).values_list("token", flat=True).first()
        or 0
    )


def versions(team_ids: Iterable[int] | None) -> tuple[int, dict[int, int]]:
    """The installation's version and those of `team_ids` (every team's when None), in one
    query. A team never written has version 0."""
    installation = DataVersion.objects.filter(pk=1).values_list(
        Value(0, output_field=BigIntegerField()), "token"
    )
    teams = TeamDataVersion.objects.all()
    if team_ids is not None:
        teams = teams.filter(team_id__in=list(team_ids))
    found, by_team = 0, {}
    for team_id, value in installation.union(teams.values_list("team_id", "token"), all=True):
        if team_id == 0:  # team ids start at 1
            found = value
        else:
            by_team[team_id] = value
    return found, by_team


def forget_all() -> None:
    """Empty this process's read-model cache."""
    global _last_token_seen
    caches[CACHE_ALIAS].clear()
    _team_tokens_seen.clear()
    _keys_by_team.clear()
    _last_token_seen = None


def writes_no_data(view):
    """Mark a view whose POSTs write nothing that a cached page shows (a search kept in the
    session): its requests leave the data version as it is."""
    view.writes_no_data = True
    return view


def bump(teams: Iterable[int] | None = None, *, through_services: bool = False) -> None:
    """Make cached read models stale: those of `teams`, or every one when None. Called after
    anything that may have written. Every one, unless `through_services` (an audited change
    that names no team, a failed form), also replaces the unaudited-write version: the write
    may have bypassed the services."""
    new = secrets.randbits(62) + 1
    if teams is None:
        if not DataVersion.objects.filter(pk=1).update(token=new):
            DataVersion.objects.update_or_create(pk=1, defaults={"token": new})
        if not through_services:
            _replace_unaudited()
        return
    team_ids = sorted(set(teams))
    if not team_ids:
        return
    # One statement: INSERT … ON CONFLICT (team) DO UPDATE, also when another process creates
    # the same team's row at once.
    TeamDataVersion.objects.bulk_create(
        [TeamDataVersion(team_id=t, token=new) for t in team_ids],
        update_conflicts=True,
        unique_fields=["team"],
        update_fields=["token"],
    )


def unaudited_token() -> int:
    """The version of writes that may have bypassed the services (0 before the first)."""
    return DataVersion.objects.filter(pk=UNAUDITED).values_list("token", flat=True).first() or 0


def _replace_unaudited() -> None:
    new = secrets.randbits(62) + 1
    if not DataVersion.objects.filter(pk=UNAUDITED).update(token=new):
        DataVersion.objects.update_or_create(pk=UNAUDITED, defaults={"token": new})


class _PendingBump:
    """The teams a transaction's (or a request's) changes touched, or the installation, to
    bump once: the on-commit callback."""

    def __init__(self):
        self.teams: set[int] = set()
        self.everything = False
        self.made = False

    def add(self, teams: Iterable[int] | None) -> None:
        self.made = True
        if teams is None:
            self.everything = True
        else:
            self.teams.update(teams)

    def __call__(self):
        # Audited changes: written through the services, which keep derived data current.
        bump(None if self.everything else self.teams, through_services=True)


def bump_after_commit(teams: Iterable[int] | None = None) -> None:
    """`bump(teams)` once the current transaction commits (at once outside one); once per
    transaction however many changes it holds, for the union of their teams. Nothing happens
    if it rolls back. In a request, the middleware bumps them once the response is ready
    (`request_finished`), when every transaction of the view has ended."""
    in_request = _audited.get()
    if in_request is not None:
        in_request.add(teams)
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump(teams)
        return
    pending = next(
        (cb for _sids, cb, _robust in connection.run_on_commit if isinstance(cb, _PendingBump)),
        None,
    )
    if pending is None:
        pending = _PendingBump()
        # Robust: the change has committed; a failing bump must not turn it into an error.
        transaction.on_commit(pending, robust=True)
    pending.add(teams)


def teams_of(objects: Iterable[object] = (), participant_ids: Iterable[int] = ()) -> set[int]:
    """The teams whose data an audited change of `objects` for `participant_ids` touches: each
    object's team (its own, its referral's assigned team, its enrolment's) and every team the
    participants are enrolled in or referred to."""
    teams: set[int] = set()
    enrolment_ids: set[int] = set()
    for obj in objects:
        if obj is None:
            continue
        if isinstance(obj, Team):
            teams.add(obj.pk)
        for attr in ("team_id", "assigned_team_id"):
            value = getattr(obj, attr, None)
            if isinstance(value, int):
                teams.add(value)
        enrolment_id = getattr(obj, "enrolment_id", None)
        if isinstance(enrolment_id, int):
            loaded = getattr(obj, "_state", None) and obj._state.fields_cache.get("enrolment")
            if loaded is not None:
                teams.add(loaded.team_id)
            else:
                enrolment_ids.add(enrolment_id)
    ids = sorted(enrolment_ids)
    for start in range(0, len(ids), 500):
        teams.update(
            Enrolment.objects.filter(pk__in=ids[start : start + 500]).values_list(
                "team_id", flat=True
            )
        )
    ids = sorted({p for p in participant_ids if p is not None})
    for start in range(0, len(ids), 500):  # within every database's limit on variables
        chunk = ids[start : start + 500]
        enrolled = Enrolment.objects.filter(participant_id__in=chunk).values_list("team_id")
        referred = Participant.objects.filter(pk__in=chunk, referrals__isnull=False)
        rows = enrolled.union(
            referred.values_list("referrals__team_id"),
            referred.filter(referrals__assigned_team__isnull=False).values_list(
                "referrals__assigned_team_id"
            ),
        )
        teams.update(team_id for (team_id,) in rows)
    return teams


def note_audited_change(*, objects=(), participant_ids=()) -> None:
    """The read models an audited change makes stale, when its transaction commits: those of
    its teams, or every one if it names no team."""
    teams = teams_of(objects, participant_ids)
    bump_after_commit(teams or None)


class RequestWrites:
    """What a request wrote, as `request_finished` found it: `wrote_sources`, whether it saved
    or deleted a row of a model derived data is computed from (`note_source_write`)."""

    def __init__(self):
        self.wrote_sources = False
        self._tokens = (_audited.set(_PendingBump()), _source_writes.set([]))


def request_started() -> RequestWrites:
    """Start collecting the teams of this request's audited changes, and whether it wrote a
    source of derived data (the middleware)."""
    return RequestWrites()


def request_finished(started: RequestWrites) -> bool:
    """Bump the teams of the audited changes the request that `started` made, and stop
    collecting; whether it made any (and in `started.wrote_sources`, whether it wrote a
    source of derived data)."""
    audited, sources = started._tokens
    pending = _audited.get()
    started.wrote_sources = bool(_source_writes.get())
    _audited.reset(audited)
    _source_writes.reset(sources)
    if pending is None or not pending.made:
        return False
    pending()
    return True


def note_source_write(**_signal) -> None:
    """A `post_save` / `post_delete` receiver for the models derived data is computed from
    (the board's aggregates: reporting/apps.py): the request under way wrote one."""
    written = _source_writes.get()
    if written is not None and not written:
        written.append(True)


def cache_key(namespace: str, *parts, version=None) -> str:
    """A key for `parts` under a version (the installation's current one unless given).
    `parts` may hold personal data (a search term): only their digest is part of the key."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"{namespace}:{token() if version is None else version}:{digest}"


def cached(
    namespace: str, parts: tuple, compute: Callable[[], T], *, teams: Iterable[int] | None = None
) -> T:
    """`compute()`'s value for `parts`, which shows data of `teams` (every team when None),
    computed at most once per process and per versions of the installation and those teams."""
    global _last_token_seen
    team_ids = None if teams is None else sorted(set(teams))
    installation, team_versions = versions(team_ids)
    if installation != _last_token_seen:
        forget_all()  # every entry is stale: let none stay in memory
        _last_token_seen = installation
    cache = caches[CACHE_ALIAS]
    changed = [t for t, v in team_versions.items() if _team_tokens_seen.get(t, 0) != v]
    if team_ids is not None:
        # A version that went back to 0 (its row deleted) is a change too.
        changed += [t for t in team_ids if t not in team_versions and _team_tokens_seen.get(t)]
    for team_id in changed:
        stale = _keys_by_team.pop(team_id, set()) | _keys_by_team.pop(ALL, set())
        cache.delete_many(list(stale))
        _team_tokens_seen[team_id] = team_versions.get(team_id, 0)
    if team_ids is None:
        version_parts = sorted(team_versions.items())
    else:
        version_parts = [(t, team_versions.get(t, 0)) for t in team_ids]
    version = f"{installation}-" + hashlib.sha256(repr(version_parts).encode()).hexdigest()[:16]
    key = cache_key(namespace, *parts, version=version)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, settings.READ_MODEL_CACHE_SECONDS)
        for bucket in [ALL] if team_ids is None else team_ids:
            _keys_by_team.setdefault(bucket, set()).add(key)
    return value
