"""The case work inside rehab: the team list, enrolment changes, action plan, journal,
deviations, exit follow-ups and group activities. Thin views: authorise, validate a form,
call one service, redirect. Pages that show a case across apps are in casework.views."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
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
    log_read,
    role_required,
    teams_for,
)
from rehab.models import Attendance, CaseMeeting, Goal, GroupActivity, Team

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


def _draft_from_post(request, enrolment):
    """Keep what the form holds as the user's draft: nothing is validated but the size."""
    try:
        date = datetime.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        date = None
    return services.note_draft_save(
        enrolment=enrolment,
        by=request.user,
        date=date,
        kind=request.POST.get("kind", ""),
        text=request.POST.get("text", ""),
    )


@role_required(*CASE_ROLES)
def note_create(request, pk):
    """A journal note. What is written is kept as a server-side draft (the "Spara utkast"
    button, or every few seconds by static/js/note-draft.js) and restored here; saving the note
    deletes the draft."""
    enrolment = get_enrolment_for_user(request, pk)
    draft = selectors.note_draft_of(enrolment, request.user)
    action = request.POST.get("utkast")
    if request.method == "POST" and action == "slang":
        services.note_draft_discard(enrolment=enrolment, by=request.user)
        messages.success(request, "Utkastet är slängt.")
        return redirect("note_create", pk=enrolment.pk)
    if request.method == "POST" and action == "spara":
        try:
            draft = _draft_from_post(request, enrolment)
        except ValidationError as e:
            form = forms.NoteForm(request.POST)
            apply_errors(form, e)
        else:
            messages.success(
                request,
                "Utkastet är sparat. Det finns kvar när du öppnar formuläret igen."
                if draft
                else "Det fanns ingen text att spara som utkast.",
            )
            return redirect("note_create", pk=enrolment.pk)
    elif request.method == "POST":
        form = forms.NoteForm(request.POST)
        if form.is_valid():
            try:
                services.note_create(enrolment=enrolment, by=request.user, **form.cleaned_data)
            except ValidationError as e:
                apply_errors(form, e)
            else:
                messages.success(request, "Anteckningen är sparad.")
                return redirect(enrolment)
    elif draft:
        form = forms.NoteForm(
            initial={
                "date": draft.date or timezone.localdate(),
                "kind": draft.kind,
                "text": draft.text,
            }
        )
    else:
        form = forms.NoteForm()
    return render(
        request,
        "rehab/note_form.html",
        {
            "form": form,
            "enrolment": enrolment,
            "draft": draft,
            "confirm_discard": bool(draft) and request.GET.get("slang") == "1",
        },
    )


@require_POST
@role_required(*CASE_ROLES)
def note_draft(request, pk):
    """The autosave of a journal note's draft (static/js/note-draft.js): JSON, no page."""
    enrolment = get_enrolment_for_user(request, pk)
    try:
        draft = _draft_from_post(request, enrolment)
    except ValidationError as e:
        return JsonResponse({"fel": " ".join(e.messages)}, status=400)
    if draft is None:
        return JsonResponse({"status": "Inget utkast (ingen text)."})
    saved = timezone.localtime(draft.updated_at)
    return JsonResponse({"status": f"Utkastet är sparat kl. {saved:%H:%M}."})


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
        present=Count("attendances", filter=Q(attendances__status=Attendance.Status.PRESENT)),
        notified=Count("attendances", filter=Q(attendances__status=Attendance.Status.NOTIFIED)),
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
    enrolments = services.activity_participants(activity)
    if request.method == "POST":
        chosen = {e.pk: request.POST.get(f"status-{e.pk}") for e in enrolments}
        try:
            count = services.attendance_record(
                activity=activity,
                present_ids=[pk for pk, s in chosen.items() if s == Attendance.Status.PRESENT],
                notified_ids=[pk for pk, s in chosen.items() if s == Attendance.Status.NOTIFIED],
                by=request.user,
            )
        except (ValidationError, ValueError) as e:
            messages.error(request, " ".join(getattr(e, "messages", [str(e)])))
        else:
            messages.success(request, f"Närvaron är sparad: {count} närvarande.")
            return redirect("activity_list", pk=activity.team_id)
    statuses = dict(activity.attendances.values_list("enrolment_id", "status"))
    for e in enrolments:
        e.attendance_status = statuses.get(e.pk, Attendance.Status.ABSENT)
    return render(
        request,
        "rehab/activity_detail.html",
        {
            "activity": activity,
            "enrolments": enrolments,
            "statuses": Attendance.Status.choices,
            "can_record": activity.date <= timezone.localdate(),
        },
    )


