"""Reads for modules, placements, reviews, approvals, follow-ups and deadlines.

Dates are decided by modules.rules only; this module fetches what the rules need in as few
queries as possible and hands the dates to them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone

from common.queries import count_subquery
from modules import rules
from modules.models import (
    CalendarFeed,
    FollowUp,
    ManagementApproval,
    Module,
    ModuleReservation,
    Placement,
    Review,
    TriageContact,
    WaitingListEntry,
)
from rehab.access import ADMIN, get_access
from rehab.models import Enrolment, KommunQuota, active_q, valid_q

REVIEW = "review"
APPROVAL = "approval"
FOLLOWUP = "followup"
TRIAGE = "triage"

KIND_LABELS = {
    REVIEW: "Utvärdering (trepartsmöte)",
    APPROVAL: "Ärende till ledningsgruppen",
    FOLLOWUP: "Uppföljningsmöte",
    TRIAGE: "Kontakta EVI",
}
STATUS_LABELS = {rules.OVERDUE: "Försenad", rules.UPCOMING: "Kommande"}
DEFAULT_WITHIN_DAYS = 30


def team_rule(team) -> rules.TeamRule:
    """The team's timing rules as the pure rule functions take them."""
    return rules.TeamRule(
        frame_months=team.frame_months,
        approval_lead_months=team.approval_lead_months,
        followup_interval_months=team.followup_interval_months,
    )


def approved_until(enrolment) -> date | None:
    """The latest date any approved management approval of the enrolment covers."""
    return enrolment.approvals.filter(status=ManagementApproval.Status.APPROVED).aggregate(
        until=Max("approved_until")
    )["until"]


def open_placement(enrolment) -> Placement | None:
    return (
        Placement.objects.select_related("module")
        .filter(enrolment=enrolment, end_date__isnull=True)
        .first()
    )


def occupied_places(module) -> int:
    """Open placements in the module: each holds a place until it ends."""
    return Placement.objects.filter(
        valid_q("enrolment__"), module=module, end_date__isnull=True
    ).count()


def reserved_free(module, *, kommun_id) -> list[tuple[object, int]]:
    """SPEC §13 rule 1: the places reserved for other kommuner than `kommun_id` that their
    residents do not yet use, as (reservation, free places) pairs — one query."""
    reservations = (
        module.reservations.exclude(kommun_id=kommun_id)
        .select_related("kommun")
        .annotate(used=_reservation_use(Q(end_date__isnull=True)))
    )
    return [(r, r.places - r.used) for r in reservations if r.places > r.used]


def _reservation_use(held: Q):
    """The places of a reservation (module and kommun, as outer references) that the
    kommun's residents hold: their placements in the module matching `held`, counted in a
    subquery that reads the module's open placements by index, not every placement the
    module ever had (as a Count over the join did)."""
    return count_subquery(
        Placement.objects.filter(
            held,
            valid_q("enrolment__"),
            module_id=OuterRef("module_id"),
            enrolment__participant__kommun_id=OuterRef("kommun_id"),
        ),
        "module",
    )


def next_followup_due(enrolment, *, last_held: date | None, rule: rules.TeamRule) -> date | None:
    """The next follow-up meeting: the first follow-up date set at enrolment until a meeting
    has been held, then one team interval after the last held one (SPEC §6, §7.5)."""
    if last_held is None and enrolment.first_followup_date is not None:
        return enrolment.first_followup_date
    return rules.next_followup_due(
        enrolment_start=enrolment.start_date,
        last_held=last_held,
        team=rule,
        own_interval_months=enrolment.followup_interval_months,
    )


def frame_facts(enrolment) -> dict:
    """The enrolment's frame end and when its management-approval case is due."""
    rule = team_rule(enrolment.team)
    return {
        "frame_end": rules.frame_end(enrolment.start_date, rule),
        "approval_due": rules.approval_due(enrolment.start_date, rule),
    }


def extension_preview(placement) -> rules.Decision:
    """What extending the placement once more would give, without changing anything."""
    enrolment = placement.enrolment
    return rules.extension_decision(
        current_due=placement.next_review_due,
        extensions_so_far=placement.extensions,
        module=placement.module.as_rule(),
        enrolment_start=enrolment.start_date,
        team=team_rule(enrolment.team),
        approved_until=approved_until(enrolment),
    )


