"""The pages that show one case across apps: the caseload, the participant (with their
referrals and module placements), enrolling (from a referral too), exit and registered in
error (which end placements and consent), and a team's page with its modules."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from casework import selectors
from casework import services as casework_services
from common import conflicts
from common.forms import apply_errors
from modules.selectors import (
    enrolment_module_context,
    enrolments_modules,
    modules_with_occupancy,
    team_places,
)
from referrals.access import get_participant_for_user, participants_for
from referrals.models import Referral
from referrals.selectors import participant_referral_context
from rehab import forms, freshness, services
from rehab import selectors as rehab_selectors
from rehab.access import (
    ADMIN,
    HANDLEDARE,
    get_access,
    get_enrolment_for_user,
    get_team_for_user,
    role_required,
)
from rehab.models import Enrolment, Kommun
from rehab.services import ExitData
from rehab.views import CASE_ROLES, PAGE_SIZE, SEARCH_SESSION_KEY, admin_reason_action, case_teams

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
    filters, results, can_register, active = _caseload_parts(request.user, request.GET, q)
    return render(
        request,
        "rehab/caseload.html",
        {
            "filters": filters,
            "results": results,
            "q": q,
            # EVI (triage) members work with referrals only: no registering from here.
            "can_register": can_register,
            **active,
        },
    )


# The caseload's sortable columns: sort key and header, in table order.
CASELOAD_SORT_HEADERS = {
    "name": "Namn",
    "team": "Team",
    "module": "Modul",
    "review": "Nästa utvärdering",
    "start": "Start",
    "status": "Status",
}
STATUS_LABELS = {
    "active": "aktiva inskrivningar",
    "exited": "avslutade inskrivningar",
    "all": "alla inskrivningar",
}


def _url_without(query, *names, **changes):
    """The caseload's URL with the query string less `names` and the page, plus `changes`."""
    rest = query.copy()
    for name in (*names, "sida"):
        rest.pop(name, None)
    for name, value in changes.items():
        rest[name] = value
    encoded = rest.urlencode()
    return reverse("caseload") + (f"?{encoded}" if encoded else "")


def _active_filters(query, params, filters, q):
    """What the list is filtered by, in Swedish, each with the URL of the list without it;
    the search has none (it is posted and kept in the session, never put in a URL)."""
    status = params.get("status") or "active"
    # Without the status filter is every status; "all" is no filter to remove.
    status_url = _url_without(query, "status", status="all") if status != "all" else None
    active = [{"label": STATUS_LABELS[status], "url": status_url}]
    if params.get("team") is not None:
        active.append({"label": f"team {params['team'].name}", "url": _url_without(query, "team")})
    if params.get("module"):
        label = dict(filters.fields["module"].choices).get(params["module"], "")
        active.append({"label": f"modul {label}", "url": _url_without(query, "module")})
    if params.get("mine"):
        active.append({"label": "där jag är ansvarig", "url": _url_without(query, "mine")})
    if q:
        active.append({"label": f"sökning ”{q}”", "url": None, "search": True})
    # Anything other than the default (active enrolments, no search): what "Rensa alla" clears.
    narrowed = status != "active" or len(active) > 1
    sort = params.get("sort")
    clear_url = reverse("caseload") + (f"?sort={sort}" if sort else "")
    return {"active_filters": active, "filters_narrowed": narrowed, "clear_url": clear_url}


def _sort_headers(query, sort):
    """Each sortable column: its link (the other direction when it is the sorted one) and its
    aria-sort value."""
    headers = {}
    for key, label in CASELOAD_SORT_HEADERS.items():
        aria = None
        target = key
        if sort == key:
            aria, target = "ascending", f"-{key}"
        elif sort == f"-{key}":
            aria = "descending"
        headers[key] = {
            "label": label,
            "aria_sort": aria,
            "url": _url_without(query, "sort", sort=target),
        }
    return headers


