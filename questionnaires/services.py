"""Writes for questionnaires: answers given in hand-over mode or through a one-time link, the
links themselves, and a team's choice of how its wellbeing target is measured.

Every write runs in one transaction and writes one audit record; an answer linked to an
enrolment names the participant, so it reaches the access log like every other change."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from questionnaires.models import (
    Answer,
    AnswerLink,
    Channel,
    Occasion,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    TeamSetting,
)
from rehab import audit

LINK_DAYS = 14
MAX_PARTNER_LINKS = 50
TEXT_MAX = 2000


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_answers(version: QuestionnaireVersion, values: dict[int, object]) -> list[Answer]:
    """Answers from {question id: int | str | None}; every closed question needs a value in its
    scale, free text is optional."""
    answers = []
    missing = []
    for question in version.questions.all():
        value = values.get(question.pk)
        if question.kind == Question.Kind.TEXT:
            text = (value or "").strip() if isinstance(value, str) else ""
            if len(text) > TEXT_MAX:
                raise ValidationError(f"Svaret får vara högst {TEXT_MAX} tecken.")
            if text:
                answers.append(Answer(question=question, text=text))
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or number not in question.values:
            missing.append(question.text)
            continue
        answers.append(Answer(question=question, value=number))
    if missing:
        raise ValidationError("Svara på alla frågor som har svarsalternativ.")
    return answers


def _save(*, version, team, enrolment, occasion, channel, answers, by, action):
    now = timezone.now()
    response = Response.objects.create(
        version=version,
        team=team,
        enrolment=enrolment,
        occasion=occasion,
        channel=channel,
        year=timezone.localdate(now).year,
        submitted_at=now,
    )
    for answer in answers:
        answer.response = response
    Answer.objects.bulk_create(answers)
    audit.record(
        user=by,
        action=action,
        obj=response,
        participant_id=enrolment.participant_id if enrolment else None,
        changes={"occasion": occasion, "questionnaire": version.questionnaire.name},
    )
    return response


def _check_occasion(occasion: str) -> None:
    if occasion not in Occasion.values:
        raise ValidationError("Välj när enkäten besvaras: vid start, avstämning eller avslut.")


def _check_participant_version(version: QuestionnaireVersion) -> None:
    q = version.questionnaire
    if q.audience != Questionnaire.Audience.PARTICIPANT or not q.is_active:
        raise ValidationError("Enkäten är inte en självskattning som används.")


def handover_answer(*, enrolment, version, occasion, values, by) -> Response:
    """The participant's own answers, given on the handledare's screen."""
    _check_occasion(occasion)
    _check_participant_version(version)
    if not enrolment.is_active:
        raise ValidationError("Inskrivningen är avslutad.")
    with transaction.atomic():
        answers = _clean_answers(version, values)
        return _save(
            version=version,
            team=enrolment.team,
            enrolment=enrolment,
            occasion=occasion,
            channel=Channel.HANDOVER,
            answers=answers,
            by=by,
            action="questionnaire_answer_handover",
        )


def _new_link(*, version, team, enrolment, occasion, by) -> tuple[AnswerLink, str]:
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    link = AnswerLink.objects.create(
        token_hash=hash_token(token),
        version=version,
        team=team,
        enrolment=enrolment,
        occasion=occasion,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    return link, token


def participant_link_create(*, enrolment, version, occasion, by) -> str:
    """A one-time link for the participant to answer on their own phone. Returns the token,
    which is shown once and never stored."""
    _check_occasion(occasion)
    _check_participant_version(version)
    if not enrolment.is_active:
        raise ValidationError("Inskrivningen är avslutad.")
    with transaction.atomic():
        link, token = _new_link(
            version=version, team=enrolment.team, enrolment=enrolment, occasion=occasion, by=by
        )
        audit.record(
            user=by,
            action="questionnaire_link_create",
            obj=link,
            participant_id=enrolment.participant_id,
            changes={"occasion": occasion},
        )
    return token


def partner_links_create(*, team, version, count: int, by) -> list[str]:
    """`count` one-time links to the partners' questionnaire for the team. The links name
    nobody, so the answers are anonymous."""
    q = version.questionnaire
    if q.audience != Questionnaire.Audience.PARTNER or not q.is_active:
        raise ValidationError("Enkäten är inte en partnerenkät som används.")
    if not 1 <= count <= MAX_PARTNER_LINKS:
        raise ValidationError(f"Skapa mellan 1 och {MAX_PARTNER_LINKS} länkar åt gången.")
    tokens = []
    with transaction.atomic():
        for _ in range(count):
            _link, token = _new_link(
                version=version, team=team, enrolment=None, occasion="", by=by
            )
            tokens.append(token)
        audit.record(
            user=by,
            action="questionnaire_partner_links_create",
            obj=team,
            changes={"count": count},
        )
    return tokens


@dataclass(frozen=True)
class LinkState:
    link: AnswerLink | None
    problem: str = ""  # "" (usable), "unknown", "used", "expired"


def link_state(token: str) -> LinkState:
    link = (
        AnswerLink.objects.select_related("version__questionnaire")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if link is None:
        return LinkState(None, "unknown")
    if link.used_at is not None:
        return LinkState(link, "used")
    if link.expires_at <= timezone.now():
        return LinkState(link, "expired")
    return LinkState(link)


def link_answer(*, token: str, values) -> Response:
    """Answers through a one-time link (no log-in). The link is used up in the same
    transaction, so two submissions at once save one response."""
    with transaction.atomic():
        state = link_state(token)
        if state.problem:
            raise ValidationError("Länken går inte att använda längre.")
        link = state.link
        used = AnswerLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            raise ValidationError("Länken går inte att använda längre.")
        answers = _clean_answers(link.version, values)
        enrolment = link.enrolment
        if enrolment is not None and not enrolment.is_active:
            raise ValidationError("Länken går inte att använda längre.")
        return _save(
            version=link.version,
            team=link.team,
            enrolment=enrolment,
            occasion=link.occasion,
            channel=Channel.LINK,
            answers=answers,
            by=None,
            action="questionnaire_answer_link" if enrolment else "questionnaire_answer_partner",
        )


def team_setting_save(*, team, wellbeing_from_questionnaire: bool, by) -> TeamSetting:
    with transaction.atomic():
        setting, _ = TeamSetting.objects.update_or_create(
            team=team, defaults={"wellbeing_from_questionnaire": wellbeing_from_questionnaire}
        )
        audit.record(
            user=by,
            action="questionnaire_team_setting",
            obj=team,
            changes={"wellbeing_from_questionnaire": wellbeing_from_questionnaire},
        )
    return setting


def version_copy(*, version: QuestionnaireVersion, by) -> QuestionnaireVersion:
    """A new version with the same questions, to edit where the old one is answered."""
    with transaction.atomic():
        number = version.questionnaire.versions.order_by("-number").first().number + 1
        new = QuestionnaireVersion.objects.create(
            questionnaire=version.questionnaire, number=number
        )
        for q in version.questions.all():
            Question.objects.create(
                version=new,
                position=q.position,
                key=q.key,
                text=q.text,
                kind=q.kind,
                low_label=q.low_label,
                high_label=q.high_label,
                measures_wellbeing=q.measures_wellbeing,
            )
        audit.record(user=by, action="questionnaire_version_copy", obj=new)
    return new
