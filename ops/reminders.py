"""The daily reminder e-mail to each handledare: how many of their deadlines are overdue and
how many are coming (SPEC §7 deadlines, the start page's list), and a link to the deadlines
page. Counts only: no name, personnummer, team or date of any participant goes into an e-mail,
which leaves the system's protection once sent.

Sent to active users with an e-mail address who are handledare in an active team and have not
turned the reminder off under Mitt konto; a user with no deadline gets no e-mail."""

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from accounts.services import wants_deadline_reminders
from modules.rules import OVERDUE
from modules.selectors import deadlines_for_user
from rehab.models import Membership

logger = logging.getLogger(__name__)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def reminder_text(*, overdue: int, upcoming: int) -> tuple[str, str]:
    """(subject, body) of the e-mail: numbers and a link, nothing else."""
    link = settings.SITE_URL.rstrip("/") + reverse("modules:deadline_list")
    account = settings.SITE_URL.rstrip("/") + reverse("account_detail")
    subject = (
        f"Frister i Finsam: {_plural(overdue, 'försenad', 'försenade')}, "
        f"{_plural(upcoming, 'kommande', 'kommande')}"
    )
    body = (
        "Hej!\n\n"
        f"Du har {_plural(overdue, 'försenad frist', 'försenade frister')} och "
        f"{_plural(upcoming, 'frist', 'frister')} inom de närmaste 30 dagarna "
        "för deltagare som du är ansvarig för.\n\n"
        f"Se dem i Finsam: {link}\n\n"
        "Meddelandet innehåller inga uppgifter om deltagarna; de finns bara i systemet.\n"
        f"Du kan stänga av påminnelserna under Mitt konto: {account}\n"
    )
    return subject, body


def recipients():
    """Active handledare of active teams with an e-mail address."""
    handledare = Membership.objects.filter(role="handledare", team__is_active=True).values(
        "user_id"
    )
    return (
        get_user_model()
        .objects.filter(pk__in=handledare, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def send_reminders(*, as_of: date) -> int:
    """Sends the day's reminders over one SMTP connection; returns how many were sent. One
    address that the server refuses does not stop the others."""
    sent = 0
    with get_connection() as connection:
        for user in recipients():
            if not wants_deadline_reminders(user):
                continue
            found = deadlines_for_user(user, as_of=as_of, mine=True)
            overdue = sum(1 for d in found if d.status == OVERDUE)
            upcoming = len(found) - overdue
            if not found:
                continue
            subject, body = reminder_text(overdue=overdue, upcoming=upcoming)
            message = EmailMessage(subject, body, to=[user.email], connection=connection)
            try:
                message.send()
            except Exception:
                logger.exception("Påminnelsen till användare %s kunde inte skickas", user.pk)
                continue
            sent += 1
    return sent