# --- Deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """One unmet deadline of an enrolment."""

    kind: str
    due: date
    status: str
    enrolment: Enrolment
    module_name: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_overdue(self) -> bool:
        return self.status == rules.OVERDUE

    @property
    def personnummer(self) -> str:
        return self.enrolment.participant.personnummer or ""

    @property
    def sort_key(self):
        return (self.due, self.personnummer, self.kind, self.enrolment.pk)


def _with_deadline_facts(enrolments, *, as_of: date):
    """Active enrolments (no exit on or before `as_of`, not registered in error) annotated
    with what their deadlines depend on, with their participant, team and handledare, in one
    query."""
    return _deadline_facts(enrolments.active(as_of), as_of=as_of).select_related(
        "participant", "team", "responsible"
    )


def _deadline_facts(enrolments, *, as_of: date):
    """`enrolments` annotated with what their deadlines depend on on `as_of`."""
    current = (
        Placement.objects.filter(enrolment=OuterRef("pk"), start_date__lte=as_of)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=as_of))
        .order_by("-start_date", "-pk")
    )
    approval_case = ManagementApproval.objects.filter(
        enrolment=OuterRef("pk"), requested_date__lte=as_of
    ).exclude(status=ManagementApproval.Status.DECLINED)
    last_followup = (
        FollowUp.objects.filter(enrolment=OuterRef("pk"), held_date__lte=as_of)
        .order_by("-held_date")
        .values("held_date")[:1]
    )
    # SPEC §13 rule 3: the first contact with the triage team still to make.
    triage = (
        TriageContact.objects.filter(
            placement__enrolment=OuterRef("pk"), contacted_date__isnull=True
        )
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return enrolments.annotate(
        review_due=Subquery(current.values("next_review_due")[:1]),
        review_module=Subquery(current.values("module__name")[:1]),
        has_approval_case=Exists(approval_case),
        last_followup=Subquery(last_followup),
        triage_due=Subquery(triage),
    )


def _month_index(expression):
    """year × 12 + month of a date expression, in SQL."""
    return ExtractYear(expression) * 12 + ExtractMonth(expression)


def _may_have_deadline(*, horizon: date) -> Q:
    """A condition in SQL that every enrolment with a deadline due on or before `horizon` meets
    (used on `_with_deadline_facts`' annotations). It may let a few more through, never fewer:
    `deadlines` still decides each one in Python with the rule functions, so the result is the
    same, but the team's whole active caseload is no longer built as objects (issue #8).

    A date `months` calendar months after `base` (rules.add_months) falls in month
    index(base) + months, so it can only be on or before `horizon` if that index is at most
    index(horizon); the day within the month is left to Python."""
    horizon_month = horizon.year * 12 + horizon.month
    review = Q(review_due__lte=horizon)
    approval = Q(has_approval_case=False) & Q(approval_month__lte=horizon_month)
    first_followup = Q(last_followup__isnull=True, first_followup_date__lte=horizon)
    next_followup = Q(followup_month__lte=horizon_month)
    return review | approval | first_followup | next_followup | Q(triage_due__lte=horizon)


def deadlines(enrolments, *, as_of: date, within_days: int = DEFAULT_WITHIN_DAYS) -> list:
    """Every unmet deadline of the given enrolments due on or before as_of + within_days
    (SPEC §7, §12, §13): the current placement's next review, the management-approval case
    while none has been sent, the next follow-up meeting (at the enrolment's own interval when
    it has one) and the first contact with the triage team still to make. Sorted by due date,
    personnummer and kind."""
    candidates = Enrolment.objects.filter(
        pk__in=deadline_candidates(enrolments, as_of=as_of, within_days=within_days).values("pk")
    )
    return _deadlines_of(
        _with_deadline_facts(candidates, as_of=as_of), as_of=as_of, within_days=within_days
    )


def deadline_candidates(enrolments, *, as_of: date, within_days: int = DEFAULT_WITHIN_DAYS):
    """The enrolments among `enrolments` that may have a deadline due on or before as_of +
    within_days: in progress on `as_of` (`exit_date IS NULL OR exit_date > as_of`, read
    through the (team, exit_date) index, so that exited history is never read) and meeting
    `_may_have_deadline`.

    `deadlines` reads the participant, team and handledare of these alone, in the same query
    (`pk IN (…)`): joined to every active enrolment, as before, PostgreSQL hashed the whole
    participant table (100 000 rows, all history) to keep the one in ten that has a
    deadline."""
    return (
        _deadline_facts(enrolments.active(as_of), as_of=as_of)
        .alias(
            approval_month=_month_index(F("start_date"))
            + F("team__frame_months")
            - F("team__approval_lead_months"),
            followup_month=_month_index(Coalesce(F("last_followup"), F("start_date")))
            + Coalesce(F("followup_interval_months"), F("team__followup_interval_months")),
        )
        .filter(_may_have_deadline(horizon=as_of + timedelta(days=within_days)))
    )


def _deadlines_of(enrolments, *, as_of: date, within_days: int) -> list:
    """The deadlines of enrolments annotated by `_with_deadline_facts`, decided in Python."""
    result = []
    rule_cache = {}
    for enrolment in enrolments:
        rule = rule_cache.get(enrolment.team_id)
        if rule is None:
            rule = rule_cache[enrolment.team_id] = team_rule(enrolment.team)
        candidates = []
        if enrolment.review_due is not None:
            candidates.append((REVIEW, enrolment.review_due))
        if not enrolment.has_approval_case:
            candidates.append((APPROVAL, rules.approval_due(enrolment.start_date, rule)))
        followup_due = next_followup_due(enrolment, last_held=enrolment.last_followup, rule=rule)
        if followup_due is not None:
            candidates.append((FOLLOWUP, followup_due))
        if enrolment.triage_due is not None:
            candidates.append((TRIAGE, enrolment.triage_due))
        for kind, due in candidates:
            status = rules.deadline_status(due, as_of=as_of, within_days=within_days)
            if status is not None:
                result.append(
                    Deadline(
                        kind=kind,
                        due=due,
                        status=status,
                        enrolment=enrolment,
                        module_name=enrolment.review_module if kind == REVIEW else "",
                    )
                )
    result.sort(key=lambda d: d.sort_key)
    return result


def deadline_enrolments_for_user(user, *, team_id=None, mine=False, query=""):
    """The enrolments whose deadlines the user works with: those of the user's teams, or only
    those they are responsible for (or that nobody is responsible for) with `mine`."""
    access = get_access(user)
    team_ids = access.team_ids()
    if team_id is not None:
        team_ids = [t for t in team_ids if t == team_id]
    enrolments = Enrolment.objects.filter(team_id__in=team_ids)
    if mine:
        enrolments = enrolments.filter(Q(responsible=user) | Q(responsible__isnull=True))
    return enrolments.search(query)


def deadlines_for_user(user, *, as_of: date, within_days: int = DEFAULT_WITHIN_DAYS, **filters):
    return deadlines(
        deadline_enrolments_for_user(user, **filters), as_of=as_of, within_days=within_days
    )


# --- One enrolment's modules -----------------------------------------------------------------


@dataclass
class EnrolmentModules:
    """Everything the module page of one enrolment shows."""

    enrolment: Enrolment
    placements: list
    current: Placement | None
    approvals: list
    followups: list
    waiting: list
    frame_end: date
    approval_due: date
    approved_until: date | None
    next_followup_due: date | None
    deadlines: list = field(default_factory=list)
    triage_contacts: list = field(default_factory=list)

    @property
    def extensions_left(self):
        """Extensions the current placement may still get; None = unlimited."""
        if self.current is None or self.current.module.max_extensions is None:
            return None
        return max(self.current.module.max_extensions - self.current.extensions, 0)

    @property
    def extension_refusal(self) -> str | None:
        """Why the current placement cannot be extended now (the rule placement_extend
        applies), or None when it can: the page shows "Förläng" disabled with this reason."""
        if self.current is None:
            return None
        decision = rules.extension_decision(
            current_due=self.current.next_review_due,
            extensions_so_far=self.current.extensions,
            module=self.current.module.as_rule(),
            enrolment_start=self.enrolment.start_date,
            team=team_rule(self.enrolment.team),
            approved_until=self.approved_until,
        )
        return None if decision else decision.reason

    @property
    def pending_approval(self):
        return next(
            (a for a in self.approvals if a.status == ManagementApproval.Status.PENDING), None
        )

    @property
    def booked_reviews(self):
        if self.current is None:
            return []
        return [r for r in self.current.reviews.all() if r.held_date is None]


def enrolment_modules(enrolment, *, today: date) -> EnrolmentModules:
    """The enrolment's placements (with their reviews), approvals, follow-ups, waiting-list
    places and deadlines. A fixed number of queries whatever the history's length."""
    return enrolments_modules([enrolment], today=today)[enrolment.pk]


def enrolments_modules(enrolments, *, today: date) -> dict[int, EnrolmentModules]:
    """enrolment_modules for several enrolments at once (the participant page shows all of a
    participant's): the same fixed number of queries however many enrolments there are."""
    ids = [e.pk for e in enrolments]
    by_enrolment = {pk: {"p": [], "a": [], "f": [], "w": [], "d": [], "t": []} for pk in ids}
    placements = (
        Placement.objects.filter(enrolment_id__in=ids)
        .select_related("module")
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.order_by("planned_date", "pk"))
        )
        .order_by("-start_date", "-pk")
    )
    for placement in placements:
        by_enrolment[placement.enrolment_id]["p"].append(placement)
    approvals = (
        ManagementApproval.objects.filter(enrolment_id__in=ids)
        .select_related("decided_by")
        .order_by("-requested_date", "-pk")
    )
    for approval in approvals:
        by_enrolment[approval.enrolment_id]["a"].append(approval)
    for followup in FollowUp.objects.filter(enrolment_id__in=ids).order_by("-held_date", "-pk"):
        by_enrolment[followup.enrolment_id]["f"].append(followup)
    waiting = (
        WaitingListEntry.objects.filter(enrolment_id__in=ids, removed_date__isnull=True)
        .select_related("module")
        .order_by("added_date", "pk")
    )
    for entry in waiting:
        by_enrolment[entry.enrolment_id]["w"].append(entry)
    contacts = (
        TriageContact.objects.filter(placement__enrolment_id__in=ids)
        .select_related("placement__module")
        .order_by("-due_date", "-pk")
    )
    for contact in contacts:
        by_enrolment[contact.placement.enrolment_id]["t"].append(contact)
    active = [e.pk for e in enrolments if e.is_active]
    if active:
        for deadline in deadlines(Enrolment.objects.filter(pk__in=active), as_of=today):
            by_enrolment[deadline.enrolment.pk]["d"].append(deadline)
    return {e.pk: _summary(e, by_enrolment[e.pk]) for e in enrolments}


