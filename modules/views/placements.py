"""One enrolment's module page; placing, extending and ending placements."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from common.forms import apply_errors
from modules import forms, selectors, services
from modules.views._common import (
    CASE_ROLES,
    closed_redirect,
    enrolment_for,
    enrolment_page,
    enrolment_url,
    flash_rule_notes,
    form_page,
    iso,
    participant_url,
    placement_facts,
    placement_for,
)
from rehab.access import get_access, role_required


@role_required(*CASE_ROLES)
def enrolment_detail(request, pk):
    enrolment = enrolment_for(request, pk)
    # The read is in the access log (rehab.access.get_enrolment_for_user).
    summary = selectors.enrolment_modules(enrolment, today=timezone.localdate())
    return render(
        request,
        "modules/enrolment.html",
        {
            "enrolment": enrolment,
            "summary": summary,
            "participant_url": participant_url(enrolment.participant),
            "is_admin": get_access(request.user).is_admin_of(enrolment.team_id),
        },
    )


@role_required(*CASE_ROLES)
def placement_create(request, pk):
    enrolment = enrolment_for(request, pk)
    if closed := closed_redirect(request, enrolment):
        return closed
    form = forms.PlacementForm(
        request.POST or None, modules=selectors.modules_for_teams([enrolment.team_id])
    )
    waiting_offer = None
    if request.method == "POST" and form.is_valid():
        module = form.cleaned_data["module"]
        try:
            placement = services.placement_create(
                enrolment=enrolment,
                module=module,
                start_date=form.cleaned_data["start_date"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
            if getattr(error, "code", None) == services.MODULE_FULL:
                waiting_offer = module
        else:
            messages.success(
                request,
                f"Deltagaren är placerad i {module} från {iso(placement.start_date)}. "
                f"Första utvärderingen ska hållas senast {iso(placement.next_review_due)}.",
            )
            flash_rule_notes(request, placement)
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Placera i modul",
        submit="Placera",
        intro=(
            "Första utvärderingen (trepartsmötet) blir senast startdatum plus modulens första "
            "period."
        ),
        waiting_offer=waiting_offer,
    )


@role_required(*CASE_ROLES)
def placement_extend(request, pk):
    placement = placement_for(request, pk)
    enrolment = placement.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    if placement.end_date is not None:
        messages.error(request, "Placeringen är avslutad och kan inte förlängas.")
        return redirect(enrolment_url(enrolment))
    preview = selectors.extension_preview(placement)
    if request.method == "POST":
        try:
            placement = services.placement_extend(placement=placement, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Placeringen i {placement.module} är förlängd. Nästa utvärdering ska hållas "
                f"senast {iso(placement.next_review_due)}.",
            )
            flash_rule_notes(request, placement)
        return redirect(enrolment_url(enrolment))
    return enrolment_page(
        request,
        "modules/confirm.html",
        enrolment=enrolment,
        title=f"Förläng placeringen i {placement.module}",
        facts=[
            *placement_facts(placement),
            ("Förlängningar hittills", str(placement.extensions)),
        ],
        question=(f"Nästa utvärdering flyttas till {iso(preview.due)}." if preview else ""),
        refusal="" if preview else preview.reason,
        submit="Förläng",
    )


@role_required(*CASE_ROLES)
def placement_end(request, pk):
    placement = placement_for(request, pk)
    enrolment = placement.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    if placement.end_date is not None:
        messages.error(request, "Placeringen är redan avslutad.")
        return redirect(enrolment_url(enrolment))
    form = forms.PlacementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_end(
                placement=placement, end_date=form.cleaned_data["end_date"], by=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Placeringen i {placement.module} är avslutad.")
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title=f"Avsluta placeringen i {placement.module}",
        submit="Avsluta placeringen",
        danger=True,
        intro=(
            "Avsluta placeringen utan trepartsmöte, t.ex. om deltagaren har slutat komma. "
            "Inskrivningen fortsätter; ett avslut av inskrivningen registreras på "
            "deltagarens sida."
        ),
        facts=placement_facts(placement),
    )
