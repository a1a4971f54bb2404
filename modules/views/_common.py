"""What the module views share: access helpers that 404 for what the user may not see,
and the form and confirmation pages about one enrolment."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from modules.models import Placement, Review, TriageContact, WaitingListEntry
from rehab.access import (
    ADMIN,
    HANDLEDARE,
    get_access,
    get_enrolment_for_user,
    log_read,
)

CASE_ROLES = (HANDLEDARE, ADMIN)
PAGE_SIZE = 50
FEED_URL_SESSION_KEY = "modules_calendar_feed_url"


def iso(value):
    return value.isoformat()


def flash_rule_notes(request, placement) -> None:
    """After a placement or extension: the soft rules it broke (SPEC §13 rule 2) and a new
    deadline to contact the triage team (rule 3), where the user acts."""
    for warning in getattr(placement, "warnings", ()):
        messages.warning(request, warning)
    contact = placement.triage_contacts.filter(contacted_date__isnull=True).order_by("-pk").first()
    if contact is not None:
        reason = contact.get_reason_display().lower()
        messages.info(
            request,
            f"Kontakta En väg in senast {iso(contact.due_date)} ({reason}); fristen finns under "
            "Frister tills kontakten är registrerad.",
        )


def enrolment_for(request, pk):
    return get_enrolment_for_user(request, pk, *CASE_ROLES)


def enrolment_url(enrolment):
    return reverse("modules:enrolment", args=[enrolment.pk])


def participant_url(participant):
    return reverse("participant_detail", args=[participant.pk])


def placement_for(request, pk):
    placement = (
        Placement.objects.select_related(
            "module", "enrolment", "enrolment__participant", "enrolment__team"
        )
        .filter(pk=pk, enrolment__team_id__in=get_access(request.user).team_ids(*CASE_ROLES))
        .first()
    )
    if placement is None:
        raise Http404
    log_read(
        request,
        participant_id=placement.enrolment.participant_id,
        object_type="placement",
        object_id=placement.pk,
    )
    return placement


def triage_contact_for(request, pk):
    contact = (
        TriageContact.objects.select_related(
            "placement__module", "placement__enrolment__participant", "placement__enrolment__team"
        )
        .filter(
            pk=pk,
            placement__enrolment__team_id__in=get_access(request.user).team_ids(*CASE_ROLES),
        )
        .first()
    )
    if contact is None:
        raise Http404
    log_read(
        request,
        participant_id=contact.placement.enrolment.participant_id,
        object_type="triage_contact",
        object_id=contact.pk,
    )
    return contact


def review_for(request, pk):
    review = (
        Review.objects.select_related(
            "placement",
            "placement__module",
            "placement__enrolment",
            "placement__enrolment__participant",
            "placement__enrolment__team",
        )
        .filter(
            pk=pk,
            placement__enrolment__team_id__in=get_access(request.user).team_ids(*CASE_ROLES),
        )
        .first()
    )
    if review is None:
        raise Http404
    log_read(
        request,
        participant_id=review.placement.enrolment.participant_id,
        object_type="review",
        object_id=review.pk,
    )
    return review


def waiting_entry_for(request, pk):
    entry = (
        WaitingListEntry.objects.select_related(
            "module", "enrolment", "enrolment__participant", "enrolment__team"
        )
        .filter(pk=pk, enrolment__team_id__in=get_access(request.user).team_ids(*CASE_ROLES))
        .first()
    )
    if entry is None:
        raise Http404
    log_read(
        request,
        participant_id=entry.enrolment.participant_id,
        object_type="waitinglistentry",
        object_id=entry.pk,
    )
    return entry


def closed_redirect(request, enrolment):
    """A redirect back with a message when the enrolment can no longer be changed."""
    if enrolment.is_active:
        return None
    messages.error(
        request, "Inskrivningen är avslutad eller felregistrerad och kan inte längre ändras."
    )
    return redirect(enrolment_url(enrolment))


def form_page(request, *, enrolment, form, title, submit, intro="", facts=(), **extra):
    return enrolment_page(
        request,
        "modules/form.html",
        enrolment=enrolment,
        form=form,
        title=title,
        submit=submit,
        intro=intro,
        facts=facts,
        **extra,
    )


def enrolment_page(request, template, *, enrolment, **context):
    """A form or confirmation page about one enrolment, with the way back to it."""
    return render(
        request,
        template,
        {
            "enrolment": enrolment,
            "participant_url": participant_url(enrolment.participant),
            "cancel_url": enrolment_url(enrolment),
            **context,
        },
    )


def placement_facts(placement):
    return [
        ("Deltagare", str(placement.enrolment.participant)),
        ("Modul", placement.module.name),
        ("Startdatum", iso(placement.start_date)),
        ("Nästa utvärdering senast", iso(placement.next_review_due)),
    ]
