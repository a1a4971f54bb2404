"""The daily reminder: sent over real SMTP to a server on loopback (aiosmtpd) that the test
starts; the message it received holds the counts and the link, and no personal data."""

import datetime
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from accounts.services import deadline_reminders_set
from modules.models import Module, Placement
from modules.rules import OVERDUE, review_due
from modules.selectors import deadlines_for_user
from ops import reminders
from ops.tasks import daily_reminders
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 9, 2)


class Inbox:
    """The SMTP server's handler: keeps what it receives, refuses the addresses in `refuse`."""

    def __init__(self):
        self.envelopes = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self):
        return [
            (e.rcpt_tos, email.message_from_bytes(e.content, policy=policy.default))
            for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://finsam.example.se"
    yield inbox
    controller.stop()


@pytest.fixture
def caseload(rehab_team, handledare_a):
    handledare_a.email = "handledare.a@example.se"
    handledare_a.save()
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    participants = []
    for first, last, start in [
        ("Ingeborg", "Sekretessdotter", datetime.date(2024, 2, 1)),
        ("Valdemar", "Hemligsson", datetime.date(2024, 3, 20)),
    ]:
        participant = ParticipantFactory(first_name=first, last_name=last)
        enrolment = EnrolmentFactory(
            team=rehab_team, participant=participant, responsible=handledare_a, start_date=start
        )
        Placement.objects.create(
            enrolment=enrolment,
            module=kompassen,
            start_date=start,
            next_review_due=review_due(start, kompassen.as_rule(), 0),
        )
        participants.append(participant)
    return participants


def test_the_reminder_reaches_the_smtp_server_with_counts_and_no_personal_data(
    smtp_server, caseload, handledare_a, rehab_team
):
    found = deadlines_for_user(handledare_a, as_of=TODAY, mine=True)
    overdue = sum(1 for d in found if d.status == OVERDUE)
    upcoming = len(found) - overdue
    assert overdue >= 1 and upcoming >= 1  # the example has both kinds

    assert reminders.send_reminders(as_of=TODAY) == 1

    [(to, message)] = smtp_server.messages()
    assert to == ["handledare.a@example.se"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    subject = message["Subject"]
    assert str(overdue) in subject and "försenad" in subject
    assert f"Du har {overdue} försenad" in body
    assert f"och {upcoming} frist" in body
    assert "https://finsam.example.se" + reverse("modules:deadline_list") in body
    assert "https://finsam.example.se" + reverse("account_detail") in body
    text = f"{subject}\n{body}"
    for participant in caseload:
        assert participant.first_name not in text
        assert participant.last_name not in text
        digits = participant.personnummer.replace("-", "").replace("+", "")
        assert digits[-10:] not in text.replace("-", "")
        assert participant.personnummer[-4:] not in text
    assert rehab_team.name not in text
    for deadline in found:
        assert deadline.due.isoformat() not in text
        assert f"{deadline.due:%d/%m}" not in text


def test_no_email_for_a_user_who_turned_it_off_or_has_no_deadlines_or_address(
    smtp_server, caseload, handledare_a, handledare_b
):
    handledare_b.email = "hugo@example.se"  # EVI: no deadlines of their own
    handledare_b.save()
    deadline_reminders_set(user=handledare_a, on=False)
    assert reminders.send_reminders(as_of=TODAY) == 0
    deadline_reminders_set(user=handledare_a, on=True)
    handledare_a.email = ""
    handledare_a.save()
    assert reminders.send_reminders(as_of=TODAY) == 0
    assert smtp_server.messages() == []


def test_a_refused_address_does_not_stop_the_others(
    smtp_server, caseload, handledare_a, rehab_team
):
    from rehab.models import Membership
    from tests.factories import UserFactory

    first = UserFactory(username="aaa-forst", email="finns.inte@example.se")
    Membership.objects.create(user=first, team=rehab_team, role="handledare")
    start = datetime.date(2024, 1, 8)
    enrolment = EnrolmentFactory(team=rehab_team, responsible=first, start_date=start)
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    Placement.objects.create(
        enrolment=enrolment,
        module=kompassen,
        start_date=start,
        next_review_due=review_due(start, kompassen.as_rule(), 0),
    )
    assert deadlines_for_user(first, as_of=TODAY, mine=True)  # it would get an e-mail
    smtp_server.refuse = {"finns.inte@example.se"}
    assert reminders.send_reminders(as_of=TODAY) == 1
    assert [to for to, _ in smtp_server.messages()] == [["handledare.a@example.se"]]


def test_the_daily_task_sends_through_the_worker(
    smtp_server, caseload, run_queue, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("ops.tasks.timezone.localdate", lambda: TODAY)
    daily_reminders.enqueue()
    run_queue()
    assert len(smtp_server.messages()) == 1
