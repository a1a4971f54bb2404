"""Synthetic participants for the demo and for benchmarks: realistic cases over several years,
built in memory and written with bulk inserts so that large numbers stay fast.

Deterministic for a given seed. Every personnummer is valid (Luhn) and generated, never real."""

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from modules.models import ManagementApproval, Module, Placement, Review
from modules.rules import TeamRule, add_months, approval_due, frame_end, review_due
from referrals.models import Consent, Consultation, Referral, ReferralEvent
from rehab import personnummer
from rehab.models import (
    INCOME_BITS,
    Deviation,
    Education,
    Enrolment,
    ExitFollowUp,
    ExitOutcome,
    Goal,
    JournalNote,
    Kommun,
    Occupation,
    Participant,
    Referrer,
)

# The sources the synthetic cases draw from: those the demo was built with, so that a source
# added to the list later does not reshuffle every seeded case.
DEMO_INCOME = [s for s in INCOME_BITS if s != "etableringsersattning"]

FIRST_NAMES = {
    "K": [
        "Anna",
        "Maria",
        "Sara",
        "Fatima",
        "Lena",
        "Emma",
        "Karin",
        "Amina",
        "Elin",
        "Sofia",
        "Nora",
        "Maja",
        "Linnea",
        "Hanna",
        "Leila",
        "Ida",
        "Johanna",
        "Malin",
        "Zahra",
        "Eva",
    ],
    "M": [
        "Erik",
        "Johan",
        "Ali",
        "Mohammed",
        "Lars",
        "Anders",
        "Omar",
        "Jonas",
        "Per",
        "Olle",
        "Ahmed",
        "Karl",
        "Mikael",
        "Hassan",
        "David",
        "Niklas",
        "Peter",
        "Yusuf",
        "Emil",
        "Jan",
    ],
    "X": ["Kim", "Alex", "Robin", "Sam", "Charlie", "Love"],
}
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Hassan",
    "Ali",
    "Berg",
    "Lindqvist",
    "Holm",
    "Dahl",
    "Ek",
    "Sjöberg",
    "Lund",
    "Farah",
    "Axelsson",
    "Mohammed",
    "Nyström",
    "Hedlund",
    "Björk",
    "Wallin",
    "Engström",
    "Sandberg",
]
NOTE_TEXTS = {
    JournalNote.Kind.INDIVIDUAL: [
        "Samtal om mående och veckans aktiviteter. Deltagaren sover bättre.",
        "Gick igenom handlingsplanen. Delmålet om fasta tider fungerar.",
        "Deltagaren berättar om oro inför praktik; vi planerar ett studiebesök.",
    ],
    JournalNote.Kind.GROUP: [
        "Deltog i fikagruppen. Aktiv i samtalet.",
        "Gruppaktivitet: studiecirkel om arbetsmarknaden.",
    ],
    JournalNote.Kind.WELLNESS: ["Promenadgrupp, 45 minuter.", "Friskvård på gymmet."],
    JournalNote.Kind.PRACTICE_VISIT: [
        "Besök på praktikplatsen. Handledaren på plats är nöjd.",
        "Uppföljning på arbetsplatsen; arbetstiden utökas till 50 %.",
    ],
    JournalNote.Kind.MEETING: ["Trepartsmöte med handläggare från AF.", "Nätverksmöte med FK."],
    JournalNote.Kind.PHONE: [
        "Telefonsamtal, deltagaren sjuk i dag.",
        "Påminde om mötet i morgon.",
    ],
}
GOALS = [
    (
        "Komma upp på morgonen och ha fasta tider",
        ["Delta i fikagruppen två dagar i veckan", "Promenera tre gånger i veckan"],
    ),
    ("Pröva en praktikplats", ["Göra ett studiebesök", "Börja praktik 25 %"]),
    ("Förbättra svenskan", ["Anmäla sig till SFI", "Läsa en bok på svenska"]),
    ("Börja studera", ["Kontakta studie- och yrkesvägledare", "Söka till komvux"]),
    ("Hitta ett arbete", ["Skriva CV", "Söka fem jobb i månaden"]),
]
OUTCOME_WEIGHTS = [
    (ExitOutcome.ARBETE, 25),
    (ExitOutcome.STUDIER, 12),
    (ExitOutcome.ANNAN_REHAB, 14),
    (ExitOutcome.MEDICINSK_REHAB, 12),
    (ExitOutcome.ERSATTNING, 8),
    (ExitOutcome.ANNAT, 14),
    (ExitOutcome.TIDIGT_AVHOPP, 15),
]
REFERRER_WEIGHTS = [
    (Referrer.EVI, 30),
    (Referrer.AF, 25),
    (Referrer.FK, 15),
    (Referrer.REGION, 10),
    (Referrer.KOMMUN, 15),
    (Referrer.EGEN, 5),
]
AGENCY_NAMES = {
    Referrer.AF: "Arbetsförmedlingen",
    Referrer.FK: "Försäkringskassan",
    Referrer.REGION: "Region Dalarna",
    Referrer.KOMMUN: "Ludvika kommun, IFO",
    Referrer.EVI: "Arbetsförmedlingen",
    Referrer.EGEN: "",
}
CONSULTATION_WEIGHTS = [
    (Referrer.AF, 30),
    (Referrer.FK, 25),
    (Referrer.KOMMUN, 25),
    (Referrer.REGION, 15),
    (Referrer.EVI, 5),
]
CONSULTATION_TOPICS = [
    "Fråga om lämplig insats för en sjukskriven klient",
    "Rådgivning inför remiss",
    "Fråga om arbetsträning och praktikplatser",
    "Samordning kring en gemensam klient (avidentifierat)",
]
BATCH = 5000