def _summary(enrolment, found) -> EnrolmentModules:
    rule = team_rule(enrolment.team)
    placements, approvals, followups = found["p"], found["a"], found["f"]
    until = max(
        (
            a.approved_until
            for a in approvals
            if a.status == ManagementApproval.Status.APPROVED and a.approved_until
        ),
        default=None,
    )
    last_held = max((f.held_date for f in followups), default=None)
    return EnrolmentModules(
        enrolment=enrolment,
        placements=placements,
        current=next((p for p in placements if p.end_date is None), None),
        approvals=approvals,
        followups=followups,
        waiting=found["w"],
        frame_end=rules.frame_end(enrolment.start_date, rule),
        approval_due=rules.approval_due(enrolment.start_date, rule),
        approved_until=until,
        next_followup_due=next_followup_due(enrolment, last_held=last_held, rule=rule),
        deadlines=found["d"],
        triage_contacts=found["t"],
    )


def enrolment_module_context(enrolment, user, summary=None) -> dict:
    """What the participant page's partial modules/partials/enrolment_modules.html needs
    (as `ctx`): the enrolment's module summary and the link to its module page."""
    return {
        "summary": summary or enrolment_modules(enrolment, today=timezone.localdate()),
        "url": reverse("modules:enrolment", args=[enrolment.pk]),
        "is_admin": get_access(user).is_admin_of(enrolment.team_id),
    }


