"""Questionnaire pages: the case worker's page per enrolment, hand-over mode, one-time links
(no log-in), the partners' links per team, and the results per team and period."""

from __future__ import annotations

from datetime import date, timedelta

import segno
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.forms import apply_errors
from common.responses import csv_response
from privacy.recorder import client_ip
from questionnaires import selectors, services
from questionnaires.forms import (
    AnswerForm,
    LeaveForm,
    PartnerLinksForm,
    ResultsForm,
    StartForm,
    TeamSettingForm,
)
from questionnaires.middleware import HANDOVER
from questionnaires.models import Occasion, QuestionnaireVersion, TeamSetting
from rehab.access import (
    ADMIN,
    FORBUND,
    HANDLEDARE,
    STYRGRUPP,
    get_access,
    get_enrolment_for_user,
    get_team_for_user,
    role_required,
)
from reporting.scopes import BOARD, is_exact, report_scopes

CASE_ROLES = (HANDLEDARE, ADMIN)
RESULT_ROLES = (ADMIN, FORBUND, STYRGRUPP)
# One-time links: requests per client address and window, answered or not (a guessed token
# costs the same as a real one).
LINK_RATE_LIMIT = 30
LINK_RATE_WINDOW = 600


def _enrolment(request, pk):
    return get_enrolment_for_user(request, pk, *CASE_ROLES)


@role_required(*CASE_ROLES)
def enrolment_questionnaires(request, pk):
    enrolment = _enrolment(request, pk)
    responses = list(selectors.enrolment_responses(enrolment))
    questionnaires = list(selectors.participant_questionnaires())
    # Sensible defaults: the only questionnaire, and "at start" until it has been answered.
    initial = {
        "occasion": Occasion.REVIEW
        if any(r.occasion == Occasion.START for r in responses)
        else Occasion.START
    }
    if len(questionnaires) == 1:
        initial["questionnaire"] = questionnaires[0].pk
    return render(
        request,
        "questionnaires/enrolment.html",
        {
            "enrolment": enrolment,
            "responses": responses,
            "form": StartForm(questionnaires=questionnaires, initial=initial),
        },
    )


def _start_form(request, enrolment):
    form = StartForm(request.POST, questionnaires=selectors.participant_questionnaires())
    if not enrolment.is_active:
        messages.error(request, "Inskrivningen är avslutad.")
        return None
    if not form.is_valid():
        messages.error(request, "Välj enkät och när den besvaras.")
        return None
    version = form.cleaned_data["questionnaire"].current_version()
    if version is None:
        messages.error(request, "Enkäten har inga frågor än.")
        return None
    return version, form.cleaned_data["occasion"]


@require_POST
@role_required(*CASE_ROLES)
def handover_start(request, pk):
    """Hand the screen over: from here until the handledare's password is given again, the
    session shows the questionnaire only (questionnaires.middleware)."""
    enrolment = _enrolment(request, pk)
    chosen = _start_form(request, enrolment)
    if chosen is None:
        return redirect("questionnaires:enrolment", pk=enrolment.pk)
    version, occasion = chosen
    request.session[HANDOVER] = {
        "enrolment": enrolment.pk,
        "version": version.pk,
        "occasion": occasion,
        "done": False,
    }
    return redirect("questionnaires:handover")


