"""PostgreSQL: the purge gate is a role, no longer a setting any session can set.

The guard function of 0002 let a DELETE or TRUNCATE through when the transaction-local setting
``finsam.purge_gate`` was ``on`` — and any role may set a custom setting. It now lets them
through only for a member of the gate role ``finsam_purge_gate`` (privacy/gate.py,
GATE_ROLE; written out here, as a migration must not change with the code), which
``manage.py db_roles`` creates and grants to the purge role alone. The migration also takes
UPDATE, DELETE and TRUNCATE on the access log away from every role but the table's owner, in
case default privileges gave them when the table was created. SQLite is unchanged (no roles).
"""

from django.db import migrations

GUARD_BY_ROLE = """
CREATE OR REPLACE FUNCTION privacy_accesslog_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND coalesce(pg_has_role(
        current_user, (SELECT oid FROM pg_roles WHERE rolname = 'finsam_purge_gate'), 'MEMBER'
    ), false) THEN
        IF TG_OP = 'TRUNCATE' THEN
            RETURN NULL;  -- ignored for statement-level triggers
        END IF;
        RETURN OLD;  -- a BEFORE DELETE trigger must return OLD or the row stays
    END IF;
    RAISE EXCEPTION 'privacy_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

GUARD_BY_SETTING = """
CREATE OR REPLACE FUNCTION privacy_accesslog_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND coalesce(current_setting('finsam.purge_gate', true), '') = 'on' THEN
        IF TG_OP = 'TRUNCATE' THEN
            RETURN NULL;
        END IF;
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'privacy_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

# Every grant of UPDATE, DELETE or TRUNCATE on the access log, to anyone but its owner and the
# gate role, goes; the gate role gets its DELETE if it exists already (else db_roles grants it).
REVOKE_WRITES = """
DO $$
DECLARE grantee_name text;
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = 'privacy_accesslog'
          AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
          AND grantee <> 'finsam_purge_gate'
          AND grantee NOT IN (
              SELECT pg_get_userbyid(relowner) FROM pg_class
              WHERE oid = 'privacy_accesslog'::regclass
          )
    LOOP
        IF grantee_name = 'PUBLIC' THEN
            REVOKE UPDATE, DELETE, TRUNCATE ON privacy_accesslog FROM PUBLIC;
        ELSE
            EXECUTE format(
                'REVOKE UPDATE, DELETE, TRUNCATE ON privacy_accesslog FROM %I', grantee_name
            );
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'finsam_purge_gate') THEN
        GRANT SELECT, DELETE ON privacy_accesslog TO finsam_purge_gate;
    END IF;
END
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_BY_ROLE, None)
        schema_editor.execute(REVOKE_WRITES, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_BY_SETTING, None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_access_log_denied_kind")]

    operations = [migrations.RunPython(forwards, backwards)]