# --- Modules, occupancy and waiting lists ----------------------------------------------------


def modules_for_teams(team_ids):
    """The teams' modules with occupied places and waiting-list length, in one query."""
    return (
        Module.objects.filter(team_id__in=team_ids)
        .select_related("team")
        .annotate(
            # Served by placement_module_open_idx (module, end_date).
            occupied=count_subquery(
                Placement.objects.filter(
                    valid_q("enrolment__"), module=OuterRef("pk"), end_date__isnull=True
                ),
                "module",
            ),
            waiting_count=count_subquery(
                WaitingListEntry.objects.filter(
                    active_q("enrolment__"), module=OuterRef("pk"), removed_date__isnull=True
                ),
                "module",
            ),
        )
        .order_by("team__name", "order", "name")
    )


def module_for_user(user, pk):
    return modules_for_teams(get_access(user).team_ids()).filter(pk=pk).first()


def module_placements(module):
    """Open placements in the module, the earliest review first."""
    return (
        Placement.objects.filter(valid_q("enrolment__"), module=module, end_date__isnull=True)
        .select_related("enrolment", "enrolment__participant", "enrolment__responsible")
        .order_by("next_review_due", "pk")
    )


def module_waiting_list(module):
    """The module's queue in order of arrival."""
    return (
        WaitingListEntry.objects.filter(
            active_q("enrolment__"), module=module, removed_date__isnull=True
        )
        .select_related("enrolment", "enrolment__participant")
        .order_by("added_date", "pk")
    )


