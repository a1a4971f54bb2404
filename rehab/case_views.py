"""The handledare's case work: caseload, participant, enrolment, action plan, journal,
deviations and exit. Thin views: authorise, validate a form, call one service, redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rehab import case_selectors, forms, freshness, services
from rehab.access import (
    ADMIN,
    HANDLEDARE,
    get_access,
    get_enrolment_for_user,
    get_participant_for_user,
    participants_for,
    role_required,
    teams_for,
)
from rehab.models import Goal, GroupActivity, Team

CASE_ROLES = (HANDLEDARE, ADMIN)
SEARCH_SESSION_KEY = "caseload_q"
PAGE_SIZE = 25


def _apply_errors(form, error: ValidationError):
    """Put a service's ValidationError on the form: field errors where the field exists."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _case_teams(user):
    return teams_for(user).filter(kind=Team.Kind.REHAB)


# --- Caseload -------------------------------------------------------------------------------


@freshness.writes_no_data  # the search POST only keeps the term in the session
@role_required(*CASE_ROLES)
def caseload(request):
    """Search by personnummer is posted, kept in the session and never put in the URL."""
    if request.method == "POST":
        search = forms.SearchForm(request.POST)
        if search.is_valid() and search.cleaned_data["q"] and "clear" not in request.POST:
            request.session[SEARCH_SESSION_KEY] = search.cleaned_data["q"]
        else:
            request.session.pop(SEARCH_SESSION_KEY, None)
        query = request.GET.urlencode()
        return redirect(reverse("caseload") + (f"?{query}" if query else ""))
    q = request.session.get(SEARCH_SESSION_KEY, "")
    filters, results = _caseload_parts(request.user, request.GET, q)
    return render(request, "rehab/caseload.html", {"filters": filters, "results": results, "q": q})


def _caseload_parts(user, query, q):
    """The filter form and the result list as HTML, cached per user, query string, search
    and data version: a write anywhere makes them stale (rehab/freshness.py). The filters are
    validated against the user's own teams and modules inside, as without the cache."""

    def render_parts():
        filters = forms.CaseloadFilterForm(
            query or None, teams=teams_for(user), modules=case_selectors.caseload_modules(user)
        )
        params = filters.cleaned_data if filters.is_valid() else {}
        enrolments = case_selectors.caseload(
            user=user,
            team=params.get("team"),
            module_id=params.get("module") or None,
            status=params.get("status") or "active",
            mine=params.get("mine", False),
            q=q,
            sort=params.get("sort") or "name",
        )
        page = Paginator(enrolments, PAGE_SIZE).get_page(query.get("sida"))
        querystring = query.copy()
        querystring.pop("sida", None)
        # render_to_string gives SafeStrings, and the cache keeps their type.
        return (
            render_to_string("rehab/_caseload_filters.html", {"filters": filters}),
            render_to_string(
                "rehab/_caseload_results.html",
                {"page": page, "q": q, "querystring": querystring.urlencode()},
            ),
        )

    # The user's roles per team are part of the key: a list computed from roles read before a
    # membership changed can never answer a request made after it.
    roles = sorted(get_access(user).team_roles.items())
    parts = (user.pk, roles, sorted(query.lists()), q, timezone.localdate())
    return freshness.cached("caseload", parts, render_parts)


# --- Participant ----------------------------------------------------------------------------


@role_required(*CASE_ROLES)
def participant_create(request):
    if not _case_teams(request.user).exists():
        raise PermissionDenied("Du är inte medlem i något team som skriver in deltagare.")
    referral_id = request.GET.get("remiss", "")
    form = forms.ParticipantForm(request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "personnummer"}
        try:
            participant = services.participant_create(
                personnummer_raw=form.cleaned_data["personnummer"], by=request.user, **data
            )
        except services.DuplicatePersonnummer as e:
            form.add_error("personnummer", e.message_dict["personnummer"])
            if participants_for(request.user).filter(pk=e.participant.pk).exists():
                existing = e.participant
            else:
                form.add_error(
                    "personnummer",
                    "Personen är registrerad i ett annat team. Kontakta din enhetschef.",
                )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, f"{participant} är registrerad. Fyll i inskrivningen.")
            url = reverse("enrolment_create") + f"?deltagare={participant.pk}"
            return redirect(url + (f"&remiss={referral_id}" if referral_id.isdigit() else ""))
    return render(
        request,
        "rehab/participant_form.html",
        {"form": form, "existing": existing, "title": "Ny deltagare", "referral": referral_id},
    )


