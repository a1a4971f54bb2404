"""Management approvals (ledningsgruppsbeslut): request, list, decide."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from common.forms import apply_errors
from modules import forms, selectors, services
from modules.models import ManagementApproval
from modules.views._common import (
    CASE_ROLES,
    PAGE_SIZE,
    closed_redirect,
    enrolment_for,
    enrolment_url,
    form_page,
    iso,
)
from rehab.access import ADMIN, role_required


@role_required(*CASE_ROLES)
def approval_request(request, pk):
    enrolment = enrolment_for(request, pk)
    if closed := closed_redirect(request, enrolment):
        return closed
    form = forms.ApprovalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_request(
                enrolment=enrolment,
                requested_date=form.cleaned_data["requested_date"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, "Ärendet till ledningsgruppen är registrerat och väntar på beslut."
            )
            return redirect(enrolment_url(enrolment))
    frame = selectors.frame_facts(enrolment)
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Begär ledningsgruppsbeslut",
        submit="Registrera begäran",
        intro=(
            "Allt som går utöver ramtiden kräver ett godkänt beslut av ledningsgruppen. "
            "Ärendet ska skickas senast två månader innan ramtiden tar slut."
        ),
        facts=[
            ("Deltagare", str(enrolment.participant)),
            ("Inskriven från", iso(enrolment.start_date)),
            ("Ramtiden slutar", iso(frame["frame_end"])),
            ("Ärendet ska skickas senast", iso(frame["approval_due"])),
        ],
    )


@role_required(*CASE_ROLES)
def approval_list(request):
    approvals = selectors.pending_approvals_for_user(request.user)
    page = Paginator(approvals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "modules/approval_list.html",
        {"page": page, "admin_team_ids": set(selectors.admin_team_ids(request.user))},
    )


@role_required(ADMIN)
def approval_decide(request, pk):
    approval = selectors.get_approval_for_user(request.user, pk, ADMIN)
    if approval is None:
        raise Http404
    enrolment = approval.enrolment
    if closed := closed_redirect(request, enrolment):
        return closed
    if approval.status != ManagementApproval.Status.PENDING:
        messages.error(request, "Begäran är redan beslutad.")
        return redirect(enrolment_url(enrolment))
    form = forms.ApprovalDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        approve = data["decision"] == form.APPROVE
        try:
            services.approval_decide(
                approval=approval,
                approve=approve,
                decided_date=data["decided_date"],
                approved_until=data["approved_until"] if approve else None,
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                (
                    f"Ledningsgruppsbeslutet är registrerat: godkänt till och med "
                    f"{iso(data['approved_until'])}."
                )
                if approve
                else "Ledningsgruppsbeslutet är registrerat: avslaget.",
            )
            return redirect(enrolment_url(enrolment))
    frame = selectors.frame_facts(enrolment)
    return form_page(
        request,
        enrolment=enrolment,
        form=form,
        title="Registrera ledningsgruppens beslut",
        submit="Registrera beslutet",
        facts=[
            ("Deltagare", str(enrolment.participant)),
            ("Inskriven från", iso(enrolment.start_date)),
            ("Ramtiden slutar", iso(frame["frame_end"])),
            ("Begärt", iso(approval.requested_date)),
        ],
    )
