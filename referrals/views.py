"""Referral intake, En väg in triage, consultations and consent (SPEC §5).

Team members (handledare, admin) of the receiving or the assigned team see and work with a
referral; another team's referral answers 404; aggregate-only roles get 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from common.forms import apply_errors
from referrals import selectors, services
from referrals.access import get_participant_for_user
from referrals.forms import (
    CONFIRM_FIRST,
    AssignForm,
    ConsentForm,
    ConsultationForm,
    IntroForm,
    ReferralFilterForm,
    ReferralForm,
    TransitionForm,
)
from referrals.models import Referral
from rehab.access import (
    ADMIN,
    HANDLEDARE,
    get_access,
    log_read,
    role_required,
    teams_for,
)
from rehab.models import Team

PAGE_SIZE = 25

team_roles = role_required(ADMIN, HANDLEDARE)


def _teams(user):
    return teams_for(user).order_by("name")


def _without_page(request) -> str:
    """The list's query string without the page number, for the shared pagination links."""
    params = request.GET.copy()
    params.pop("sida", None)
    return params.urlencode()


def _get_referral_for_user(request, pk) -> Referral:
    """The referral if it belongs to (or is assigned to) one of the user's teams; 404
    otherwise, so that other teams' referrals are not even confirmed to exist."""
    referral = selectors.get_referral_for_user(request.user, pk)
    if referral is None:
        raise Http404
    if referral.participant_id:
        log_read(
            request,
            participant_id=referral.participant_id,
            object_type="referral",
            object_id=referral.pk,
        )
    return referral


def _redirect_teams(referral):
    return (
        Team.objects.filter(forbund_id=referral.team.forbund_id, is_active=True)
        .exclude(pk=referral.team_id)
        .order_by("name")
    )


def _transition_form(referral, to_status, data=None):
    return TransitionForm(
        data,
        to_status=to_status,
        redirect_teams=_redirect_teams(referral)
        if to_status == Referral.Status.REDIRECTED
        else None,
    )


# --- Referrals ------------------------------------------------------------------------------


@team_roles
def referral_list(request):
    teams = list(_teams(request.user))
    form = ReferralFilterForm(request.GET or None, teams=teams)
    # A bad value in one filter (an old bookmark, a team the user has left) drops that filter
    # alone: cleaned_data keeps the fields that are valid.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    referrals = selectors.referral_list(
        request.user,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        source=filters.get("source", ""),
        team_id=filters.get("team"),
        sort=filters.get("sort") or "-received",
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("sida"))
    querystring = _without_page(request)
    return render(
        request,
        "referrals/referral_list.html",
        {"form": form, "page": page, "querystring": querystring, "filtered": bool(querystring)},
    )


@team_roles
def referral_create(request):
    teams = _teams(request.user)
    participant = None
    if "deltagare" in request.GET:
        raw = request.GET["deltagare"]
        if not raw.isdigit():
            raise Http404
        participant = get_participant_for_user(request, int(raw))
    form = ReferralForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                **form.cleaned_data, participant=participant, by=request.user
            )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, "Remissen är registrerad.")
            return redirect("referral_detail", pk=referral.pk)
    return render(
        request, "referrals/referral_form.html", {"form": form, "participant": participant}
    )


@team_roles
def referral_detail(request, pk):
    referral = _get_referral_for_user(request, pk)
    decision_days, start_days = selectors.referral_waiting_days(referral)
    allowed = services.allowed_transitions(referral)
    can_assign = selectors.can_assign(request.user, referral)
    intro_days = (
        (referral.intro_date - referral.received_date).days if referral.intro_date else None
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "events": referral.events.all(),
            "decision_days": decision_days,
            "start_days": start_days,
            "intro_days": intro_days,
            "can_record_intro": selectors.can_record_intro(request.user, referral),
            "inline_forms": [
                _transition_form(referral, s) for s in allowed if s not in CONFIRM_FIRST
            ],
            "confirm_actions": [
                _transition_form(referral, s) for s in allowed if s in CONFIRM_FIRST
            ],
            "assign_form": (
                AssignForm(methods=selectors.assignable_methods(referral)) if can_assign else None
            ),
            "can_enrol": selectors.can_enrol(referral),
            "awaiting_assignment": selectors.awaiting_assignment(referral),
        },
    )


