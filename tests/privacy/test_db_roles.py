"""Privilege separation by credential on PostgreSQL (privacy/roles.py, privacy/gate.py).

The suite runs as the application role in CI's PostgreSQL run; these tests try, as that role,
what an insider with the application's credential would try against the access log, and show
that the purge with its own credential still works."""

import datetime
import importlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from privacy.gate import GATE_ROLE, PURGE_ALIAS, PurgeGateClosed, holds_gate, purge_gate
from privacy.models import AccessLog
from privacy.roles import Roles, grant_statements, setup_statements
from tests.separation import not_as_a_postgres_superuser, only_with_separated_roles, purge_db


def _as_app(sql, params=None):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def entry(db):
    return AccessLog.objects.create(kind="read", action="x", object_type="t", object_id="1")


# --- Pure: names reach SQL only when they are plain identifiers ---------------------------------


@pytest.mark.parametrize(
    "names",
    [
        {"app": "finsam_app; DROP TABLE x"},
        {"app": "Finsam"},
        {"owner": "pg_signal"},
        {"purge": GATE_ROLE},
        {"app": "same", "purge": "same"},
        {"owner": "x" * 64},
    ],
)
def test_role_names_are_checked(names):
    with pytest.raises(ValueError, match="roll"):
        Roles(**names)


def test_setup_gives_only_the_purge_role_the_gate_and_keeps_delete_off_the_app():
    sql = "\n".join(statement for statement, _ in setup_statements("finsam", Roles()))
    assert f"GRANT {GATE_ROLE} TO finsam_purge" in sql
    assert "NOSUPERUSER" in sql
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON privacy_accesslog FROM finsam_app" in sql
    grants = "\n".join(statement for statement, _ in grant_statements(Roles()))
    assert f"GRANT SELECT, DELETE ON privacy_accesslog TO {GATE_ROLE}" in grants


def test_the_migration_names_the_gate_role_of_the_code():
    migration = importlib.import_module("privacy.migrations.0004_purge_gate_by_role")
    assert f"rolname = '{GATE_ROLE}'" in migration.GUARD_BY_ROLE
    assert f"TO {GATE_ROLE};" in migration.REVOKE_WRITES


def test_db_roles_refuses_an_invalid_database_name():
    with pytest.raises(ValueError, match="databasnamn"):
        setup_statements('x"; DROP', Roles())


@not_as_a_postgres_superuser
@pytest.mark.django_db
def test_db_roles_without_the_rights_for_it_changes_nothing_and_says_why():
    """SQLite has no roles; the application role may not create any (CI runs both)."""
    reason = "SQLite har inga roller" if connection.vendor == "sqlite" else "inget ändrat"
    with pytest.raises(CommandError, match=reason):
        call_command("db_roles", stdout=io.StringIO())


# --- As the application role -------------------------------------------------------------------


@only_with_separated_roles
@pytest.mark.django_db
def test_the_application_role_is_no_superuser_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        assert cursor.fetchone()[0] == 0
    assert not holds_gate()


@only_with_separated_roles
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        # The measured attack: a custom setting any session may set.
        "SET LOCAL finsam.purge_gate = 'on'; DELETE FROM privacy_accesslog",
        # Triggers off for the session: a superuser's setting.
        "SET LOCAL session_replication_role = replica; DELETE FROM privacy_accesslog",
        "TRUNCATE privacy_accesslog",
        "UPDATE privacy_accesslog SET action = 'ändrad'",
        "ALTER TABLE privacy_accesslog DISABLE TRIGGER USER",
        f"SET LOCAL ROLE {GATE_ROLE}",
        "DROP TRIGGER privacy_accesslog_append_only ON privacy_accesslog",
        "CREATE OR REPLACE FUNCTION privacy_accesslog_guard() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "CREATE TABLE finsam_intruder (id int)",
        "DELETE FROM django_migrations",
    ],
)
def test_the_application_role_cannot_change_or_empty_the_access_log(entry, sql):
    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
        _as_app(sql)
    assert AccessLog.objects.get().action == "x"


@only_with_separated_roles
@pytest.mark.django_db
def test_the_gate_refuses_the_application_role_in_one_line(entry):
    with (
        pytest.raises(PurgeGateClosed, match="PURGE_DATABASE_URL"),
        transaction.atomic(),
        purge_gate(),
    ):
        pass


# --- As the purge role ----------------------------------------------------------------------


@only_with_separated_roles
@purge_db
def test_the_purge_with_its_own_credential_deletes_old_log_rows_and_only_those(settings):
    settings.RETENTION_ACCESS_LOG_MONTHS = 12
    old = AccessLog.objects.create(kind="read", action="gammal", object_type="t", object_id="1")
    new = AccessLog.objects.create(kind="read", action="ny", object_type="t", object_id="2")
    # A row older than the retention period (the app may append with any time stamp).
    old_at = timezone.now() - datetime.timedelta(days=800)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO privacy_accesslog (at, role, kind, action, object_type, object_id) "
            "VALUES (%s, '', 'read', 'äldst', 't', '3')",
            [old_at],
        )
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "Gallring nr" in out.getvalue()
    assert set(AccessLog.objects.values_list("action", flat=True)) == {"gammal", "ny"}
    assert {old.pk, new.pk} == set(AccessLog.objects.values_list("pk", flat=True))
    with connections[PURGE_ALIAS].cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != connection.settings_dict["USER"]


@only_with_separated_roles
@purge_db
def test_the_purge_role_may_delete_but_never_update_or_truncate(entry):
    assert holds_gate(PURGE_ALIAS)
    for sql in ("UPDATE privacy_accesslog SET action = 'ändrad'", "TRUNCATE privacy_accesslog"):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(using=PURGE_ALIAS),
            connections[PURGE_ALIAS].cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AccessLog.objects.get().action == "x"
