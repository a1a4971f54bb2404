"""Writing the national profile's rows fast: plain tuples with primary keys assigned here (so
children can point at parents without reading ids back), written in chunks with PostgreSQL's
COPY or SQLite's executemany."""

from __future__ import annotations

import csv
import datetime
import io

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from modules.models import ManagementApproval, Placement, Review
from referrals.models import Consent, Referral, ReferralEvent
from rehab.models import Deviation, Enrolment, Goal, JournalNote, Participant


class Writer:
    """Appends rows to tables with ids assigned here; flush() writes them in bulk."""

    def __init__(self, models):
        self.postgres = connection.vendor == "postgresql"
        self.null = "\\N" if self.postgres else None
        self.now = self.datetime(timezone.now())
        self.tables = {}
        for model, columns in models:
            start = model.objects.aggregate(m=Max("pk"))["m"] or 0
            self.tables[model] = _Table(model, columns, start, self.postgres)
        self.foreign_keys = self._drop_foreign_keys() if self._owns_tables() else []

    def _owns_tables(self) -> bool:
        """Only the tables' owner may drop and add their constraints. As the application role
        (README, "PostgreSQL") the rows are written with the foreign keys in place: slower,
        the same rows."""
        if not self.postgres:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT bool_and(pg_has_role(current_user, relowner, 'USAGE')) FROM pg_class "
                "WHERE oid = ANY(%s::regclass[])",
                [[m._meta.db_table for m in self.tables]],
            )
            return bool(cursor.fetchone()[0])

    def _drop_foreign_keys(self):
        """PostgreSQL checks a deferred foreign key row by row at commit, which costs more
        than the COPY itself at this size. Dropped here and added again in finish(), where
        each is validated by one query over the whole table (all inside the transaction)."""
        tables = [connection.ops.quote_name(m._meta.db_table) for m in self.tables]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [[t.strip('"') for t in tables] + tables],
            )
            found = cursor.fetchall()
            # Checks still pending from this transaction (the extra teams) run now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name, _definition in found:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return found

    def datetime(self, value: datetime.datetime) -> str:
        utc = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return f"{utc.isoformat(' ')}+00:00" if self.postgres else utc.isoformat(" ")

    def add(self, model, row) -> int:
        """Queue a row (without its id); returns the id it will get."""
        return self.tables[model].add(row)

    def flush(self):
        with connection.cursor() as cursor:
            for table in self.tables.values():
                table.flush(cursor)

    def finish(self):
        self.flush()
        models = list(self.tables)
        with connection.cursor() as cursor:
            if self.postgres:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
                for table, name, definition in self.foreign_keys:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def counts(self):
        return {model: table.written for model, table in self.tables.items()}


class _Table:
    def __init__(self, model, columns, start, postgres):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        # Columns another change may add later get their default, so this keeps working.
        self.rest = [name for name, f in fields.items() if name != "id" and name not in columns]
        rest_values = []
        for name in self.rest:
            field = fields[name]
            value = field.get_db_prep_save(field.get_default(), connection)
            if isinstance(value, bool):
                value = int(value)
            if value is None and postgres:
                value = "\\N"
            rest_values.append(value)
        self.rest_values = tuple(rest_values)
        self.columns = ["id", *columns, *self.rest]
        self.next_id = start + 1
        self.rows = []
        self.written = 0
        self.postgres = postgres

    def add(self, row) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *row, *self.rest_values))
        return pk

    def flush(self, cursor):
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if self.postgres:
            buffer = io.StringIO()
            csv.writer(buffer).writerows(self.rows)
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
        else:
            marks = ", ".join("?" * len(self.columns))
            # Table and column names come from the models, values are parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
            cursor.executemany(sql, self.rows)
        self.written += len(self.rows)
        self.rows = []


COLUMNS = [
    (
        Participant,
        [
            "personnummer",
            "first_name",
            "last_name",
            "is_anonymous",
            "gender",
            "birth_year",
            "birth_date",
            "kommun_id",
            "phone",
            "interpreter_needed",
            "interpreter_language",
            "protected_identity",
            "created_at",
        ],
    ),
    (
        Enrolment,
        [
            "participant_id",
            "team_id",
            "referrer",
            "start_date",
            "responsible_id",
            "case_officer_name",
            "case_officer_agency",
            "agencies",
            "income_start",
            "occupation_start",
            "occupation_start_share",
            "education",
            "months_without_work",
            "wellbeing_start",
            "phase",
            "exit_date",
            "exit_outcome",
            "income_exit",
            "occupation_exit",
            "occupation_exit_share",
            "wellbeing_exit",
            "exit_conversation_held",
            "exit_plan",
            "created_at",
        ],
    ),
    (
        Referral,
        [
            "team_id",
            "forbund_id",
            "source",
            "case_officer_name",
            "case_officer_agency",
            "need",
            "received_date",
            "status",
            "decided_date",
            "participant_id",
            "enrolment_id",
            "created_at",
        ],
    ),
    (ReferralEvent, ["referral_id", "status", "date", "created_at"]),
    (Consent, ["participant_id", "agencies", "scope", "given_date", "ended_date"]),
    (
        Placement,
        [
            "enrolment_id",
            "module_id",
            "start_date",
            "next_review_due",
            "extensions",
            "end_date",
            "created_at",
        ],
    ),
    (
        Review,
        [
            "placement_id",
            "planned_date",
            "held_date",
            "attended_participant",
            "attended_case_officer",
            "attended_staff",
            "goals_evaluated",
            "decision",
        ],
    ),
    (
        ManagementApproval,
        ["enrolment_id", "requested_date", "status", "decided_date", "approved_until"],
    ),
    (Goal, ["enrolment_id", "parent_id", "text", "status", "created_at", "updated_at"]),
    (JournalNote, ["enrolment_id", "date", "kind", "text", "author_id", "created_at"]),
    (
        Deviation,
        [
            "enrolment_id",
            "occurred_at",
            "description",
            "reported_at",
            "reported_to",
            "created_by_id",
            "created_at",
        ],
    ),
]