@team_roles
def referral_transition(request, pk, to_status):
    """GET: the form (and, for actions that end the referral, the confirmation). POST: the
    change itself."""
    referral = _get_referral_for_user(request, pk)
    if to_status not in services.HAND_TARGETS:
        # Unknown, or a status no one moves a referral to by hand (received, enrolled).
        raise Http404("Remissen kan inte få den statusen.")
    form = _transition_form(referral, to_status, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_transition(
                referral=referral,
                to_status=to_status,
                date=form.cleaned_data["date"],
                reason=form.cleaned_data.get("reason", ""),
                redirected_to=form.cleaned_data.get("redirected_to", ""),
                by=request.user,
            )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(
                request, f"Remissen är nu {Referral.Status(to_status).label.lower()}."
            )
            return redirect("referral_detail", pk=referral.pk)
    allowed = to_status in services.allowed_transitions(referral)
    return render(
        request,
        "referrals/referral_transition.html",
        {
            "referral": referral,
            "form": form,
            "allowed": allowed,
            "refusal": None if allowed else services.refusal_message(referral.status, to_status),
            "confirm": to_status in CONFIRM_FIRST,
        },
    )


@team_roles
def referral_assign(request, pk):
    """En väg in: only the triage team's admin assigns a referral to one of its methods."""
    referral = _get_referral_for_user(request, pk)
    if not get_access(request.user).is_admin_of(referral.team_id):
        raise PermissionDenied("Bara enhetschefen för En väg in fördelar remisser.")
    form = AssignForm(request.POST or None, methods=selectors.assignable_methods(referral))
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_assign(
                referral=referral, team=form.cleaned_data["team"], by=request.user
            )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, f"Remissen är fördelad till {form.cleaned_data['team']}.")
            return redirect("referral_detail", pk=referral.pk)
    return render(
        request,
        "referrals/referral_assign.html",
        {
            "referral": referral,
            "form": form,
            "can_assign": selectors.can_assign(request.user, referral),
        },
    )


@team_roles
def referral_intro(request, pk):
    """En väg in: a member of the triage team records the introductory conversation."""
    referral = _get_referral_for_user(request, pk)
    if not referral.team.is_triage:
        raise Http404("Introduktionssamtal hör till remisser till ett En väg in-team.")
    if not get_access(request.user).is_member(referral.team_id):
        raise PermissionDenied("Bara En väg in-teamet registrerar introduktionssamtalet.")
    initial = None
    if referral.intro_date:
        initial = {
            "intro_date": referral.intro_date,
            "with_participant": referral.intro_with_participant,
            "with_referrer": referral.intro_with_referrer,
            "with_staff": referral.intro_with_staff,
        }
    form = IntroForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_intro_record(referral=referral, **form.cleaned_data, by=request.user)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, "Introduktionssamtalet är registrerat.")
            return redirect("referral_detail", pk=referral.pk)
    return render(request, "referrals/referral_intro.html", {"referral": referral, "form": form})


# --- Consultations --------------------------------------------------------------------------


def _team_from_query(request, teams):
    """The team chosen in ?team= (404 unless the user is a member), else the first team."""
    raw = request.GET.get("team")
    if not raw:
        return teams[0] if teams else None
    try:
        team_id = int(raw)
    except ValueError as e:
        raise Http404 from e
    team = next((t for t in teams if t.pk == team_id), None)
    if team is None:
        raise Http404
    return team


@team_roles
def consultation_list(request):
    teams = list(_teams(request.user))
    team = _team_from_query(request, teams)
    today = timezone.localdate()
    context = {"teams": teams, "team": team}
    if team is not None:
        years = selectors.consultation_years(team, today)
        try:
            year = int(request.GET.get("ar", today.year))
        except ValueError:
            year = today.year
        if year not in years:
            year = today.year
        page = Paginator(selectors.consultations_for_team(team, year), PAGE_SIZE).get_page(
            request.GET.get("sida")
        )
        context.update(
            querystring=_without_page(request),
            years=years,
            year=year,
            counts=selectors.consultation_counts(team, year),
            page=page,
        )
    return render(request, "referrals/consultation_list.html", context)


@team_roles
def consultation_create(request):
    teams = _teams(request.user)
    form = ConsultationForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(**form.cleaned_data, by=request.user)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, "Konsultationen är registrerad.")
            return redirect(
                f"{reverse('consultation_list')}?team={consultation.team_id}"
                f"&ar={consultation.date.year}"
            )
    return render(request, "referrals/consultation_form.html", {"form": form})


# --- Consent --------------------------------------------------------------------------------


@team_roles
def consent_create(request, participant_pk):
    participant = get_participant_for_user(request, participant_pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(participant=participant, **form.cleaned_data, by=request.user)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, "Samtycket är registrerat.")
            return redirect("participant_detail", pk=participant.pk)
    context = selectors.participant_referral_context(participant, request.user)
    return render(
        request,
        "referrals/consent_form.html",
        {**context, "form": form, "show_form": context["can_edit"], "can_edit": False},
    )