@role_required(*CASE_ROLES)
def participant_create_anonymous(request):
    if not _case_teams(request.user).exists():
        raise PermissionDenied("Du är inte medlem i något team som skriver in deltagare.")
    form = forms.AnonymousParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_create_anonymous(
                by=request.user, **form.cleaned_data
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "Den anonyma deltagaren är registrerad.")
            return redirect(reverse("enrolment_create") + f"?deltagare={participant.pk}")
    return render(request, "rehab/participant_anonymous_form.html", {"form": form})


@role_required(*CASE_ROLES)
def participant_detail(request, pk):
    participant = get_participant_for_user(request, pk)
    enrolments = case_selectors.participant_enrolments(participant, request.user)
    context = {
        "participant": participant,
        "enrolments": enrolments,
        "can_enrol": _case_teams(request.user).exists(),
    }
    context.update(_partials_context(participant, enrolments, request.user))
    return render(request, "rehab/participant_detail.html", context)


def _partials_context(participant, enrolments, user):
    """What the other apps' partials on the participant page need."""
    from modules.selectors import enrolment_module_context, enrolments_modules
    from referrals.selectors import participant_referral_context

    # All enrolments' module summaries in one batch: a fixed number of queries.
    summaries = enrolments_modules(enrolments, today=timezone.localdate())
    for enrolment in enrolments:
        enrolment.modules = enrolment_module_context(enrolment, user, summaries[enrolment.pk])
    return participant_referral_context(participant, user)


@role_required(*CASE_ROLES)
def participant_update(request, pk):
    participant = get_participant_for_user(request, pk)
    if participant.is_anonymous:
        form = forms.AnonymousParticipantForm(
            request.POST or None,
            initial={
                "birth_year": participant.birth_year,
                "gender": participant.gender,
                "kommun": participant.kommun,
            },
        )
        form.fields["birth_year"].disabled = True
    else:
        form = forms.ParticipantForm(
            request.POST or None, instance=participant, with_personnummer=False
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.participant_update(participant=participant, by=request.user, **data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "Uppgifterna är sparade.")
            return redirect(participant)
    return render(
        request,
        "rehab/participant_form.html",
        {"form": form, "participant": participant, "title": f"Ändra {participant}"},
    )


# --- Enrolment ------------------------------------------------------------------------------


def _referral_for(request, referral_id):
    if not referral_id or not str(referral_id).isdigit():
        return None
    from referrals.models import Referral

    team_ids = get_access(request.user).team_ids()
    return Referral.objects.filter(
        Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids),
        pk=referral_id,
        status__in=["accepted", "queued"],
    ).first()


@role_required(*CASE_ROLES)
def enrolment_create(request):
    teams = _case_teams(request.user)
    if not teams.exists():
        raise PermissionDenied("Du är inte medlem i något team som skriver in deltagare.")
    referral = _referral_for(request, request.GET.get("remiss"))
    participant_id = request.GET.get("deltagare") or (referral and referral.participant_id)
    if not participant_id:
        # From a referral without a participant yet: register the person first.
        url = reverse("participant_create")
        return redirect(url + (f"?remiss={referral.pk}" if referral else ""))
    if not str(participant_id).isdigit():
        raise Http404
    participant = get_participant_for_user(request, int(participant_id))
    initial = {"responsible": request.user, "team": teams.first()}
    if referral is not None:
        if referral.assigned_team_id and teams.filter(pk=referral.assigned_team_id).exists():
            initial["team"] = referral.assigned_team_id
        elif teams.filter(pk=referral.team_id).exists():
            initial["team"] = referral.team_id
        initial.update(
            referrer=referral.source,
            case_officer_name=referral.case_officer_name,
            case_officer_agency=referral.case_officer_agency,
            case_officer_phone=referral.case_officer_phone,
            case_officer_email=referral.case_officer_email,
        )
    form = forms.EnrolmentForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team, start_date = data.pop("team"), data.pop("start_date")
        try:
            enrolment = services.enrolment_create(
                participant=participant,
                team=team,
                start_date=start_date,
                by=request.user,
                referral=referral,
                **data,
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, f"{participant} är inskriven i {team}.")
            for warning in services.enrolment_warnings(
                participant=participant,
                team=team,
                start_date=start_date,
                agencies=data.get("agencies"),
            ):
                messages.warning(request, warning)
            return redirect(enrolment)
    return render(
        request,
        "rehab/enrolment_form.html",
        {
            "form": form,
            "participant": participant,
            "referral": referral,
            "title": f"Skriv in {participant}",
        },
    )


