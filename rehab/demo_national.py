"""National-scale synthetic data: `seed_demo --participants N` for large N (issue #8).

From NATIONAL_FROM participants on, the demo förbund gets one extra rehab team per 10 000
participants (each in its own kommun, with the three modules of SPEC §3 and three handledare
who cannot log in), and the cases follow national proportions: about 1.5 enrolments per
participant, 20 journal notes and 2 placements per enrolment, spread over ten years.
Capacity-limited modules (Portalen, 30 places) never get more open placements than places:
when one is full, the open placement goes to the next rung of the ladder instead.

Speed: rows are built as plain tuples with primary keys assigned here (so children can point
at parents without reading ids back), and written in chunks with PostgreSQL's COPY or
SQLite's executemany. 100 000 participants (about 5 million rows) take well under the three
minutes the issue allows on both databases; see BENCHMARKS.md.

Deterministic for a given seed. Every personnummer is valid (Luhn) and generated, never real.
The first participant is the same as the small demo's for the seed, so `seed_demo` run twice
finds it and adds nothing."""

from __future__ import annotations

import csv
import datetime
import io
import json
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
from django.utils import timezone

from modules.models import ManagementApproval, Module, Placement, Review
from modules.rules import TeamRule, add_months, approval_due, frame_end, review_due
from referrals.models import Consent, Referral, ReferralEvent
from rehab.demo_cases import (
    AGENCY_NAMES,
    FIRST_NAMES,
    GOALS,
    LAST_NAMES,
    NOTE_TEXTS,
    OUTCOME_WEIGHTS,
    REFERRER_WEIGHTS,
    _person,
)
from rehab.models import (
    INCOME_BITS,
    Deviation,
    Education,
    Enrolment,
    ExitOutcome,
    Goal,
    JournalNote,
    Kommun,
    Membership,
    Occupation,
    Participant,
    Team,
)

NATIONAL_FROM = 1000
PARTICIPANTS_PER_EXTRA_TEAM = 10_000
HANDLEDARE_PER_EXTRA_TEAM = 3
YEARS = 10
NOTES_PER_ENROLMENT = 20
CHUNK = 5000  # participants written per round of inserts
DALARNA = "20"


def extra_team_count(n: int) -> int:
    return n // PARTICIPANTS_PER_EXTRA_TEAM if n >= NATIONAL_FROM else 0


