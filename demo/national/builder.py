"""Building the national profile's cases, participant by participant, as rows for the
Writer: about 1.5 enrolments per participant, 20 journal notes and 2 placements per
enrolment, over ten years; capacity-limited modules never get more open placements than
places."""

from __future__ import annotations

import datetime
import json

from django.db.models import Count, Q
from django.utils import timezone

from demo.cases import (
    AGENCY_NAMES,
    DEMO_INCOME,
    FIRST_NAMES,
    GOALS,
    LAST_NAMES,
    NOTE_TEXTS,
    OUTCOME_WEIGHTS,
    REFERRER_WEIGHTS,
    _person,
)
from modules.models import ManagementApproval, Module, Placement, Review
from modules.rules import TeamRule, add_months, approval_due, frame_end, review_due
from referrals.models import Consent, Referral, ReferralEvent
from rehab.models import (
    INCOME_BITS,
    Deviation,
    Education,
    Enrolment,
    ExitOutcome,
    Goal,
    JournalNote,
    Occupation,
    Participant,
)

YEARS = 10
NOTES_PER_ENROLMENT = 20


class TeamProfile:
    """What the generator needs of a team, read once."""

    def __init__(self, team, handledare, kommun_weights):
        self.pk = team.pk
        self.forbund_id = team.forbund_id
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


class Builder:
    def __init__(self, writer, teams, today, seed, years=YEARS):
        self.w = writer
        self.null = writer.null
        self.teams = teams
        self.today = today
        self.first_day = datetime.date(today.year - years, 1, 1)
        self.span = (today - self.first_day).days
        self.now = writer.now
        self.outcomes = _weighted(OUTCOME_WEIGHTS)
        self.referrers = _weighted(REFERRER_WEIGHTS)
        self.note_kinds = list(NOTE_TEXTS)
        self.income_bits = [INCOME_BITS[s] for s in DEMO_INCOME]
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
                team.forbund_id,
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