@dataclass
class Built:
    """Rows waiting for bulk insert, in dependency order."""

    participants: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)  # (participant index, Enrolment)
    children: dict = field(default_factory=dict)  # model -> list of (enrolment index, obj)
    consultations: list = field(default_factory=list)


def _pick(rng, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def first_personnummer(seed: int) -> str:
    """The first personnummer a seed generates: seeding twice finds it and stops."""
    rng = random.Random(seed)
    return _person(rng, 0)[0]


def _person(rng, index):
    gender = rng.choices(["K", "M", "X"], weights=[48, 49, 3])[0]
    birth = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randint(0, 16000))
    pnr = personnummer.generate(rng, birth, female=gender == "K" or (gender == "X" and index % 2))
    return pnr, gender, birth


# Where the demo's participants live (Västerbergslagen): kommun and weight.
KOMMUNER = [("Ludvika", 60), ("Smedjebacken", 34), ("Borlänge", 4), ("Falun", 2)]


def build(
    *,
    n,
    seed,
    teams,
    handledare,
    today=None,
    notes_per_enrolment=8,
    years=4,
    kommuner=None,
) -> Built:
    """Build n participants with their enrolments and case data in memory; `kommuner` are
    (name, weight) pairs of where they live."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    weighted = kommuner or KOMMUNER
    names = [name for name, _ in weighted]
    weights = [weight for _, weight in weighted]
    kommuner = {k.name: k for k in Kommun.objects.filter(name__in=names)}
    modules = {t.pk: list(Module.objects.filter(team=t).order_by("order")) for t in teams}
    first_day = datetime.date(today.year - years, 1, 1)
    span = (today - first_day).days
    built = Built()
    seen = set()
    for i in range(n):
        pnr, gender, birth = _person(rng, i)
        if pnr in seen:
            continue
        seen.add(pnr)
        # The first participant is named: seeding again finds it (first_personnummer).
        anonymous = i > 0 and rng.random() < 0.04
        kommun = kommuner[rng.choices(names, weights=weights)[0]]
        participant = Participant(
            personnummer=None if anonymous else pnr,
            first_name="" if anonymous else rng.choice(FIRST_NAMES[gender]),
            last_name="" if anonymous else rng.choice(LAST_NAMES),
            is_anonymous=anonymous,
            gender=gender,
            birth_year=birth.year,
            birth_date=None if anonymous else birth,
            kommun=kommun,
            phone="" if anonymous else f"070-{rng.randint(1000000, 9999999)}",
            interpreter_needed=rng.random() < 0.12,
            protected_identity=not anonymous and rng.random() < 0.02,
        )
        if participant.interpreter_needed:
            participant.interpreter_language = rng.choice(
                ["arabiska", "somaliska", "tigrinja", "dari", "persiska"]
            )
        p_index = len(built.participants)
        built.participants.append(participant)
        # About one in two participants comes back for a second enrolment after an exit.
        start = first_day + datetime.timedelta(days=rng.randint(0, span))
        for _round in range(2):
            if start > today:
                break
            team = rng.choice(teams)
            exit_date = _build_enrolment(
                built,
                rng,
                p_index,
                participant,
                team,
                start,
                today,
                handledare,
                modules[team.pk],
                notes_per_enrolment,
            )
            if exit_date is None or rng.random() < 0.5:
                break
            start = exit_date + datetime.timedelta(days=rng.randint(60, 500))
    _add_lasting(built, random.Random(f"{seed}-uppfoljning"), teams, first_day, today)
    return built


def _add_lasting(built, rng, teams, first_day, today):
    """Follow-ups 3, 6 and 12 months after exit (SPEC §8) and consultations (§5), drawn from
    their own random stream so that the rest of a seed's data stays as it was."""
    for e_index, (_p, enrolment) in enumerate(built.enrolments):
        if enrolment.exit_date is None or enrolment.exit_outcome == ExitOutcome.TIDIGT_AVHOPP:
            continue
        working = enrolment.exit_outcome in (ExitOutcome.ARBETE, ExitOutcome.STUDIER)
        for months in ExitFollowUp.After.values:
            due = add_months(enrolment.exit_date, months)
            if due > today or rng.random() < 0.3:
                break
            # Most who left for work or studies are still there; some of the others get there.
            working = rng.random() < (0.8 if working else 0.2)
            occupation = (
                rng.choice([Occupation.ARBETE, Occupation.ARBETE, Occupation.STUDIER])
                if working
                else rng.choice([Occupation.ARBETSSOKANDE, Occupation.OVRIGT])
            )
            income = INCOME_BITS["ingen"] if working else enrolment.income_exit
            followup = ExitFollowUp(
                months_after=months,
                date=min(due + datetime.timedelta(days=rng.randint(0, 20)), today),
                occupation=occupation,
                income=income or 0,
            )
            built.children.setdefault(ExitFollowUp, []).append((e_index, followup))
    for team in teams:
        month = first_day
        while month <= today:
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
                day = month + datetime.timedelta(days=rng.randint(0, 27))
                if day <= today:
                    built.consultations.append(
                        Consultation(
                            team=team,
                            date=day,
                            agency=_pick(rng, CONSULTATION_WEIGHTS),
                            topic=rng.choice(CONSULTATION_TOPICS),
                        )
                    )
            month = add_months(month, 1)