def _caseload_parts(user, query, q):
    """The filter form and the result list as HTML, whether the user may register
    participants, and the active filters, cached per user, query string, search and the data
    versions of the user's teams: a write to their data makes them stale
    (rehab/freshness.py). The filters are validated against the user's own teams and modules
    inside, as without the cache."""
    today = timezone.localdate()

    def render_parts():
        choices = selectors.caseload_choices(user)
        filters = forms.CaseloadFilterForm(
            query or None, teams=choices.teams, modules=choices.modules
        )
        params = filters.cleaned_data if filters.is_valid() else {}
        status = params.get("status") or "active"
        sort = params.get("sort") or "name"
        criteria = {
            "user": user,
            "team": params.get("team"),
            "module_id": params.get("module") or None,
            "mine": params.get("mine", False),
            "q": q,
        }
        enrolments = selectors.caseload(status=status, sort=sort, **criteria)
        page = selectors.caseload_page(enrolments, PAGE_SIZE, query.get("sida"))
        querystring = query.copy()
        querystring.pop("sida", None)
        active = _active_filters(query, params, filters, q)
        # An empty list because of the status filter: how many the other statuses hold. Only
        # counted when the page is empty, so a list with rows costs no extra query.
        other_statuses = None
        if not page.object_list and status != "all":
            other_statuses = selectors.caseload(status="all", **criteria).count()
        # render_to_string gives SafeStrings, and the cache keeps their type.
        return (
            render_to_string("rehab/_caseload_filters.html", {"filters": filters}),
            render_to_string(
                "rehab/_caseload_results.html",
                {
                    "page": page,
                    "q": q,
                    "querystring": querystring.urlencode(),
                    "headers": _sort_headers(query, sort),
                    "status": status,
                    "other_statuses": other_statuses,
                    "all_statuses_url": _url_without(query, "status", status="all"),
                    **active,
                    # The cache key's day: a cached list is never a day behind.
                    "today": today,
                },
            ),
            choices.can_register,
            active,
        )

    # The user's roles per team are part of the key: a list computed from roles read before a
    # membership changed can never answer a request made after it.
    roles = sorted(get_access(user).team_roles.items())
    parts = (user.pk, roles, sorted(query.lists()), q, today)
    # The list shows enrolments of the user's teams only: a write elsewhere leaves it cached.
    teams = [team_id for team_id, _role in roles] or None
    return freshness.cached("caseload", parts, render_parts, teams=teams)


def _home_kommuner(request):
    """The kommuner the user's case teams serve, listed first where a kommun is chosen."""
    return Kommun.objects.filter(teams__in=case_teams(request.user)).distinct()


@role_required(*CASE_ROLES)
def participant_create(request):
    if not case_teams(request.user).exists():
        raise PermissionDenied("Du är inte medlem i något team som skriver in deltagare.")
    referral_id = request.GET.get("remiss", "")
    form = forms.ParticipantForm(request.POST or None, home_kommuner=_home_kommuner(request))
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
            apply_errors(form, e)
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
    if not case_teams(request.user).exists():
        raise PermissionDenied("Du är inte medlem i något team som skriver in deltagare.")
    form = forms.AnonymousParticipantForm(
        request.POST or None, home_kommuner=_home_kommuner(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_create_anonymous(
                by=request.user, **form.cleaned_data
            )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, "Den anonyma deltagaren är registrerad.")
            return redirect(reverse("enrolment_create") + f"?deltagare={participant.pk}")
    return render(request, "rehab/participant_anonymous_form.html", {"form": form})


@role_required(*CASE_ROLES)
def participant_detail(request, pk):
    participant = get_participant_for_user(request, pk)
    enrolments = rehab_selectors.participant_enrolments(participant, request.user)
    context = {
        "participant": participant,
        "enrolments": enrolments,
        "can_enrol": _teams_open_to(participant, request.user).exists(),
    }
    context.update(_partials_context(participant, enrolments, request.user))
    return render(request, "rehab/participant_detail.html", context)


def _partials_context(participant, enrolments, user):
    """What the other apps' partials on the participant page need."""
    # All enrolments' module summaries in one batch: a fixed number of queries.
    summaries = enrolments_modules(enrolments, today=timezone.localdate())
    for enrolment in enrolments:
        enrolment.modules = enrolment_module_context(enrolment, user, summaries[enrolment.pk])
        # The summary's "not reported" deviations, from the deviations already prefetched.
        enrolment.open_deviations = sum(1 for d in enrolment.all_deviations if not d.reported_at)
    context = participant_referral_context(participant, user)
    context["has_active"] = any(e.is_active for e in enrolments)
    return context


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
            home_kommuner=_home_kommuner(request),
        )
        form.fields["birth_year"].disabled = True
    else:
        form = forms.ParticipantForm(
            request.POST or None,
            instance=participant,
            with_personnummer=False,
            home_kommuner=_home_kommuner(request),
        )
    conflicts.protect(form, participant)
    saved, changes = conflicts.save_edit(
        request,
        form,
        participant,
        lambda data: services.participant_update(participant=participant, by=request.user, **data),
        success="Uppgifterna är sparade.",
    )
    if saved:
        return saved
    return render(
        request,
        "rehab/participant_form.html",
        {
            "form": form,
            "participant": participant,
            "title": f"Ändra {participant}",
            "conflict_changes": changes,
        },
    )


