"""3-party reviews (trepartsmöten): booking, recording with a decision, cancelling."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from common.forms import apply_errors
from modules import forms, selectors, services
from modules.models import Placement, Review
from modules.views._common import (
    CASE_ROLES,
    closed_redirect,
    enrolment_page,
    enrolment_url,
    flash_rule_notes,
    form_page,
    iso,
    placement_facts,
    placement_for,
    review_for,
)
from rehab.access import role_required


@role_required(*CASE_ROLES)
def review_book(request, pk):
    placement = placement_for(request, pk)
    enrolment = placement.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    form = forms.ReviewBookForm(
        request.POST or None, initial={"planned_date": placement.next_review_due}
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_book(
                placement=placement,
                planned_date=form.cleaned_data["planned_date"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Trepartsmötet är bokat {iso(review.planned_date)}.")
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Boka trepartsmöte",
        submit="Boka",
        intro="Deltagaren, ordinarie handläggare och modulpersonal utvärderar placeringen.",
        facts=placement_facts(placement),
    )


def _record_review(request, placement, review=None):
    enrolment = placement.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    if placement.end_date is not None:
        messages.error(request, "Placeringen är avslutad.")
        return redirect(enrolment_url(enrolment))
    modules = selectors.modules_for_teams([enrolment.team_id]).exclude(pk=placement.module_id)
    form = forms.ReviewRecordForm(
        request.POST or None,
        modules=modules,
        initial_date=review.planned_date if review is not None else None,
    )
    waiting_offer = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = services.review_record(
                placement=placement,
                review=review,
                held_date=data["held_date"],
                decision=data["decision"],
                attended_participant=data["attended_participant"],
                attended_case_officer=data["attended_case_officer"],
                attended_staff=data["attended_staff"],
                goals_evaluated=data["goals_evaluated"],
                target_module=data.get("target_module"),
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
            if getattr(error, "code", None) == services.MODULE_FULL:
                waiting_offer = data.get("target_module")
        else:
            messages.success(request, _review_message(recorded, data))
            flash_rule_notes(request, getattr(recorded, "new_placement", None) or placement)
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Registrera trepartsmöte",
        submit="Registrera",
        intro=(
            "Förläng flyttar nästa utvärdering en förlängningsperiod framåt. Byt modul "
            "avslutar placeringen på mötesdagen och startar den nya samma dag. Avsluta "
            "avslutar placeringen; inskrivningen avslutas separat på deltagarens sida."
        ),
        facts=placement_facts(placement),
        waiting_offer=waiting_offer,
    )


def _review_message(review, data):
    decision = review.decision
    if decision == Review.Decision.EXTEND:
        due = Placement.objects.get(pk=review.placement_id).next_review_due
        return f"Trepartsmötet är registrerat och placeringen förlängd till {iso(due)}."
    if decision == Review.Decision.MOVE:
        return (
            f"Trepartsmötet är registrerat. Deltagaren har bytt till {data['target_module']} "
            f"från {iso(review.held_date)}."
        )
    return (
        "Trepartsmötet är registrerat och placeringen avslutad. Ska deltagaren skrivas ut "
        "registreras avslutet på deltagarens sida."
    )


@role_required(*CASE_ROLES)
def review_record(request, pk):
    return _record_review(request, placement_for(request, pk))


@role_required(*CASE_ROLES)
def review_protocol(request, pk):
    """The 3-party meeting's protocol to print and sign: booked (blank lines to fill in) or
    held (what was recorded)."""
    review = review_for(request, pk)
    enrolment = review.placement.enrolment
    goals = (
        enrolment.goals.filter(parent__isnull=True)
        .exclude(status="dropped")
        .prefetch_related("subgoals")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "modules/review_protocol.html",
        {
            "review": review,
            "placement": review.placement,
            "enrolment": enrolment,
            "goals": goals,
            "decisions": Review.Decision.choices,
        },
    )


@role_required(*CASE_ROLES)
def review_record_booked(request, pk):
    review = review_for(request, pk)
    if review.held_date is not None:
        messages.error(request, "Mötet är redan registrerat.")
        return redirect(enrolment_url(review.placement.enrolment))
    return _record_review(request, review.placement, review)


@role_required(*CASE_ROLES)
def review_cancel(request, pk):
    review = review_for(request, pk)
    enrolment = review.placement.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    if review.held_date is not None:
        messages.error(request, "Mötet har redan hållits och kan inte avbokas.")
        return redirect(enrolment_url(enrolment))
    if request.method == "POST":
        try:
            services.review_cancel(review=review, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Trepartsmötet {iso(review.planned_date)} är avbokat.")
        return redirect(enrolment_url(enrolment))
    return enrolment_page(
        request,
        "modules/confirm.html",
        enrolment=enrolment,
        title="Avboka trepartsmöte",
        facts=[
            *placement_facts(review.placement),
            ("Bokat", iso(review.planned_date)),
        ],
        question=f"Vill du avboka trepartsmötet {iso(review.planned_date)}?",
        submit="Avboka",
        danger=True,
    )
