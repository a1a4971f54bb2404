"""Database triggers that make the access log append-only for every client, raw SQL included.

UPDATE is always refused. DELETE (and, on PostgreSQL, TRUNCATE) is let through only while the
purge gate is open in the same transaction (see privacy/gate.py). SQLite rebuilds a table for
some ALTERs, which drops its triggers: a later migration that alters privacy_accesslog must
create them again (call `create_triggers`).
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE TRIGGER IF NOT EXISTS privacy_accesslog_no_update
    BEFORE UPDATE ON privacy_accesslog
    BEGIN
        SELECT RAISE(ABORT, 'privacy_accesslog is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS privacy_accesslog_no_delete
    BEFORE DELETE ON privacy_accesslog
    WHEN finsam_purge_gate() IS NOT 1
    BEGIN
        SELECT RAISE(ABORT, 'privacy_accesslog is append-only: DELETE only by the purge');
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS privacy_accesslog_no_update",
    "DROP TRIGGER IF EXISTS privacy_accesslog_no_delete",
]

POSTGRES_CREATE = [
    """
    CREATE OR REPLACE FUNCTION privacy_accesslog_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE')
           AND coalesce(current_setting('finsam.purge_gate', true), '') = 'on' THEN
            IF TG_OP = 'TRUNCATE' THEN
                RETURN NULL;  -- ignored for statement-level triggers
            END IF;
            RETURN OLD;  -- a BEFORE DELETE trigger must return OLD or the row stays
        END IF;
        RAISE EXCEPTION 'privacy_accesslog is append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER privacy_accesslog_append_only
    BEFORE UPDATE OR DELETE ON privacy_accesslog
    FOR EACH ROW EXECUTE FUNCTION privacy_accesslog_guard()
    """,
    """
    CREATE TRIGGER privacy_accesslog_no_truncate
    BEFORE TRUNCATE ON privacy_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_accesslog_guard()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS privacy_accesslog_no_truncate ON privacy_accesslog",
    "DROP TRIGGER IF EXISTS privacy_accesslog_append_only ON privacy_accesslog",
    "DROP FUNCTION IF EXISTS privacy_accesslog_guard()",
]


def _run(schema_editor, statements):
    for statement in statements:
        # params=None: no %-interpolation of the SQL.
        schema_editor.execute(statement, None)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
    else:
        raise NotImplementedError(f"No append-only triggers for {vendor}.")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