# --- Case meetings of a samverkansteam (SPEC §13 rule 11) -----------------------------------


def _get_meeting_for_user(request, pk) -> CaseMeeting:
    """A case meeting of one of the user's teams (a handledare or the unit manager); 404
    otherwise."""
    meeting = get_object_or_404(CaseMeeting.objects.select_related("team"), pk=pk)
    if not get_access(request.user).is_member(meeting.team_id):
        raise Http404
    return meeting


@role_required(*CASE_ROLES)
def case_meeting_list(request, pk):
    """The team's case meetings, newest first, with how many were discussed at each."""
    team = get_team_for_user(request, pk)
    meetings = team.case_meetings.annotate(discussed=Count("items")).order_by("-date", "-pk")
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("sida"))
    return render(request, "rehab/case_meeting_list.html", {"team": team, "page": page})


@role_required(*CASE_ROLES)
def case_meeting_detail(request, pk):
    """A meeting: its agencies and note, and the participants discussed (each read logged)."""
    meeting = _get_meeting_for_user(request, pk)
    items = list(meeting.items.select_related("enrolment__participant").order_by("pk"))
    for item in items:
        log_read(
            request,
            participant_id=item.enrolment.participant_id,
            object_type="casemeetingitem",
            object_id=item.pk,
        )
    return render(request, "rehab/case_meeting_detail.html", {"meeting": meeting, "items": items})


def _meeting_form_page(request, team, meeting=None):
    """The form to record (meeting None) or change a case meeting, with rows of participants
    discussed: the team's participants enrolled now or within the last year, and those the
    meeting already lists."""
    known = [] if meeting is None else list(meeting.items.values_list("enrolment_id", flat=True))
    enrolments = selectors.case_meeting_enrolments(team, include=known)
    if meeting is None:
        initial, rows, extra = {}, [], 4
    else:
        initial = {"date": meeting.date, "agencies": meeting.agencies, "note": meeting.note}
        rows = [
            {"enrolment": i.enrolment_id, "note": i.note} for i in meeting.items.order_by("pk")
        ]
        extra = 2
    form = forms.CaseMeetingForm(request.POST or None, initial=initial)
    items = forms.case_meeting_items_formset(extra)(
        request.POST or None, initial=rows, enrolments=enrolments, prefix="deltagare"
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = {**form.cleaned_data, "items": items.discussed(), "by": request.user}
        try:
            if meeting is None:
                meeting = services.case_meeting_create(team=team, **data)
            else:
                meeting = services.case_meeting_update(meeting=meeting, **data)
        except ValidationError as e:
            item_errors = e.error_dict.pop("items", None) if hasattr(e, "error_dict") else None
            if item_errors:
                items._non_form_errors = items.error_class(
                    [m for error in item_errors for m in error.messages]
                )
            if not hasattr(e, "error_dict") or e.error_dict:
                apply_errors(form, e)
        else:
            messages.success(request, f"{meeting} är sparat.")
            return redirect("case_meeting_detail", pk=meeting.pk)
    return render(
        request,
        "rehab/case_meeting_form.html",
        {"team": team, "meeting": meeting, "form": form, "items": items},
    )


@role_required(*CASE_ROLES)
def case_meeting_create(request, pk):
    team = get_team_for_user(request, pk)
    if not team.has_case_meetings:
        messages.error(request, "Teamet har inga ärendemöten.")
        return redirect("team_detail", pk=team.pk)
    return _meeting_form_page(request, team)


@role_required(*CASE_ROLES)
def case_meeting_update(request, pk):
    meeting = _get_meeting_for_user(request, pk)
    return _meeting_form_page(request, meeting.team, meeting)


@role_required(*CASE_ROLES)
def case_meeting_delete(request, pk):
    """Confirm, then delete a case meeting and who was discussed at it."""
    meeting = _get_meeting_for_user(request, pk)
    if request.method == "POST":
        team_id = meeting.team_id
        services.case_meeting_delete(meeting=meeting, by=request.user)
        messages.success(request, f"{meeting} är borttaget.")
        return redirect("case_meeting_list", pk=team_id)
    return render(
        request,
        "rehab/case_meeting_delete.html",
        {"meeting": meeting, "discussed": meeting.items.count()},
    )