@role_required(*CASE_ROLES)
def enrolment_update(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    if not enrolment.is_active:
        messages.error(request, "Inskrivningen är avslutad och kan inte ändras.")
        return redirect(enrolment)
    form = forms.EnrolmentUpdateForm(
        request.POST or None,
        instance=enrolment,
        teams=teams_for(request.user).filter(pk=enrolment.team_id),
        initial={"income_start": enrolment.income_start_list},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_update(enrolment=enrolment, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "Inskrivningen är sparad.")
            return redirect(enrolment)
    return render(
        request,
        "rehab/enrolment_form.html",
        {
            "form": form,
            "participant": enrolment.participant,
            "enrolment": enrolment,
            "title": f"Ändra inskrivningen i {enrolment.team}",
        },
    )


@role_required(*CASE_ROLES)
def enrolment_exit(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    if not enrolment.is_active:
        messages.error(request, "Inskrivningen är redan avslutad.")
        return redirect(enrolment)
    form = forms.ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enrolment_exit(
                enrolment=enrolment,
                data=services.ExitData(
                    exit_date=data["exit_date"],
                    outcome=data["outcome"],
                    income_exit=tuple(data["income_exit"]),
                    occupation_exit=data["occupation_exit"],
                    occupation_exit_share=data["occupation_exit_share"],
                    wellbeing_exit=data["wellbeing_exit"],
                    exit_conversation_held=data["exit_conversation_held"],
                    exit_plan=data["exit_plan"],
                ),
                by=request.user,
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request, "Avslutet är registrerat. Placeringar och samtycke har avslutats."
            )
            return redirect(enrolment)
    return render(request, "rehab/exit_form.html", {"form": form, "enrolment": enrolment})


def _admin_reason_action(request, pk, *, service, title, intro, success, button):
    """An admin-only correction with a confirmation page and a logged reason."""
    enrolment = get_enrolment_for_user(request, pk, ADMIN)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(enrolment=enrolment, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, success)
            return redirect(enrolment)
    return render(
        request,
        "rehab/confirm_reason.html",
        {"form": form, "enrolment": enrolment, "title": title, "intro": intro, "button": button},
    )


@role_required(ADMIN)
def enrolment_undo_exit(request, pk):
    return _admin_reason_action(
        request,
        pk,
        service=services.enrolment_undo_exit,
        title="Ångra avslut",
        intro="Avslutet tas bort och inskrivningen blir pågående igen. Placeringar och "
        "samtycke öppnas inte automatiskt. Skälet sparas i loggen.",
        success="Avslutet är ångrat.",
        button="Ångra avslutet",
    )


@role_required(ADMIN)
def enrolment_mark_error(request, pk):
    return _admin_reason_action(
        request,
        pk,
        service=services.enrolment_mark_error,
        title="Markera som felregistrerad",
        intro="En felregistrerad inskrivning försvinner ur all statistik. Skälet sparas i loggen.",
        success="Inskrivningen är markerad som felregistrerad.",
        button="Markera som felregistrerad",
    )


# --- Action plan, journal, deviations -------------------------------------------------------


def _simple_form_view(request, enrolment, form, *, save, template, title, success):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, success)
            return redirect(enrolment)
    return render(request, template, {"form": form, "enrolment": enrolment, "title": title})


@role_required(*CASE_ROLES)
def goal_create(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    form = forms.GoalForm(
        request.POST or None, enrolment=enrolment, initial={"parent": request.GET.get("under")}
    )
    return _simple_form_view(
        request,
        enrolment,
        form,
        save=lambda d: services.goal_create(
            enrolment=enrolment, text=d["text"], parent=d["parent"], by=request.user
        ),
        template="rehab/simple_form.html",
        title="Nytt mål i handlingsplanen",
        success="Målet är sparat.",
    )


@require_POST
@role_required(*CASE_ROLES)
def goal_status(request, pk):
    goal = get_object_or_404(Goal.objects.select_related("enrolment"), pk=pk)
    enrolment = get_enrolment_for_user(request, goal.enrolment_id)
    form = forms.GoalStatusForm(request.POST)
    if form.is_valid():
        try:
            services.goal_set_status(
                goal=goal, status=form.cleaned_data["status"], by=request.user
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, "Målets status är ändrad.")
    else:
        messages.error(request, "Välj en giltig status.")
    return redirect(enrolment)


@require_POST
@role_required(*CASE_ROLES)
def enrolment_phase(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    form = forms.PhaseForm(request.POST)
    if form.is_valid() and enrolment.is_active:
        services.enrolment_update(
            enrolment=enrolment, phase=form.cleaned_data["phase"], by=request.user
        )
        messages.success(request, "Fasen är ändrad.")
    else:
        messages.error(request, "Fasen kunde inte ändras.")
    return redirect(enrolment)


@role_required(*CASE_ROLES)
def note_create(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    form = forms.NoteForm(request.POST or None)
    return _simple_form_view(
        request,
        enrolment,
        form,
        save=lambda d: services.note_create(enrolment=enrolment, by=request.user, **d),
        template="rehab/simple_form.html",
        title="Ny journalanteckning",
        success="Anteckningen är sparad.",
    )


@role_required(*CASE_ROLES)
def deviation_create(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    form = forms.DeviationForm(request.POST or None)
    return _simple_form_view(
        request,
        enrolment,
        form,
        save=lambda d: services.deviation_create(enrolment=enrolment, by=request.user, **d),
        template="rehab/simple_form.html",
        title="Rapportera avvikelse",
        success="Avvikelsen är registrerad.",
    )


@role_required(*CASE_ROLES)
def exit_followup_create(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    form = forms.ExitFollowUpForm(request.POST or None)
    return _simple_form_view(
        request,
        enrolment,
        form,
        save=lambda d: services.exit_followup_record(enrolment=enrolment, by=request.user, **d),
        template="rehab/simple_form.html",
        title="Uppföljning efter avslut",
        success="Uppföljningen är sparad.",
    )


# --- Group activities and attendance --------------------------------------------------------


@role_required(*CASE_ROLES)
def activity_list(request, pk):
    """The team's group activities, and a form to schedule a new one."""
    from rehab.views import _get_team_for_user

    team = _get_team_for_user(request, pk)
    form = forms.ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, f"{activity} är inlagd.")
            return redirect("activity_detail", pk=activity.pk)
    activities = team.activities.annotate(
        present=Count("attendances", filter=Q(attendances__present=True)),
        recorded=Count("attendances"),
    ).order_by("-date", "-pk")
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("sida"))
    return render(request, "rehab/activity_list.html", {"team": team, "form": form, "page": page})


@role_required(*CASE_ROLES)
def activity_detail(request, pk):
    """Tick who attended: the team's participants enrolled on the activity's day."""
    activity = get_object_or_404(GroupActivity.objects.select_related("team"), pk=pk)
    if not get_access(request.user).is_member(activity.team_id):
        raise Http404
    if request.method == "POST":
        try:
            count = services.attendance_record(
                activity=activity, present_ids=request.POST.getlist("present"), by=request.user
            )
        except (ValidationError, ValueError) as e:
            messages.error(request, " ".join(getattr(e, "messages", [str(e)])))
        else:
            messages.success(request, f"Närvaron är sparad: {count} närvarande.")
            return redirect("activity_list", pk=activity.team_id)
    present = set(activity.attendances.filter(present=True).values_list("enrolment_id", flat=True))
    return render(
        request,
        "rehab/activity_detail.html",
        {
            "activity": activity,
            "enrolments": services.activity_participants(activity),
            "present": present,
            "can_record": activity.date <= timezone.localdate(),
        },
    )