@transaction.atomic
def ensure_extra_teams(org, n: int):
    """The extra rehab teams for n participants (created once); returns [(team, users)]."""
    from rehab.demo import MODULES, REHAB_TEAM, TRIAGE_TEAM

    count = extra_team_count(n)
    if not count:
        return []
    taken = set(org[REHAB_TEAM].kommuner.values_list("pk", flat=True))
    kommuner = list(
        Kommun.objects.exclude(pk__in=taken)
        .annotate(
            home=Case(
                When(county_code=DALARNA, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("home", "code")[:count]
    )
    User = get_user_model()
    unusable = make_password(None)
    result = []
    for kommun in kommuner:
        team, created = Team.objects.get_or_create(
            name=f"Rehabteamet {kommun.name}",
            defaults={
                "forbund": org["forbund"],
                "kind": Team.Kind.REHAB,
                "huvudman": f"{kommun.name} kommun, AMI",
                "triage_team": org[TRIAGE_TEAM],
            },
        )
        if created:
            team.kommuner.set([kommun])
            for name, purpose, order, first, ext, max_ext, capacity in MODULES:
                Module.objects.create(
                    team=team,
                    name=name,
                    purpose=purpose,
                    order=order,
                    first_period_months=first,
                    extension_months=ext,
                    max_extensions=max_ext,
                    capacity=capacity,
                )
        users = []
        for i in range(1, HANDLEDARE_PER_EXTRA_TEAM + 1):
            user, _ = User.objects.get_or_create(
                username=f"handledare.{kommun.code}.{i}",
                defaults={
                    "first_name": FIRST_NAMES["K" if i % 2 else "M"][i + int(kommun.code) % 15],
                    "last_name": LAST_NAMES[(i * 7 + int(kommun.code)) % len(LAST_NAMES)],
                    "password": unusable,
                },
            )
            Membership.objects.get_or_create(user=user, team=team)
            users.append(user)
        result.append((team, users, kommun))
    return result


# --- Writing rows fast -----------------------------------------------------------------------


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
        self.foreign_keys = self._drop_foreign_keys() if self.postgres else []

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


# --- Building the cases ----------------------------------------------------------------------


class _Team:
    """What the generator needs of a team, read once."""

    def __init__(self, team, handledare, kommun_weights):
        self.pk = team.pk
        self.rule = TeamRule(
            frame_months=team.frame_months,
            approval_lead_months=team.approval_lead_months,
            followup_interval_months=team.followup_interval_months,
        )
        self.modules = list(Module.objects.filter(team=team).order_by("order"))
        self.rules = [m.as_rule() for m in self.modules]
        self.handledare = [u.pk for u in handledare] or [None]
        self.kommuner = [k for k, _w in kommun_weights]
        self.kommun_weights = [w for _k, w in kommun_weights]
        self.open = dict(
            Module.objects.filter(team=team)
            .annotate(n=Count("placements", filter=Q(placements__end_date__isnull=True)))
            .values_list("pk", "n")
        )


def _weighted(weighted):
    values = [v for v, _w in weighted]
    cumulative = []
    total = 0
    for _v, w in weighted:
        total += w
        cumulative.append(total)
    return values, cumulative


@transaction.atomic
def seed(*, n, seed, org, handledare, today=None) -> dict:
    """Create n participants in the national profile. The caller checks idempotence."""
    from rehab.demo import REHAB_TEAM

    today = today or timezone.localdate()
    home = {k.name: k.pk for k in Kommun.objects.filter(name__in=["Ludvika", "Smedjebacken"])}
    others = list(
        Kommun.objects.filter(name__in=["Borlänge", "Falun"]).values_list("pk", flat=True)
    )
    teams = [
        _Team(
            org[REHAB_TEAM],
            handledare,
            [(home["Ludvika"], 60), (home["Smedjebacken"], 34), *((k, 3) for k in others)],
        )
    ]
    for team, users, kommun in ensure_extra_teams(org, n):
        teams.append(_Team(team, users, [(kommun.pk, 90), *((k, 5) for k in others)]))
    seen = set(
        Participant.objects.filter(personnummer__isnull=False).values_list(
            "personnummer", flat=True
        )
    )
    if connection.vendor == "sqlite":
        # A bigger page cache for this connection: the index inserts stay in memory.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    writer = Writer(COLUMNS)
    builder = _Builder(writer, teams, today, seed)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible from the seed
    for i in range(n):
        builder.participant(rng, i, seen)
        if (i + 1) % CHUNK == 0:
            writer.flush()
    writer.finish()
    if writer.postgres:
        with connection.cursor() as cursor:
            for model, _columns in COLUMNS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    written = writer.counts()
    return {
        "participants": written[Participant],
        "enrolments": written[Enrolment],
        "placement": written[Placement],
        "journalnote": written[JournalNote],
        "goal": written[Goal],
        "review": written[Review],
        "teams": len(teams),
    }


class _Builder:
    def __init__(self, writer, teams, today, seed):
        self.w = writer
        self.null = writer.null
        self.teams = teams
        self.today = today
        self.first_day = datetime.date(today.year - YEARS, 1, 1)
        self.span = (today - self.first_day).days
        self.now = writer.now
        self.outcomes = _weighted(OUTCOME_WEIGHTS)
        self.referrers = _weighted(REFERRER_WEIGHTS)
        self.note_kinds = list(NOTE_TEXTS)
        self.income_bits = list(INCOME_BITS.values())
        self.educations = list(Education.values)
        self.months = [None, *range(0, 121, 3)]
        self.officers = FIRST_NAMES["K"] + FIRST_NAMES["M"]

    def d(self, value):
        return value.isoformat() if value is not None else self.null

    def participant(self, rng, i, seen):
        null = self.null
        pnr, gender, birth = _person(rng, i)
        while pnr in seen:
            pnr, gender, birth = _person(rng, i)
        seen.add(pnr)
        anonymous = i > 0 and rng.random() < 0.04
        team = self.teams[0] if len(self.teams) == 1 else rng.choice(self.teams)
        kommun = rng.choices(team.kommuner, cum_weights=None, weights=team.kommun_weights)[0]
        interpreter = rng.random() < 0.12
        p_id = self.w.add(
            Participant,
            (
                null if anonymous else pnr,
                "" if anonymous else rng.choice(FIRST_NAMES[gender]),
                "" if anonymous else rng.choice(LAST_NAMES),
                int(anonymous),
                gender,
                birth.year,
                null if anonymous else birth.isoformat(),
                kommun,
                "" if anonymous else f"070-{rng.randint(1000000, 9999999)}",
                int(interpreter),
                rng.choice(["arabiska", "somaliska", "tigrinja", "dari"]) if interpreter else "",
                int(not anonymous and rng.random() < 0.02),
                self.now,
            ),
        )
        start = self.first_day + datetime.timedelta(days=int(rng.random() * self.span))
        for _round in range(3):
            if start >= self.today:
                break
            exit_date = self.enrolment(rng, p_id, anonymous, team, start)
            if exit_date is None or rng.random() < 0.55:
                break
            start = exit_date + datetime.timedelta(days=30 + int(rng.random() * 400))
            if rng.random() < 0.3:
                team = rng.choice(self.teams)

    def enrolment(self, rng, p_id, anonymous, team, start):
        null, today, now, add = self.null, self.today, self.now, self.w.add
        exit_date = start + datetime.timedelta(days=int(rng.triangular(20, 24 * 31, 300)))
        if exit_date >= today:
            exit_date = None
        referrer = rng.choices(self.referrers[0], cum_weights=self.referrers[1])[0]
        income = (
            sum(b for b in self.income_bits if rng.random() < 0.25)
            or INCOME_BITS["forsorjningsstod"]
        )
        occupation = rng.choices(
            [Occupation.ARBETSSOKANDE, Occupation.OVRIGT, Occupation.ARBETE], weights=[60, 35, 5]
        )[0]
        wellbeing = 2 + int(rng.random() * 5)
        officer = f"{rng.choice(self.officers)} {rng.choice(LAST_NAMES)}"
        agency = AGENCY_NAMES[referrer]
        agencies = rng.sample(["AF", "FK", "Region", "Kommun"], k=rng.choice([2, 2, 3, 1]))
        responsible = rng.choice(team.handledare)
        exit_fields = ("", null, "", null, null, null, "")
        phase = rng.choice(
            [Enrolment.Phase.KARTLAGGNING, Enrolment.Phase.AKTIVITET, Enrolment.Phase.PROVNING]
        )
        if exit_date is not None:
            outcome = rng.choices(self.outcomes[0], cum_weights=self.outcomes[1])[0]
            if outcome == ExitOutcome.TIDIGT_AVHOPP:
                exit_date = start + datetime.timedelta(days=5 + int(rng.random() * 85))
            work = outcome in (ExitOutcome.ARBETE, ExitOutcome.STUDIER)
            occ_exit = (
                Occupation.ARBETE
                if outcome == ExitOutcome.ARBETE
                else Occupation.STUDIER
                if outcome == ExitOutcome.STUDIER
                else rng.choice([Occupation.ARBETSSOKANDE, Occupation.OVRIGT])
            )
            exit_fields = (
                outcome,
                INCOME_BITS["ingen"] if work else income,
                occ_exit,
                rng.choice([50, 75, 100]) if occ_exit == Occupation.ARBETE else null,
                max(1, min(10, wellbeing + rng.randint(-1, 4))),
                int(rng.random() < 0.85),
                ""
                if work
                else "Fortsatt kontakt med vårdcentralen; handläggaren på FK följer upp.",
            )
            phase = Enrolment.Phase.AVSLUT
        e_id = add(
            Enrolment,
            (
                p_id,
                team.pk,
                referrer,
                start.isoformat(),
                null if responsible is None else responsible,
                officer,
                agency,
                json.dumps(agencies),
                income,
                occupation,
                rng.choice([25, 50]) if occupation == Occupation.ARBETE else null,
                rng.choice(self.educations),
                _n(rng.choice(self.months), null),
                wellbeing,
                phase,
                self.d(exit_date),
                exit_fields[0],
                _n(exit_fields[1], null),
                exit_fields[2],
                exit_fields[3],
                _n(exit_fields[4], null),
                _n(exit_fields[5], null),
                exit_fields[6],
                now,
            ),
        )
        end = exit_date or today

        received = start - datetime.timedelta(days=7 + int(rng.random() * 53))
        decided = received + datetime.timedelta(
            days=1 + int(rng.random() * min(20, (start - received).days))
        )
        r_id = add(
            Referral,
            (
                team.pk,
                referrer,
                officer,
                agency,
                "Behöver stöd från flera myndigheter för att närma sig arbete.",
                received.isoformat(),
                Referral.Status.ENROLLED,
                decided.isoformat(),
                p_id,
                e_id,
                now,
            ),
        )
        for status, day in (
            ("received", received),
            ("assessing", received),
            ("accepted", decided),
            ("enrolled", start),
        ):
            add(ReferralEvent, (r_id, status, day.isoformat(), now))
        if not anonymous and rng.random() < 0.85:
            add(
                Consent,
                (
                    p_id,
                    ", ".join(agencies),
                    "Information om insatsen och deltagarens planering får delas mellan "
                    "de angivna myndigheterna.",
                    start.isoformat(),
                    self.d(exit_date),
                ),
            )

        open_due = self.placements(rng, e_id, team, start, exit_date, end)
        frame = frame_end(start, team.rule)
        due = approval_due(start, team.rule)
        if exit_date is None and (
            (open_due is not None and open_due > frame) or (due <= today and rng.random() < 0.5)
        ):
            add(
                ManagementApproval,
                (
                    e_id,
                    due.isoformat(),
                    ManagementApproval.Status.APPROVED,
                    (due + datetime.timedelta(days=14)).isoformat(),
                    max(open_due or frame, add_months(frame, 6)).isoformat(),
                ),
            )

        for text, subs in rng.sample(GOALS, k=1 + int(rng.random() * 3)):
            goal = add(
                Goal,
                (e_id, null, text, rng.choice(["in_progress", "achieved", "planned"]), now, now),
            )
            for sub in subs[: 1 + int(rng.random() * 2)]:
                achieved = exit_date is not None and rng.random() < 0.7
                add(Goal, (e_id, goal, sub, "achieved" if achieved else "in_progress", now, now))

        days = max(1, (end - start).days)
        author = null if responsible is None else responsible
        kinds, texts = self.note_kinds, NOTE_TEXTS
        for _ in range(max(1, int(rng.gauss(NOTES_PER_ENROLMENT, NOTES_PER_ENROLMENT / 4)))):
            kind = kinds[int(rng.random() * len(kinds))]
            choices = texts[kind]
            add(
                JournalNote,
                (
                    e_id,
                    (start + datetime.timedelta(days=int(rng.random() * days))).isoformat(),
                    kind,
                    choices[int(rng.random() * len(choices))],
                    author,
                    now,
                ),
            )
        if rng.random() < 0.15:
            occurred = timezone.make_aware(
                datetime.datetime.combine(
                    start + datetime.timedelta(days=int(rng.random() * days)), datetime.time(10)
                )
            )
            late = rng.random() < 0.3
            add(
                Deviation,
                (
                    e_id,
                    self.w.datetime(occurred),
                    "Deltagaren uteblev från praktiken utan att höra av sig.",
                    self.w.datetime(occurred + datetime.timedelta(hours=30 if late else 3)),
                    officer,
                    author,
                    now,
                ),
            )
        return exit_date

    def placements(self, rng, e_id, team, start, exit_date, end):
        """Placements up the ladder; an active enrolment keeps its last one open, in a module
        with a free place. Returns the open placement's review due date, if any."""
        null, add, today = self.null, self.w.add, self.today
        modules, module_rules = team.modules, team.rules
        if not modules:
            return None
        day = start + datetime.timedelta(days=int(rng.random() * 22))
        rungs = rng.choices([1, 2, 3], weights=[10, 35, 55])[0]
        position = 0
        while position < min(rungs, len(modules)):
            if day >= end:
                return None
            module, rule = modules[position], module_rules[position]
            extensions = int(rng.random() * 2)
            due = review_due(day, rule, extensions)
            last = position == min(rungs, len(modules)) - 1
            if exit_date is None and (last or due >= today):
                # The open placement: the first rung from here with a free place.
                while module.capacity is not None and team.open[module.pk] >= module.capacity:
                    position += 1
                    if position >= len(modules):
                        return None
                    module, rule = modules[position], module_rules[position]
                    due = review_due(day, rule, extensions)
                team.open[module.pk] += 1
                add(
                    Placement,
                    (
                        e_id,
                        module.pk,
                        day.isoformat(),
                        due.isoformat(),
                        extensions,
                        null,
                        self.now,
                    ),
                )
                return due
            ends = min(due, end)
            p_id = add(
                Placement,
                (
                    e_id,
                    module.pk,
                    day.isoformat(),
                    due.isoformat(),
                    extensions,
                    ends.isoformat(),
                    self.now,
                ),
            )
            if ends == due:
                add(
                    Review,
                    (
                        p_id,
                        due.isoformat(),
                        due.isoformat(),
                        1,
                        1,
                        1,
                        "Målen i handlingsplanen gicks igenom.",
                        Review.Decision.MOVE,
                    ),
                )
            day = ends + datetime.timedelta(days=1)
            position += 1
        return None


def _n(value, null):
    return null if value is None else value
