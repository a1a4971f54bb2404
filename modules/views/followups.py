"""Follow-up meetings and waiting lists."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from common.forms import apply_errors
from modules import forms, selectors, services
from modules.views._common import (
    CASE_ROLES,
    closed_redirect,
    enrolment_for,
    enrolment_page,
    enrolment_url,
    form_page,
    iso,
    triage_contact_for,
    waiting_entry_for,
)
from rehab.access import role_required


@role_required(*CASE_ROLES)
def followup_record(request, pk):
    enrolment = enrolment_for(request, pk)
    if closed := closed_redirect(request, enrolment):
        return closed
    form = forms.FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_record(
                enrolment=enrolment,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Uppföljningsmötet är registrerat.")
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Registrera uppföljningsmöte",
        submit="Registrera",
        facts=[("Deltagare", str(enrolment.participant))],
    )


@role_required(*CASE_ROLES)
def triage_contact_record(request, pk):
    contact = triage_contact_for(request, pk)
    enrolment = contact.placement.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    if contact.contacted_date is not None:
        messages.info(request, "Kontakten med En väg in är redan registrerad.")
        return redirect(enrolment_url(enrolment))
    form = forms.TriageContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.triage_contact_record(contact=contact, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Kontakten med En väg in är registrerad.")
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Registrera kontakt med En väg in",
        submit="Registrera",
        facts=[
            ("Deltagare", str(enrolment.participant)),
            ("Modul", str(contact.placement.module)),
            ("Anledning", contact.get_reason_display()),
            ("Kontakta senast", iso(contact.due_date)),
        ],
    )


@role_required(*CASE_ROLES)
def waiting_add(request, pk):
    enrolment = enrolment_for(request, pk)
    if closed := closed_redirect(request, enrolment):
        return closed
    form = forms.WaitingListForm(
        request.POST or None,
        modules=selectors.modules_for_teams([enrolment.team_id]),
        initial={"module": request.GET.get("modul")},
    )
    if request.method == "POST" and form.is_valid():
        module = form.cleaned_data["module"]
        try:
            services.waiting_list_add(enrolment=enrolment, module=module, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Deltagaren står nu på väntelistan till {module}.")
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Sätt på väntelista",
        submit="Sätt på väntelistan",
        facts=[("Deltagare", str(enrolment.participant))],
    )


@role_required(*CASE_ROLES)
def waiting_remove(request, pk):
    entry = waiting_entry_for(request, pk)
    enrolment = entry.enrolment
    if entry.removed_date is not None:
        messages.error(request, "Deltagaren står inte längre på väntelistan.")
        return redirect(enrolment_url(enrolment))
    if request.method == "POST":
        try:
            services.waiting_list_remove(entry=entry, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"Deltagaren är borttagen från väntelistan till {entry.module}."
            )
        return redirect(enrolment_url(enrolment))
    return enrolment_page(
        request,
        "modules/confirm.html",
        enrolment=enrolment,
        title="Ta bort från väntelista",
        facts=[
            ("Deltagare", str(enrolment.participant)),
            ("Modul", entry.module.name),
            ("På väntelistan sedan", iso(entry.added_date)),
        ],
        question=f"Vill du ta bort deltagaren från väntelistan till {entry.module}?",
        submit="Ta bort",
        danger=True,
    )