@require_POST
@role_required(*CASE_ROLES)
def link_create(request, pk):
    enrolment = _enrolment(request, pk)
    chosen = _start_form(request, enrolment)
    if chosen is None:
        return redirect("questionnaires:enrolment", pk=enrolment.pk)
    version, occasion = chosen
    try:
        token = services.participant_link_create(
            enrolment=enrolment, version=version, occasion=occasion, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("questionnaires:enrolment", pk=enrolment.pk)
    url = request.build_absolute_uri(reverse("questionnaires:answer", args=[token]))
    return render(
        request,
        "questionnaires/link_created.html",
        {
            "enrolment": enrolment,
            "url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=5, title="QR-kod till enkäten"),
            "expires": timezone.localdate() + timedelta(days=services.LINK_DAYS),
        },
    )


def _handover(request):
    state = request.session.get(HANDOVER)
    if not state:
        return None
    return state


@role_required(*CASE_ROLES)
def handover(request):
    """The participant's screen: the questionnaire only, nothing of the case."""
    state = _handover(request)
    if state is None:
        return redirect("start")
    version = get_object_or_404(
        QuestionnaireVersion.objects.select_related("questionnaire"), pk=state["version"]
    )
    form = None
    if not state["done"]:
        form = AnswerForm(request.POST or None, version=version)
        if request.method == "POST" and form.is_valid():
            enrolment = get_enrolment_for_user(request, state["enrolment"], *CASE_ROLES)
            try:
                services.handover_answer(
                    enrolment=enrolment,
                    version=version,
                    occasion=state["occasion"],
                    values=form.values(),
                    by=request.user,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                request.session[HANDOVER] = {**state, "done": True}
                return redirect("questionnaires:handover")
    return render(
        request,
        "questionnaires/answer.html",
        {
            "questionnaire": version.questionnaire,
            "form": form,
            "done": state["done"],
            "handover": True,
        },
    )


@role_required(*CASE_ROLES)
def handover_leave(request):
    """Back to the case: the handledare's password again (failures count towards the
    log-in lock-out, django-axes)."""
    state = _handover(request)
    if state is None:
        return redirect("start")
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=request.user.get_username(),
            password=form.cleaned_data["password"],
        )
        if user is not None and user.pk == request.user.pk:
            del request.session[HANDOVER]
            if state["done"]:
                messages.success(request, "Deltagarens svar är sparade.")
            else:
                messages.info(request, "Enkäten avbröts. Inga svar sparades.")
            return redirect("questionnaires:enrolment", pk=state["enrolment"])
        form.add_error("password", "Fel lösenord.")
    return render(request, "questionnaires/leave.html", {"form": form})


def _rate_limited(request) -> bool:
    key = f"questionnaire-link:{client_ip(request) or 'okänd'}"
    cache.add(key, 0, LINK_RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LINK_RATE_WINDOW)
        count = 1
    return count > LINK_RATE_LIMIT


def answer(request, token):
    """A one-time link: no log-in, no personal data on the page; the link works once and for
    14 days."""
    if _rate_limited(request):
        return render(request, "questionnaires/link_gone.html", {"limited": True}, status=429)
    state = services.link_state(token)
    if state.problem == "unknown":
        raise Http404
    if state.problem:
        return render(request, "questionnaires/link_gone.html", {}, status=410)
    version = state.link.version
    form = AnswerForm(request.POST or None, version=version)
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            services.link_answer(token=token, values=form.values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            done = True
    return render(
        request,
        "questionnaires/answer.html",
        {"questionnaire": version.questionnaire, "form": form, "done": done, "handover": False},
    )


@role_required(*CASE_ROLES)
def partner_links(request, pk):
    team = get_team_for_user(request, pk)
    questionnaires = selectors.partner_questionnaires()
    form = PartnerLinksForm(request.POST or None, questionnaires=questionnaires)
    urls = []
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["questionnaire"].current_version()
        try:
            if version is None:
                raise ValidationError("Enkäten har inga frågor än.")
            tokens = services.partner_links_create(
                team=team, version=version, count=form.cleaned_data["count"], by=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            urls = [
                request.build_absolute_uri(reverse("questionnaires:answer", args=[t]))
                for t in tokens
            ]
    return render(
        request,
        "questionnaires/partner_links.html",
        {"team": team, "form": form, "urls": urls, "days": services.LINK_DAYS},
    )


@role_required(ADMIN)
def team_setting(request, pk):
    team = get_team_for_user(request, pk)
    if not get_access(request.user).is_admin_of(team.pk):
        raise Http404
    setting = TeamSetting.objects.filter(team=team).first()
    chosen = bool(setting and setting.wellbeing_from_questionnaire)
    form = TeamSettingForm(request.POST or None, initial={"wellbeing_from_questionnaire": chosen})
    if request.method == "POST" and form.is_valid():
        services.team_setting_save(
            team=team,
            wellbeing_from_questionnaire=form.cleaned_data["wellbeing_from_questionnaire"],
            by=request.user,
        )
        messages.success(request, "Inställningen är sparad.")
        return redirect("questionnaires:team_setting", pk=team.pk)
    return render(request, "questionnaires/team_setting.html", {"team": team, "form": form})


def _results_form(request):
    # The board report's scopes, so that its link to the results opens the same teams.
    scopes = report_scopes(request.user, BOARD)
    questionnaires = list(selectors.active_questionnaires())
    today = timezone.localdate()
    data = {
        "scope": request.GET.get("scope") or (scopes[0].key if scopes else ""),
        "questionnaire": request.GET.get("questionnaire")
        or (str(questionnaires[0].pk) if questionnaires else ""),
        "date_from": request.GET.get("date_from") or date(today.year, 1, 1).isoformat(),
        "date_to": request.GET.get("date_to") or today.isoformat(),
    }
    return ResultsForm(data, scopes=scopes, questionnaires=questionnaires)


def _results(request):
    form = _results_form(request)
    if not form.is_valid():
        return form, None
    scope = form.cleaned_data["scope"]
    result = selectors.results(
        form.cleaned_data["questionnaire"],
        scope.teams,
        form.cleaned_data["date_from"],
        form.cleaned_data["date_to"],
        exact=is_exact(request.user, scope),
        threshold=scope.threshold,
    )
    return form, result


@role_required(*RESULT_ROLES)
def results(request):
    form, result = _results(request)
    return render(
        request,
        "questionnaires/results.html",
        {"form": form, "result": result, "query": request.GET.urlencode()},
        status=200 if result is not None or not request.GET else 400,
    )


@role_required(*RESULT_ROLES)
def results_csv(request):
    form, result = _results(request)
    if result is None:
        return render(request, "questionnaires/results.html", {"form": form}, status=400)
    rows = [["Fråga", "Svar", *[label for _c, label in result.columns]]]
    for q in result.questions:
        for label, cells in zip(q.labels, q.rows, strict=True):
            rows.append([q.text, label, *cells])
        rows.append([q.text, "Totalt", *q.totals])
        if q.change:
            up, same, down, pairs = q.change
            rows.append([q.text, "Högre vid avslut än vid start", up])
            rows.append([q.text, "Samma", same])
            rows.append([q.text, "Lägre", down])
            rows.append([q.text, "Jämförda (start och avslut)", pairs])
            rows.append([q.text, "Andel högre", q.change_share or "–"])
    if not result.exact:
        rows.append([])
        rows.append(
            [
                f"<{result.threshold} = 1–{result.threshold - 1} svar; – = dolt så att ett litet "
                "antal inte kan räknas fram"
            ]
        )
    return csv_response(rows, "enkatresultat.csv")
