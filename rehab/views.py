"""The case work inside rehab: the team list, enrolment changes, action plan, journal,
deviations, exit follow-ups and group activities. Thin views: authorise, validate a form,
call one service, redirect. Pages that show a case across apps are in casework.views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common import conflicts
from common.forms import apply_errors
from rehab import forms, selectors, services
from rehab.access import (
    ADMIN,
    HANDLEDARE,
    get_access,
    get_enrolment_for_user,
    get_team_for_user,
    role_required,
    teams_for,
)
from rehab.models import Goal, GroupActivity, Team

CASE_ROLES = (HANDLEDARE, ADMIN)
SEARCH_SESSION_KEY = "caseload_q"
PAGE_SIZE = 25


def case_teams(user):
    """The teams in which the user may register participants: rehab teams, not triage."""
    return teams_for(user).filter(kind=Team.Kind.REHAB)


# --- Teams ----------------------------------------------------------------------------------


@role_required(ADMIN, HANDLEDARE)
def team_list(request):
    access = get_access(request.user)
    teams = selectors.team_summaries(access.team_ids())
    return render(request, "rehab/team_list.html", {"teams": teams})


# --- Enrolment ------------------------------------------------------------------------------


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
    derive = {"income_start": lambda e: e.income_start_list}
    conflicts.protect(form, enrolment, derive)
    saved, changes = conflicts.save_edit(
        request,
        form,
        enrolment,
        lambda data: services.enrolment_update(enrolment=enrolment, by=request.user, **data),
        success="Inskrivningen är sparad.",
        derive=derive,
    )
    if saved:
        return saved
    return render(
        request,
        "rehab/enrolment_form.html",
        {
            "form": form,
            "participant": enrolment.participant,
            "enrolment": enrolment,
            "title": f"Ändra inskrivningen i {enrolment.team}",
            "conflict_changes": changes,
        },
    )


def admin_reason_action(request, pk, *, service, title, intro, success, button):
    """An admin-only correction with a confirmation page and a logged reason."""
    enrolment = get_enrolment_for_user(request, pk, ADMIN)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(enrolment=enrolment, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as e:
            apply_errors(form, e)
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
    return admin_reason_action(
        request,
        pk,
        service=services.enrolment_undo_exit,
        title="Ångra avslut",
        intro="Avslutet tas bort och inskrivningen blir pågående igen. Placeringar och "
        "samtycke öppnas inte automatiskt. Skälet sparas i loggen.",
        success="Avslutet är ångrat.",
        button="Ångra avslutet",
    )


# --- Action plan, journal, deviations -------------------------------------------------------


def _simple_form_view(request, enrolment, form, *, save, template, title, success):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, success)
            return redirect(enrolment)
    return render(request, template, {"form": form, "enrolment": enrolment, "title": title})


@role_required(*CASE_ROLES)
def exit_evaluation(request, pk):
    """SPEC §13 rule 9: record (or correct) the evaluation meeting before the exit."""
    enrolment = get_enrolment_for_user(request, pk)
    if not enrolment.is_active:
        messages.error(request, "Inskrivningen är avslutad; utvärderingen kan inte ändras.")
        return redirect(enrolment)
    goals = enrolment.goals.exclude(status=Goal.Status.DROPPED).order_by("created_at", "pk")
    evaluation = selectors.exit_evaluation_of(enrolment)
    form = forms.ExitEvaluationForm(request.POST or None, goals=goals, evaluation=evaluation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.exit_evaluation_record(
                enrolment=enrolment,
                held_date=data["held_date"],
                outcomes=form.outcomes(),
                with_participant=data["with_participant"],
                with_case_officer=data["with_case_officer"],
                with_handledare=data["with_handledare"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, "Utvärderingsmötet och målens utfall är sparade.")
            if request.GET.get("fran") == "avslut":
                return redirect("enrolment_exit", pk=enrolment.pk)
            return redirect(enrolment)
    return render(
        request,
        "rehab/exit_evaluation_form.html",
        {"form": form, "enrolment": enrolment, "evaluation": evaluation},
    )


@role_required(*CASE_ROLES)
def action_plan_print(request, pk):
    """The action plan for the participant, in easy Swedish, to print and hand over."""
    enrolment = get_enrolment_for_user(request, pk)
    goals = (
        enrolment.goals.filter(parent__isnull=True)
        .exclude(status=Goal.Status.DROPPED)
        .prefetch_related("subgoals")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "rehab/action_plan_print.html",
        {"enrolment": enrolment, "goals": goals, "today": timezone.localdate()},
    )


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
    if request.POST.get("shown") != goal.status:
        messages.error(
            request,
            f"Någon annan har ändrat målets status till {goal.get_status_display().lower()} "
            "medan du hade sidan öppen. Inget är ändrat; välj igen om det ska vara något annat.",
        )
    elif form.is_valid():
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
    if request.POST.get("shown") != enrolment.phase:
        messages.error(
            request,
            f"Någon annan har ändrat fasen till {enrolment.get_phase_display().lower()} medan "
            "du hade sidan öppen. Inget är ändrat; välj igen om det ska vara en annan fas.",
        )
    elif form.is_valid() and enrolment.is_active:
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
    team = get_team_for_user(request, pk)
    form = forms.ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_errors(form, e)
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
