"""The purge gate: the only way past the access log's append-only triggers.

PostgreSQL: the trigger lets a DELETE (or TRUNCATE) through when the transaction-local setting
``finsam.purge_gate`` is ``on``; `purge_gate` sets it with ``set_config(..., true)``, so it ends
with the transaction whatever happens. SQLite has no such settings: the trigger asks the SQL
function ``finsam_purge_gate()``, which `privacy.apps` registers on every connection Django
opens and which answers from a flag on that connection alone. A connection without the function
(the sqlite3 shell, another program) gets "no such function" and the DELETE fails too.
UPDATE is refused always.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

GATE_SETTING = "finsam.purge_gate"
SQLITE_FUNCTION = "finsam_purge_gate"


def register_sqlite_function(sender, connection, **kwargs):
    """connection_created receiver: give SQLite connections the gate function."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, "_finsam_purge_gate", False) else 0
    )


@contextmanager
def purge_gate(using=DEFAULT_DB_ALIAS):
    """Open the gate for the current transaction. Only `privacy.services.purge` (and `flush`,
    which empties the whole database) use it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("The purge gate opens only inside a transaction.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [GATE_SETTING])
        yield
        # set_config(..., true) ends with the transaction; close it now for the rest of it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [GATE_SETTING])
        return
    connection.ensure_connection()
    connection._finsam_purge_gate = True
    try:
        yield
    finally:
        connection._finsam_purge_gate = False
