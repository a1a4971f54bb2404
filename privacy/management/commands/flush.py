"""Django's `flush`, past the access log's append-only triggers.

`flush` empties every table of the database (the test runner calls it after each
transactional test). Application code never calls it.

- SQLite, or a PostgreSQL superuser: the purge gate is opened for the flush's own transaction.
- PostgreSQL with separated roles (README, "PostgreSQL"): the application role may neither
  TRUNCATE nor open the gate, so the flush runs on a connection as the owner, whose
  credential is then given as ``settings.DATABASE_OWNER`` (tests/settings.py reads it from
  ``DATABASE_OWNER_URL``, for test and CI servers only; the application's settings never hold
  it). The owner is not in the gate role either: it switches the table's triggers off inside
  the flush's transaction, which only a table's owner may do, and on again before the commit.
"""

import psycopg2
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.management.commands.flush import Command as FlushCommand
from django.core.management.sql import emit_post_migrate_signal, sql_flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from privacy.gate import holds_gate, purge_gate

ACCESS_LOG = "privacy_accesslog"


class Command(FlushCommand):
    def handle(self, **options):
        using = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[using]
        owner = getattr(settings, "DATABASE_OWNER", None)
        if connection.vendor == "postgresql" and owner and not holds_gate(using):
            return self._flush_as_owner(connection, owner, **options)
        with transaction.atomic(using=using), purge_gate(using):
            return super().handle(**options)

    def _flush_as_owner(self, connection, owner, **options):
        if options.get("interactive", True):
            raise CommandError("flush som ägaren körs bara med --no-input.")
        statements = sql_flush(
            no_style(),
            connection,
            reset_sequences=options.get("reset_sequences", True),
            allow_cascade=options.get("allow_cascade", False),
        )
        if not statements:
            return
        target = connection.settings_dict
        with (
            psycopg2.connect(
                dbname=target["NAME"],
                host=owner.get("HOST") or target.get("HOST") or None,
                port=owner.get("PORT") or target.get("PORT") or None,
                user=owner["USER"],
                password=owner.get("PASSWORD") or None,
            ) as owner_connection,
            owner_connection.cursor() as cursor,
        ):
            # One transaction, committed on leaving the block: the triggers are never seen off.
            cursor.execute(f"ALTER TABLE {ACCESS_LOG} DISABLE TRIGGER USER")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"ALTER TABLE {ACCESS_LOG} ENABLE TRIGGER USER")
        owner_connection.close()
        if not options.get("inhibit_post_migrate"):
            emit_post_migrate_signal(options["verbosity"], False, connection.alias)