def _build_enrolment(
    built, rng, p_index, participant, team, start, today, handledare, modules, notes_per_enrolment
):
    rule = TeamRule(
        frame_months=team.frame_months,
        approval_lead_months=team.approval_lead_months,
        followup_interval_months=team.followup_interval_months,
    )
    length = int(rng.triangular(20, 24 * 31, 300))
    exit_date = start + datetime.timedelta(days=length)
    if exit_date >= today:
        exit_date = None
    referrer = _pick(rng, REFERRER_WEIGHTS)
    income = [s for s in DEMO_INCOME if rng.random() < 0.25] or ["forsorjningsstod"]
    wellbeing_start = rng.randint(2, 6)
    enrolment = Enrolment(
        team=team,
        referrer=referrer,
        start_date=start,
        responsible=rng.choice(handledare),
        case_officer_name=f"{rng.choice(FIRST_NAMES['K'] + FIRST_NAMES['M'])} "
        f"{rng.choice(LAST_NAMES)}",
        case_officer_agency=AGENCY_NAMES[referrer],
        agencies=rng.sample(["AF", "FK", "Region", "Kommun"], k=rng.choice([2, 2, 3, 1])),
        income_start=sum(INCOME_BITS[s] for s in income),
        occupation_start=rng.choices(
            [Occupation.ARBETSSOKANDE, Occupation.OVRIGT, Occupation.ARBETE], weights=[60, 35, 5]
        )[0],
        education=rng.choice(Education.values),
        months_without_work=rng.choice([None, *range(0, 121, 3)]),
        wellbeing_start=wellbeing_start,
        phase=rng.choice(
            [Enrolment.Phase.KARTLAGGNING, Enrolment.Phase.AKTIVITET, Enrolment.Phase.PROVNING]
        ),
    )
    if enrolment.occupation_start == Occupation.ARBETE:
        enrolment.occupation_start_share = rng.choice([25, 50])
    if exit_date is not None:
        outcome = _pick(rng, OUTCOME_WEIGHTS)
        if outcome == ExitOutcome.TIDIGT_AVHOPP:
            exit_date = start + datetime.timedelta(days=rng.randint(5, 90))
        enrolment.exit_date = exit_date
        enrolment.exit_outcome = outcome
        enrolment.phase = Enrolment.Phase.AVSLUT
        work = outcome in (ExitOutcome.ARBETE, ExitOutcome.STUDIER)
        enrolment.occupation_exit = (
            Occupation.ARBETE
            if outcome == ExitOutcome.ARBETE
            else Occupation.STUDIER
            if outcome == ExitOutcome.STUDIER
            else rng.choice([Occupation.ARBETSSOKANDE, Occupation.OVRIGT])
        )
        if enrolment.occupation_exit == Occupation.ARBETE:
            enrolment.occupation_exit_share = rng.choice([50, 75, 100])
        enrolment.income_exit = INCOME_BITS["ingen"] if work else enrolment.income_start
        enrolment.wellbeing_exit = max(1, min(10, wellbeing_start + rng.randint(-1, 4)))
        enrolment.exit_conversation_held = rng.random() < 0.85
        if not work:
            enrolment.exit_plan = rng.choice(
                [
                    "Fortsatt kontakt med vårdcentralen; handläggaren på FK följer upp.",
                    "Övergår till AF:s insats; avstämning om tre månader.",
                    "Social praktik fortsätter via kommunen.",
                ]
            )
    e_index = len(built.enrolments)
    built.enrolments.append((p_index, enrolment))
    add = built.children.setdefault
    end = exit_date or today

    # Referral with dated events, received a few weeks before start.
    received = start - datetime.timedelta(days=rng.randint(7, 60))
    decided = received + datetime.timedelta(days=rng.randint(1, min(20, (start - received).days)))
    referral = Referral(
        team=team,
        source=referrer,
        case_officer_name=enrolment.case_officer_name,
        case_officer_agency=enrolment.case_officer_agency,
        need="Behöver stöd från flera myndigheter för att närma sig arbete.",
        received_date=received,
        status=Referral.Status.ENROLLED,
        decided_date=decided,
    )
    add(Referral, []).append((e_index, referral))
    for status, day in [
        ("received", received),
        ("assessing", received),
        ("accepted", decided),
        ("enrolled", start),
    ]:
        add(ReferralEvent, []).append(
            (e_index, (referral, ReferralEvent(status=status, date=day)))
        )
    if not participant.is_anonymous and rng.random() < 0.85:
        add(Consent, []).append(
            (
                e_index,
                Consent(
                    agencies=", ".join(enrolment.agencies),
                    scope="Information om insatsen och "
                    "deltagarens planering får delas mellan de angivna myndigheterna.",
                    given_date=start,
                    ended_date=exit_date,
                ),
            )
        )

    # Placements up the ladder; the last one stays open while the enrolment is active.
    placements = []
    day = start + datetime.timedelta(days=rng.randint(0, 21))
    ladder = modules[: rng.randint(1, len(modules))] if modules else []
    for position, module in enumerate(ladder):
        if day >= end:
            break
        extensions = rng.randint(0, 1 if module.max_extensions == 1 else 2)
        due = review_due(day, module.as_rule(), extensions)
        ends = None if exit_date is None and position == len(ladder) - 1 else min(due, end)
        placements.append(
            Placement(
                module=module,
                start_date=day,
                next_review_due=due,
                extensions=extensions,
                end_date=ends,
            )
        )
        if ends is None:
            break
        day = ends + datetime.timedelta(days=1)
    for placement in placements:
        add(Placement, []).append((e_index, placement))
    # An open placement past the frame has the management approval the rules require.
    open_due = max((p.next_review_due for p in placements if p.end_date is None), default=start)
    frame = frame_end(start, rule)
    if exit_date is None and (
        open_due > frame or (approval_due(start, rule) <= today and rng.random() < 0.5)
    ):
        add(ManagementApproval, []).append(
            (
                e_index,
                ManagementApproval(
                    requested_date=approval_due(start, rule),
                    status=ManagementApproval.Status.APPROVED,
                    decided_date=approval_due(start, rule) + datetime.timedelta(days=14),
                    approved_until=max(open_due, add_months(frame, 6)),
                ),
            )
        )

    # Action plan: goals with sub-goals; exits to work or studies usually achieved some.
    for text, subs in rng.sample(GOALS, k=rng.randint(1, 3)):
        goal = Goal(text=text, status=rng.choice(["in_progress", "achieved", "planned"]))
        add(Goal, []).append((e_index, (goal, None)))
        for sub in subs[: rng.randint(1, 2)]:
            achieved = exit_date is not None and rng.random() < 0.7
            add(Goal, []).append(
                (e_index, (Goal(text=sub, status="achieved" if achieved else "in_progress"), goal))
            )

    # Journal notes spread over the enrolment.
    days = max(1, (end - start).days)
    for _ in range(max(1, int(rng.gauss(notes_per_enrolment, notes_per_enrolment / 4)))):
        kind = rng.choice(list(NOTE_TEXTS))
        add(JournalNote, []).append(
            (
                e_index,
                JournalNote(
                    date=start + datetime.timedelta(days=rng.randint(0, days)),
                    kind=kind,
                    text=rng.choice(NOTE_TEXTS[kind]),
                    author=enrolment.responsible,
                ),
            )
        )
    if rng.random() < 0.15:
        occurred = timezone.make_aware(
            datetime.datetime.combine(
                start + datetime.timedelta(days=rng.randint(0, days)), datetime.time(10)
            )
        )
        late = rng.random() < 0.3
        add(Deviation, []).append(
            (
                e_index,
                Deviation(
                    occurred_at=occurred,
                    description="Deltagaren uteblev från praktiken utan att höra av sig.",
                    reported_at=occurred + datetime.timedelta(hours=30 if late else 3),
                    reported_to=enrolment.case_officer_name,
                    created_by=enrolment.responsible,
                ),
            )
        )
    return exit_date


