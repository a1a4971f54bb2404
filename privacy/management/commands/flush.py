"""Django's `flush`, with the access log's purge gate open.

`flush` empties every table of the database (the test runner calls it after each
transactional test). The append-only triggers would stop it at the access log, so the gate is
opened for the flush's own transaction. Application code never calls `flush`.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from privacy.gate import purge_gate


class Command(FlushCommand):
    def handle(self, **options):
        using = options.get("database") or DEFAULT_DB_ALIAS
        with transaction.atomic(using=using), purge_gate(using):
            return super().handle(**options)