def _referral_for(request, referral_id):
    if not referral_id or not str(referral_id).isdigit():
        return None
    team_ids = get_access(request.user).team_ids()
    return Referral.objects.filter(
        Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids),
        pk=referral_id,
        status__in=["accepted", "queued"],
    ).first()


def _teams_open_to(participant, user):
    """The user's rehab teams in which the participant has no enrolment in progress."""
    enrolled = Enrolment.objects.active().filter(participant=participant).values("team")
    return case_teams(user).exclude(pk__in=enrolled)


@role_required(*CASE_ROLES)
def enrolment_create(request):
    teams = case_teams(request.user)
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
    teams = _teams_open_to(participant, request.user)
    if not teams.exists():
        messages.error(
            request,
            f"{participant} har redan en pågående inskrivning i alla team där du kan skriva in.",
        )
        return redirect(participant)
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
            enrolment = casework_services.enrolment_create(
                participant=participant,
                team=team,
                start_date=start_date,
                by=request.user,
                referral=referral,
                **data,
            )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, f"{participant} är inskriven i {team}.")
            for warning in enrolment.warnings:
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
def enrolment_exit(request, pk):
    enrolment = get_enrolment_for_user(request, pk)
    if not enrolment.is_active:
        messages.error(request, "Inskrivningen är redan avslutad.")
        return redirect(enrolment)
    form = forms.ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = casework_services.enrolment_exit(
                enrolment=enrolment,
                data=ExitData(
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
            apply_errors(form, e)
        else:
            messages.success(
                request, "Avslutet är registrerat. Placeringar och samtycke har avslutats."
            )
            for warning in enrolment.warnings:
                messages.warning(request, warning)
            return redirect(enrolment)
    return render(
        request,
        "rehab/exit_form.html",
        {
            "form": form,
            "enrolment": enrolment,
            "evaluation": rehab_selectors.exit_evaluation_of(enrolment),
            "goals": enrolment.goals.exclude(status="dropped").order_by("created_at", "pk"),
        },
    )


@role_required(ADMIN)
def enrolment_mark_error(request, pk):
    return admin_reason_action(
        request,
        pk,
        service=casework_services.enrolment_mark_error,
        title="Markera som felregistrerad",
        intro="En felregistrerad inskrivning försvinner ur all statistik. Skälet sparas i loggen.",
        success="Inskrivningen är markerad som felregistrerad.",
        button="Markera som felregistrerad",
    )


# --- Team -----------------------------------------------------------------------------------


@role_required(ADMIN, HANDLEDARE)
def team_detail(request, pk):
    team = get_team_for_user(request, pk)
    access = get_access(request.user)
    # Places per kommun are counts of a few people: exact, so for the team's own staff only.
    case_staff = team.pk in access.team_ids(HANDLEDARE, ADMIN)
    return render(
        request,
        "rehab/team_detail.html",
        {
            "team": team,
            "places": team_places(team, day=timezone.localdate()) if case_staff else None,
            "modules": modules_with_occupancy(team),
            "members": rehab_selectors.team_members(team),
            "kommuner": team.kommuner.all(),
            "methods": team.methods.all(),
            "is_admin": get_access(request.user).is_admin_of(team.pk),
        },
    )