@transaction.atomic
def save(built: Built) -> dict:
    """Write what `build` made, in bulk, parents first."""
    Participant.objects.bulk_create(built.participants, batch_size=BATCH)
    enrolments = []
    for p_index, enrolment in built.enrolments:
        enrolment.participant = built.participants[p_index]
        enrolments.append(enrolment)
    Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    counts = {"participants": len(built.participants), "enrolments": len(enrolments)}
    children = built.children
    referrals = []
    for e_index, referral in children.get(Referral, []):
        referral.enrolment = enrolments[e_index]
        referral.participant_id = enrolments[e_index].participant_id
        referrals.append(referral)
    Referral.objects.bulk_create(referrals, batch_size=BATCH)
    events = []
    for _e, (referral, event) in children.get(ReferralEvent, []):
        event.referral = referral
        events.append(event)
    ReferralEvent.objects.bulk_create(events, batch_size=BATCH)
    consents = []
    for e_index, consent in children.get(Consent, []):
        consent.participant_id = enrolments[e_index].participant_id
        consents.append(consent)
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    for model in (Placement, ManagementApproval, JournalNote, Deviation, ExitFollowUp):
        rows = []
        for e_index, obj in children.get(model, []):
            obj.enrolment = enrolments[e_index]
            rows.append(obj)
        model.objects.bulk_create(rows, batch_size=BATCH)
        counts[model._meta.model_name] = len(rows)
    goals = children.get(Goal, [])
    for e_index, (goal, _parent) in goals:
        goal.enrolment = enrolments[e_index]
    Goal.objects.bulk_create([g for _e, (g, parent) in goals if parent is None], batch_size=BATCH)
    subgoals = []
    for _e, (goal, parent) in goals:
        if parent is not None:
            goal.parent = parent
            subgoals.append(goal)
    Goal.objects.bulk_create(subgoals, batch_size=BATCH)
    # A held review for each ended placement that ran to its due date.
    reviews = [
        Review(
            placement=p,
            planned_date=p.next_review_due,
            held_date=p.next_review_due,
            attended_participant=True,
            attended_case_officer=True,
            attended_staff=True,
            goals_evaluated="Målen i handlingsplanen gicks igenom.",
            decision=Review.Decision.MOVE,
        )
        for _e, p in children.get(Placement, [])
        if p.end_date is not None and p.end_date == p.next_review_due
    ]
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    counts["goal"] = len(goals)
    counts["review"] = len(reviews)
    Consultation.objects.bulk_create(built.consultations, batch_size=BATCH)
    counts["consultation"] = len(built.consultations)
    return counts


def seed_participants(*, n, seed, teams, handledare, notes_per_enrolment=8, **options):
    """Create n synthetic participants unless this seed has already been loaded; `options`
    go to `build` (years, kommuner)."""
    if n == 0:
        return None
    if Participant.objects.filter(personnummer=first_personnummer(seed)).exists():
        return None
    built = build(
        n=n,
        seed=seed,
        teams=teams,
        handledare=handledare,
        notes_per_enrolment=notes_per_enrolment,
        **options,
    )
    return save(built)
