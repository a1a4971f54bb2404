"""PostgreSQL roles that separate privileges by credential (README, "PostgreSQL").

- the **owner** owns the database, its schema and every table: migrations run as the owner,
  and nothing else should hold its credential;
- the **application** role is what the web app and the ordinary commands use: SELECT, INSERT,
  UPDATE and DELETE on the tables, but only SELECT and INSERT on the access log, no DDL, no
  superuser, not a member of the gate role;
- the **purge** role is the application's privileges plus membership of the gate role
  (privacy/gate.py), which alone holds DELETE on the access log and opens its trigger. Only
  the purge command has its credential (``PURGE_DATABASE_URL``).

`setup_statements` is what ``manage.py db_roles`` runs as a superuser; `grant_statements` the
part that an owner may re-run after migrations (``db_roles --grants-only``). Both are
idempotent. Role names are checked against `ROLE_NAME` so they can be written into SQL.
"""

import re
from dataclasses import dataclass

from privacy.gate import GATE_ROLE

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ACCESS_LOG = "privacy_accesslog"


@dataclass(frozen=True)
class Roles:
    owner: str = "finsam_owner"
    app: str = "finsam_app"
    purge: str = "finsam_purge"

    def __post_init__(self):
        names = [self.owner, self.app, self.purge]
        for name in names:
            if not ROLE_NAME.match(name) or name == GATE_ROLE or name.startswith("pg_"):
                raise ValueError(f"Ogiltigt rollnamn {name!r}: små bokstäver, siffror och _.")
        if len(set(names)) != len(names):
            raise ValueError(
                "Ägarrollen, applikationsrollen och gallringsrollen måste vara olika."
            )


def _ensure_role(name: str, login: bool) -> str:
    kind = "LOGIN" if login else "NOLOGIN"
    return (
        # Names are checked against ROLE_NAME (Roles.__post_init__) before they reach SQL.
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') "  # noqa: S608  # nosec B608
        f"THEN CREATE ROLE {name} {kind}; END IF; END $$"
    )


def setup_statements(database: str, roles: Roles, *, owner_createdb: bool = False):
    """(sql, params) pairs that create the roles and hand the database to the owner."""
    if not ROLE_NAME.match(database):
        raise ValueError(f"Ogiltigt databasnamn {database!r} för db_roles.")
    statements = []
    for name in (roles.owner, roles.app, roles.purge):
        statements.append((_ensure_role(name, login=True), None))
        created = "CREATEDB" if name == roles.owner and owner_createdb else "NOCREATEDB"
        statements.append(
            (
                f"ALTER ROLE {name} NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS {created}",
                None,
            )
        )
    statements += [
        (_ensure_role(GATE_ROLE, login=False), None),
        (f"ALTER ROLE {GATE_ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE", None),
        # Only the purge role is a member; a member who was granted it by mistake loses it.
        (
            f"DO $$ DECLARE m text; BEGIN FOR m IN SELECT r.rolname FROM pg_auth_members a "  # noqa: S608  # nosec B608
            f"JOIN pg_roles r ON r.oid = a.member JOIN pg_roles g ON g.oid = a.roleid "
            f"WHERE g.rolname = '{GATE_ROLE}' AND r.rolname <> '{roles.purge}' LOOP "
            f"EXECUTE format('REVOKE {GATE_ROLE} FROM %I', m); END LOOP; END $$",
            None,
        ),
        (f"GRANT {GATE_ROLE} TO {roles.purge}", None),
        (f'ALTER DATABASE "{database}" OWNER TO {roles.owner}', None),
        (f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC', None),
        (f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {roles.app}, {roles.purge}', None),
        (f"ALTER SCHEMA public OWNER TO {roles.owner}", None),
        ("REVOKE CREATE ON SCHEMA public FROM PUBLIC", None),
        # Tables a superuser migrated before the roles existed pass to the owner.
        (
            "DO $$ DECLARE t record; BEGIN FOR t IN SELECT c.relname, c.relkind FROM pg_class c "  # noqa: S608  # nosec B608
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind IN ('r', 'p', 'v', 'm') "
            f"AND pg_get_userbyid(c.relowner) <> '{roles.owner}' LOOP "
            "EXECUTE format('ALTER %s %I OWNER TO %I', CASE t.relkind WHEN 'v' THEN 'VIEW' "
            "WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, t.relname, "
            f"'{roles.owner}'); END LOOP; END $$",
            None,
        ),
        (
            "DO $$ BEGIN IF to_regprocedure('public.privacy_accesslog_guard()') IS NOT NULL "
            f"THEN ALTER FUNCTION public.privacy_accesslog_guard() OWNER TO {roles.owner}; "
            "END IF; END $$",
            None,
        ),
        # Tables the owner creates in later migrations are usable by the app straight away.
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {roles.owner} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {roles.app}, {roles.purge}",
            None,
        ),
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {roles.owner} IN SCHEMA public "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {roles.app}, {roles.purge}",
            None,
        ),
    ]
    return statements + grant_statements(roles)


def grant_statements(roles: Roles):
    """(sql, params) pairs that give the application and purge roles their privileges on the
    tables that exist now. Run by the owner (or a superuser)."""
    users = f"{roles.app}, {roles.purge}"
    return [
        (f"GRANT USAGE ON SCHEMA public TO {users}", None),
        (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {users}", None),
        # UPDATE on sequences: setval() after bulk loads (the national demo, sequence resets).
        (f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {users}", None),
        # The schema's history is the owner's: the app reads it (migrate --check) only.
        _if_table(
            "django_migrations",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {users}",
        ),
        # The access log: read and append for both; DELETE only through the gate role.
        _if_table(ACCESS_LOG, f"REVOKE UPDATE, DELETE, TRUNCATE ON {ACCESS_LOG} FROM {users}"),
        _if_table(ACCESS_LOG, f"GRANT SELECT, DELETE ON {ACCESS_LOG} TO {GATE_ROLE}"),
    ]


def _if_table(table: str, statement: str):
    """`statement`, run only if `table` exists (db_roles may run before the first migrate)."""
    return (
        f"DO $$ BEGIN IF to_regclass('public.{table}') IS NOT NULL THEN {statement}; "
        "END IF; END $$",
        None,
    )
