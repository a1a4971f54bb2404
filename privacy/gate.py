"""The purge gate: the only way past the access log's append-only triggers.

PostgreSQL: the gate is a role. The trigger lets a DELETE (or TRUNCATE) through only when the
session's role is a member of `GATE_ROLE` (``finsam_purge_gate``, created by
``manage.py db_roles``), which only the purge role is; that role also holds the only DELETE
privilege on the table. The application role is not a member and cannot become one, so no
setting, ``SET LOCAL`` or SQL console trick opens the gate from the application's credential.
A superuser passes, as PostgreSQL lets a superuser do anything: the application must never
connect as one (README, "PostgreSQL").

The purge runs on its own connection, the database alias `PURGE_ALIAS` that settings define
from ``PURGE_DATABASE_URL``; `purging()` routes every query of the purge there
(`PurgeRouter`). Without that setting (SQLite, or a development server run as a superuser)
the purge uses the default connection.

SQLite has no roles: the trigger asks the SQL function ``finsam_purge_gate()``, which
`privacy.apps` registers on every connection Django opens and which answers from a flag on that
connection alone. A connection without the function (the sqlite3 shell, another program) gets
"no such function" and the DELETE fails too; whoever can write the database file can of course
do anything (README, "Säkerhet"). UPDATE is refused always, on both.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

GATE_ROLE = "finsam_purge_gate"
SQLITE_FUNCTION = "finsam_purge_gate"
PURGE_ALIAS = "purge"

_purging: ContextVar[bool] = ContextVar("finsam_purging", default=False)


class PurgeGateClosed(RuntimeError):
    """The connection's role may not delete from the access log."""


def purge_alias() -> str:
    """The database alias the purge writes through."""
    return PURGE_ALIAS if PURGE_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


@contextmanager
def purging():
    """Route every ORM query inside to the purge's connection (see `PurgeRouter`)."""
    token = _purging.set(True)
    try:
        yield purge_alias()
    finally:
        _purging.reset(token)


class PurgeRouter:
    """Sends the purge's queries to `PURGE_ALIAS` while `purging()` is active; says nothing
    otherwise, so every other query goes to the default database."""

    def db_for_read(self, model, **hints):
        if _purging.get() and PURGE_ALIAS in settings.DATABASES:
            return PURGE_ALIAS
        return None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        # The purge's credential may not change the schema; migrations run as the owner.
        return False if db == PURGE_ALIAS else None


def register_sqlite_function(sender, connection, **kwargs):
    """connection_created receiver: give SQLite connections the gate function."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, "_finsam_purge_gate", False) else 0
    )


def holds_gate(using=DEFAULT_DB_ALIAS) -> bool:
    """Whether the role of connection `using` is a member of the gate role (PostgreSQL)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            # A missing role gives a NULL oid, and pg_has_role(…, NULL, …) gives NULL.
            "SELECT coalesce(pg_has_role(current_user, "
            "(SELECT oid FROM pg_roles WHERE rolname = %s), 'MEMBER'), false)",
            [GATE_ROLE],
        )
        return bool(cursor.fetchone()[0])


@contextmanager
def purge_gate(using=DEFAULT_DB_ALIAS):
    """Let the purge's DELETE through for the current transaction. PostgreSQL decides by the
    connection's role; this only refuses early, with a clear message, when the role is not the
    purge role. Only `privacy.services.purge` (and `flush`, which empties the whole database)
    use it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("The purge gate opens only inside a transaction.")
        if not holds_gate(using):
            raise PurgeGateClosed(
                "Databasrollen får inte gallra åtkomstloggen: kör gallringen med "
                "PURGE_DATABASE_URL (gallringsrollen, se README)."
            )
        yield
        return
    connection.ensure_connection()
    connection._finsam_purge_gate = True
    try:
        yield
    finally:
        connection._finsam_purge_gate = False
