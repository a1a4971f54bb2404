"""manage.py db_roles: the owner, application and purge roles on PostgreSQL (privacy/roles.py).

Run once as a superuser (DATABASE_URL names the database and a superuser), before or after the
first migrate; run again with --grants-only as the owner after later migrations, or not at
all: the owner's default privileges cover new tables. Passwords come from the environment
(FINSAM_OWNER_PASSWORD, FINSAM_APP_PASSWORD, FINSAM_PURGE_PASSWORD) and are set when given.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from privacy.roles import Roles, grant_statements, setup_statements

PASSWORD_VARIABLES = {
    "owner": "FINSAM_OWNER_PASSWORD",
    "app": "FINSAM_APP_PASSWORD",
    "purge": "FINSAM_PURGE_PASSWORD",
}


class Command(BaseCommand):
    help = (
        "Skapar PostgreSQL-rollerna för ägare (migreringar), applikation och gallring och ger "
        "dem sina rättigheter. Körs som superanvändare; --grants-only som ägaren."
    )

    def add_arguments(self, parser):
        defaults = Roles()
        parser.add_argument("--owner", default=defaults.owner, help="Ägarrollen (migreringar).")
        parser.add_argument("--app", default=defaults.app, help="Applikationens roll.")
        parser.add_argument("--purge", default=defaults.purge, help="Gallringens roll.")
        parser.add_argument(
            "--owner-can-create-databases",
            action="store_true",
            help="Ge ägaren CREATEDB (testservrar och CI: testdatabaserna skapas som ägaren).",
        )
        parser.add_argument(
            "--grants-only",
            action="store_true",
            help="Ge bara rättigheterna på befintliga tabeller (som ägaren, efter migrate).",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Databasalias (standard: default)."
        )

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError(
                "db_roles gäller PostgreSQL; SQLite har inga roller (se README, Säkerhet)."
            )
        try:
            roles = Roles(owner=options["owner"], app=options["app"], purge=options["purge"])
            if options["grants_only"]:
                statements = grant_statements(roles)
            else:
                statements = setup_statements(
                    connection.settings_dict["NAME"],
                    roles,
                    owner_createdb=options["owner_can_create_databases"],
                )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not options["grants_only"]:
            statements += self._passwords(roles)
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
        except DatabaseError as error:
            reason = str(error).strip().splitlines()[0]
            raise CommandError(f"db_roles avbröts, inget ändrat: {reason}") from None
        what = "Rättigheterna givna" if options["grants_only"] else "Rollerna klara"
        self.stdout.write(
            f"{what}: ägare {roles.owner}, applikation {roles.app}, gallring {roles.purge}."
        )

    def _passwords(self, roles: Roles):
        statements = []
        for field, variable in PASSWORD_VARIABLES.items():
            password = os.environ.get(variable)
            if password:
                statements.append((f"ALTER ROLE {getattr(roles, field)} PASSWORD %s", [password]))
            else:
                self.stdout.write(
                    f"{variable} saknas: lösenordet för {getattr(roles, field)} ändras inte."
                )
        return statements
