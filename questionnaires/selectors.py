"""Reads for questionnaires: what a participant has answered, and the results per team and
period with the disclosure control of SPEC §11 for aggregate users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery

from questionnaires.models import (
    Answer,
    Occasion,
    Question,
    Questionnaire,
    Response,
    TeamSetting,
)
from reporting.disclosure import (
    HIDDEN,
    TOTAL_FIRST,
    ratio_disclosed,
    suppress_linked,
)

SCALES = (Question.Kind.SCALE10, Question.Kind.LIKERT5)
PARTNER = "partner"  # the occasion column of a partner's (anonymous) answers


def participant_questionnaires():
    return Questionnaire.objects.filter(
        audience=Questionnaire.Audience.PARTICIPANT, is_active=True
    ).order_by("name")


def partner_questionnaires():
    return Questionnaire.objects.filter(
        audience=Questionnaire.Audience.PARTNER, is_active=True
    ).order_by("name")


def active_questionnaires():
    return Questionnaire.objects.filter(is_active=True).order_by("audience", "name")


def enrolment_responses(enrolment):
    """A participant's answers, newest first, with their questions (for the case worker and
    the subject-access export)."""
    return (
        Response.objects.filter(enrolment=enrolment)
        .select_related("version__questionnaire")
        .prefetch_related("answers__question")
        .order_by("-submitted_at")
    )


def _in_period(teams, date_from: date, date_to: date, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}team__in": list(teams),
            f"{prefix}submitted_at__date__gte": date_from,
            f"{prefix}submitted_at__date__lte": date_to,
        }
    ) & (
        Q(**{f"{prefix}enrolment__isnull": True})
        | Q(**{f"{prefix}enrolment__registered_in_error": False})
    )


def _start_value():
    """The value the same participant gave to the same question (by key) at their first
    start response: compared with an exit answer."""
    return Subquery(
        Answer.objects.filter(
            response__enrolment=OuterRef("response__enrolment"),
            response__occasion=Occasion.START,
            question__key=OuterRef("question__key"),
            question__version__questionnaire=OuterRef("question__version__questionnaire"),
            value__isnull=False,
        )
        .order_by("response__submitted_at", "pk")
        .values("value")[:1],
        output_field=IntegerField(),
    )


def change_counts(questionnaire, teams, date_from, date_to, *, keys=None) -> dict:
    """{question key: (increased, same, decreased)} over the exit answers given in the period
    whose participant answered the same question at start; one query."""
    filters = Q(
        question__version__questionnaire=questionnaire,
        response__occasion=Occasion.EXIT,
        question__kind__in=SCALES,
        value__isnull=False,
    ) & _in_period(teams, date_from, date_to, "response__")
    if keys is not None:
        filters &= Q(question__key__in=keys)
    rows = (
        Answer.objects.filter(filters)
        .annotate(start=_start_value())
        .filter(start__isnull=False)
        .values("question__key")
        .annotate(
            up=Count("pk", filter=Q(value__gt=F("start"))),
            same=Count("pk", filter=Q(value=F("start"))),
            down=Count("pk", filter=Q(value__lt=F("start"))),
        )
        .order_by()
    )
    return {r["question__key"]: (r["up"], r["same"], r["down"]) for r in rows}


@dataclass
class QuestionResult:
    key: str
    text: str
    kind: str
    labels: list[str]  # the answer values' labels, in order
    columns: list[str]  # occasions shown
    # rows[i] = [cell for each column]: the count of values[i]
    rows: list[list[str]] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)
    change: tuple[str, str, str, str] | None = None  # increased, same, decreased, pairs
    change_share: str | None = None  # share increased, "–" when withheld
    measures_wellbeing: bool = False


@dataclass
class Results:
    questionnaire: Questionnaire
    exact: bool
    threshold: int
    columns: list[tuple[str, str]]  # (occasion code, label)
    responses: dict[str, str]
    questions: list[QuestionResult]
    text_answers: int  # free-text answers given, a count only


def _columns(questionnaire) -> list[tuple[str, str]]:
    if questionnaire.audience == Questionnaire.Audience.PARTNER:
        return [(PARTNER, "Svar")]
    return list(Occasion.choices)


def results(questionnaire, teams, date_from, date_to, *, exact: bool, threshold: int) -> Results:
    """Each closed question's distribution per occasion and the change from start to exit, for
    the responses of `teams` given in the period. For aggregate users (`exact` false) every
    count of the page is one linked system under `suppress_linked`. Three queries, plus one
    for the questions."""
    columns = _columns(questionnaire)
    codes = [c for c, _ in columns]
    partner = codes == [PARTNER]
    latest = questionnaire.current_version()
    questions = list(latest.questions.all()) if latest else []
    closed = [q for q in questions if q.kind != Question.Kind.TEXT]
    period = _in_period(teams, date_from, date_to)
    response_rows = (
        Response.objects.filter(period, version__questionnaire=questionnaire)
        .values("occasion")
        .annotate(n=Count("pk"))
        .order_by()
    )
    n_responses = {PARTNER if partner else r["occasion"]: r["n"] for r in response_rows}
    answer_rows = (
        Answer.objects.filter(
            _in_period(teams, date_from, date_to, "response__"),
            question__version__questionnaire=questionnaire,
        )
        .values("question__key", "response__occasion", "value")
        .annotate(n=Count("pk"), texts=Count("pk", filter=~Q(text="")))
        .order_by()
    )
    dist: dict[tuple, int] = {}
    text_answers = 0
    for r in answer_rows:
        text_answers += r["texts"]
        if r["value"] is None:
            continue
        occ = PARTNER if partner else r["response__occasion"]
        dist[(r["question__key"], occ, r["value"])] = r["n"]
    changes = {} if partner else change_counts(questionnaire, teams, date_from, date_to)

    counts: dict = {("resp", c): n_responses.get(c, 0) for c in codes}
    equations: list[tuple] = []
    for q in closed:
        for c in codes:
            parts = [("v", q.key, c, v) for v in q.values]
            for key in parts:
                counts[key] = dist.get(key[1:], 0)
            counts[("t", q.key, c)] = sum(counts[k] for k in parts)
            equations.append((("t", q.key, c), parts, TOTAL_FIRST))
            if counts[("t", q.key, c)] == counts[("resp", c)]:
                # Every response answered it: the question's total is the responses' count.
                equations.append((("resp", c), [("t", q.key, c)], TOTAL_FIRST))
        if q.kind in SCALES and not partner:
            up, same, down = changes.get(q.key, (0, 0, 0))
            counts.update({("up", q.key): up, ("same", q.key): same, ("down", q.key): down})
            counts[("pairs", q.key)] = up + same + down
            equations.append(
                (("pairs", q.key), [("up", q.key), ("same", q.key), ("down", q.key)], TOTAL_FIRST)
            )
    if exact:
        shown = {k: str(v) for k, v in counts.items()}
    else:
        shown = suppress_linked(
            counts, equations, threshold, headlines=frozenset(("resp", c) for c in codes)
        )

    result_questions = []
    for q in closed:
        item = QuestionResult(
            key=q.key,
            text=q.text,
            kind=q.kind,
            labels=[q.value_label(v) for v in q.values],
            columns=codes,
            measures_wellbeing=q.measures_wellbeing,
        )
        item.rows = [[shown[("v", q.key, c, v)] for c in codes] for v in q.values]
        item.totals = [shown[("t", q.key, c)] for c in codes]
        if ("pairs", q.key) in counts:
            up, pairs = counts[("up", q.key)], counts[("pairs", q.key)]
            item.change = tuple(shown[(k, q.key)] for k in ("up", "same", "down", "pairs"))
            hidden = not shown[("pairs", q.key)].isdigit() or not shown[("up", q.key)].isdigit()
            if pairs and (exact or ratio_disclosed(up, pairs, threshold, hidden=hidden)):
                item.change_share = _pct(up, pairs)
            elif pairs:
                item.change_share = HIDDEN
        result_questions.append(item)
    return Results(
        questionnaire=questionnaire,
        exact=exact,
        threshold=threshold,
        columns=columns,
        responses={c: shown[("resp", c)] for c in codes},
        questions=result_questions,
        text_answers=text_answers,
    )


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %"


def wellbeing_from_questionnaire_teams(teams) -> list:
    """The teams of `teams` that measure the wellbeing target by the questionnaire."""
    ids = set(
        TeamSetting.objects.filter(
            team__in=list(teams), wellbeing_from_questionnaire=True
        ).values_list("team_id", flat=True)
    )
    return [t for t in teams if t.pk in ids]


def wellbeing_target(teams, date_from, date_to) -> tuple[int, int]:
    """(increased, compared) for the wellbeing target measured by the questionnaire: the exit
    answers in the period to a question marked `measures_wellbeing`, against the same
    participant's start answer, for the teams that chose to measure it so. One query."""
    rows = (
        Answer.objects.filter(
            _in_period(teams, date_from, date_to, "response__"),
            response__team__questionnaire_setting__wellbeing_from_questionnaire=True,
            response__occasion=Occasion.EXIT,
            question__measures_wellbeing=True,
            value__isnull=False,
        )
        .annotate(start=_start_value())
        .filter(start__isnull=False)
        .aggregate(up=Count("pk", filter=Q(value__gt=F("start"))), n=Count("pk"))
    )
    return rows["up"], rows["n"]
