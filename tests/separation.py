"""How the purge tests reach the database, with and without separated PostgreSQL roles.

With PURGE_DATABASE_URL the purge runs on its own connection (privacy/gate.py), which sees only
committed rows: the purge tests then commit (transaction=True) and may use that alias. Without
it (SQLite, a superuser) they run in a rolled-back transaction like every other test.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from privacy.gate import PURGE_ALIAS

SEPARATE_PURGE = PURGE_ALIAS in settings.DATABASES
ROLES_SEPARATED = (
    connection.vendor == "postgresql"
    and SEPARATE_PURGE
    and getattr(settings, "DATABASE_OWNER", None) is not None
)

purge_db = pytest.mark.django_db(
    transaction=SEPARATE_PURGE,
    databases=["default", PURGE_ALIAS] if SEPARATE_PURGE else ["default"],
)

# CI sets REQUIRE_DB_ROLES on its PostgreSQL run: there these tests must run, never be skipped.
REQUIRED = bool(os.environ.get("REQUIRE_DB_ROLES"))
only_with_separated_roles = pytest.mark.skipif(
    not ROLES_SEPARATED and not REQUIRED,
    reason="needs PostgreSQL with separated roles (README, PostgreSQL; .ci/run sets them up)",
)
# Runs on SQLite and with separated roles; only a PostgreSQL superuser's run leaves it out.
not_as_a_postgres_superuser = pytest.mark.skipif(
    connection.vendor == "postgresql" and not ROLES_SEPARATED and not REQUIRED,
    reason="as a PostgreSQL superuser db_roles would change the cluster's roles",
)