# --- Management approvals --------------------------------------------------------------------


def pending_approvals_for_user(user):
    """Approval cases awaiting a decision in the user's teams, oldest first."""
    return (
        ManagementApproval.objects.filter(
            status=ManagementApproval.Status.PENDING,
            enrolment__team_id__in=get_access(user).team_ids(),
        )
        .select_related("enrolment", "enrolment__participant", "enrolment__team")
        .order_by("requested_date", "pk")
    )


def get_approval_for_user(user, pk, *roles):
    """An approval of an enrolment in one of the user's teams (holding `roles`, if given)."""
    return (
        ManagementApproval.objects.filter(
            enrolment__team_id__in=get_access(user).team_ids(*roles), pk=pk
        )
        .select_related("enrolment", "enrolment__participant", "enrolment__team")
        .first()
    )


def admin_team_ids(user):
    return get_access(user).team_ids(ADMIN)


# --- Calendar links --------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_owner(token: str):
    """The active user whose calendar link `token` is, or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_token(token), user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def has_calendar_feed(user) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()


def modules_with_occupancy(team):
    """The team's modules with the number of open placements in each and their reserved
    places (SPEC §13 rule 1) prefetched."""
    return (
        team.modules.annotate(
            # Served by placement_module_open_idx (module, end_date).
            occupied=count_subquery(
                Placement.objects.filter(
                    valid_q("enrolment__"), module=OuterRef("pk"), end_date__isnull=True
                ),
                "module",
            )
        )
        .prefetch_related(
            Prefetch("reservations", queryset=ModuleReservation.objects.select_related("kommun"))
        )
        .order_by("order", "name")
    )


@dataclass(frozen=True)
class KommunPlaces:
    kommun: str
    running: int
    quota: int | None

    @property
    def over(self) -> bool:
        return self.quota is not None and self.running > self.quota


@dataclass(frozen=True)
class ReservedPlaces:
    module: str
    kommun: str
    reserved: int
    used: int


@dataclass(frozen=True)
class TeamPlaces:
    """SPEC §13 rule 1: a team's running places on a day, per kommun against the places each
    is offered first, against the team's total, and the modules' reserved places in use."""

    team: object
    day: date
    running: int
    total_places: int | None
    kommuner: list
    reserved: list

    @property
    def over_total(self) -> bool:
        return self.total_places is not None and self.running > self.total_places

    @property
    def has_rules(self) -> bool:
        return (
            self.total_places is not None
            or any(k.quota is not None for k in self.kommuner)
            or bool(self.reserved)
        )


def team_places(team, *, day: date) -> TeamPlaces:
    """Running enrolments of `team` on `day` per kommun (three queries whatever the size)."""
    running = dict(
        Enrolment.objects.active(day)
        .filter(team=team, start_date__lte=day)
        .values_list("participant__kommun__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    quotas = dict(
        KommunQuota.objects.filter(team=team).values_list("kommun__name", "places").order_by()
    )
    names = sorted(set(running) | set(quotas), key=lambda n: (n not in quotas, n))
    reserved = [
        ReservedPlaces(module=r.module.name, kommun=r.kommun.name, reserved=r.places, used=r.used)
        for r in ModuleReservation.objects.filter(module__team=team)
        .select_related("module", "kommun")
        .annotate(
            used=_reservation_use(
                Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))
            )
        )
        .order_by("module__order", "module__name", "kommun__name")
    ]
    return TeamPlaces(
        team=team,
        day=day,
        running=sum(running.values()),
        total_places=team.total_places,
        kommuner=[KommunPlaces(n, running.get(n, 0), quotas.get(n)) for n in names],
        reserved=reserved,
    )


def open_placement_starting_after(enrolment, day: date):
    """The enrolment's open placement planned to start after `day`, if any: an exit on `day`
    would end it before it began."""
    return Placement.objects.filter(
        enrolment=enrolment, end_date__isnull=True, start_date__gt=day
    ).first()
