"""Uploads waiting for confirmation live server-side for 30 minutes, never in the session
(issue #14): the session holds only the pending row's id; confirming, cancelling and expiry
delete the row; `manage.py cleanup` deletes expired rows and expired sessions."""

import base64
import contextlib
import datetime
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rehab.models import Enrolment
from reporting.budget.views import SESSION_KEY as BUDGET_KEY
from reporting.imports.views import SESSION_KEY
from reporting.models import ActualCost, PendingImport
from tests.data import EXAMPLE_CSV
from tests.factories import UserFactory
from tests.reporting.budget_fixtures import make_budget

pytestmark = pytest.mark.django_db

PERSONAL = ["198503124128", "19850312-4128", "Berg", "Anna"]


def upload(client, team):
    return client.post(
        reverse("import_upload"),
        {
            "team": team.pk,
            "file": SimpleUploadedFile("inskrivningar.csv", EXAMPLE_CSV.read_bytes()),
        },
    )


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def session_texts(client):
    """Everything the session row holds, decoded, with base64 strings decoded too."""
    row = Session.objects.get(session_key=client.session.session_key)
    decoded = row.get_decoded()
    found = [row.session_data, json.dumps(decoded, default=str)]
    for value in decoded.values():
        for text in value.values() if isinstance(value, dict) else [value]:
            if isinstance(text, str):
                with contextlib.suppress(ValueError):
                    found.append(base64.b64decode(text, validate=True).decode("utf-8", "replace"))
    return found


def test_the_session_holds_only_the_pending_rows_id(client, admin_user, rehab_team):
    client.force_login(admin_user)
    assert upload(client, rehab_team).status_code == 302
    pending = PendingImport.objects.get()
    assert client.session[SESSION_KEY] == pending.pk
    assert (pending.owner, pending.team, pending.kind) == (
        admin_user,
        rehab_team,
        PendingImport.Kind.ENROLMENTS,
    )
    assert bytes(pending.content) == EXAMPLE_CSV.read_bytes()
    lifetime = pending.expires_at - pending.created_at
    assert datetime.timedelta(minutes=29) < lifetime <= datetime.timedelta(minutes=30)
    for text in session_texts(client):
        for personal in PERSONAL:
            assert personal not in text


def test_a_new_upload_replaces_the_previous_pending_one(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team)
    first = PendingImport.objects.get()
    upload(client, rehab_team)
    assert list(PendingImport.objects.values_list("pk", flat=True)) != [first.pk]
    assert PendingImport.objects.count() == 1


def test_confirming_deletes_the_pending_row(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team)
    sha = PendingImport.objects.get().sha256
    response = client.post(reverse("import_confirm"), {"sha256": sha})
    assert response.status_code == 302
    assert not PendingImport.objects.exists()
    assert SESSION_KEY not in client.session


def test_cancelling_deletes_the_pending_row(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team)
    client.post(reverse("import_cancel"))
    assert not PendingImport.objects.exists()
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("step", ["preview", "confirm"])
def test_an_expired_pending_import_is_refused_and_deleted(client, admin_user, rehab_team, step):
    client.force_login(admin_user)
    upload(client, rehab_team)
    pending = PendingImport.objects.get()
    PendingImport.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    if step == "preview":
        response = client.get(reverse("import_preview"))
    else:
        response = client.post(reverse("import_confirm"), {"sha256": pending.sha256})
    assert response.status_code == 302
    assert response.url == reverse("import_upload")
    assert texts(response) == [
        "Den uppladdade filen finns inte längre kvar: en fil väntar på bekräftelse i högst 30 "
        "minuter. Ladda upp filen igen."
    ]
    assert not PendingImport.objects.exists()
    assert SESSION_KEY not in client.session
    assert not Enrolment.objects.exists()


def test_another_users_pending_import_is_404(client, admin_user, rehab_team):
    other = UserFactory()
    theirs = PendingImport.objects.create(
        owner=other,
        kind=PendingImport.Kind.ENROLMENTS,
        team=rehab_team,
        filename="x.csv",
        sha256="0" * 64,
        content=EXAMPLE_CSV.read_bytes(),
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    client.force_login(admin_user)
    session = client.session
    session[SESSION_KEY] = theirs.pk
    session.save()
    assert client.get(reverse("import_preview")).status_code == 404
    session = client.session
    session[SESSION_KEY] = theirs.pk
    session.save()
    response = client.post(reverse("import_confirm"), {"sha256": theirs.sha256})
    assert response.status_code == 404
    assert PendingImport.objects.filter(pk=theirs.pk).exists()


# --- The budget import ----------------------------------------------------------------------


def test_the_budget_import_keeps_its_file_server_side_too(client, admin_user, rehab_team):
    budget = make_budget(rehab_team)
    client.force_login(admin_user)
    client.post(
        reverse("budget_import", args=[rehab_team.pk, 2024]),
        {"file": SimpleUploadedFile("utfall.csv", b"manad,rad,belopp\n1,Lokalkostnader,10\n")},
    )
    pending = PendingImport.objects.get()
    assert (pending.kind, pending.budget) == (PendingImport.Kind.ACTUALS, budget)
    assert client.session[BUDGET_KEY] == pending.pk
    response = client.post(
        reverse("budget_import_confirm", args=[rehab_team.pk, 2024]), {"sha256": pending.sha256}
    )
    assert response.status_code == 302
    assert ActualCost.objects.get().amount == 10
    assert not PendingImport.objects.exists()


def test_an_expired_budget_import_is_refused(client, admin_user, rehab_team):
    make_budget(rehab_team)
    client.force_login(admin_user)
    client.post(
        reverse("budget_import", args=[rehab_team.pk, 2024]),
        {"file": SimpleUploadedFile("utfall.csv", b"manad,rad,belopp\n1,Lokalkostnader,10\n")},
    )
    PendingImport.objects.update(expires_at=timezone.now())
    response = client.get(reverse("budget_import_preview", args=[rehab_team.pk, 2024]))
    assert response.url == reverse("budget_import", args=[rehab_team.pk, 2024])
    assert "Ladda upp filen igen." in texts(response)[0]
    assert not PendingImport.objects.exists()


def test_cancelling_the_budget_import_deletes_the_pending_row(client, admin_user, rehab_team):
    make_budget(rehab_team)
    client.force_login(admin_user)
    client.post(
        reverse("budget_import", args=[rehab_team.pk, 2024]),
        {"file": SimpleUploadedFile("utfall.csv", b"manad,rad,belopp\n1,Lokalkostnader,10\n")},
    )
    client.post(reverse("budget_import_cancel", args=[rehab_team.pk, 2024]))
    assert not PendingImport.objects.exists()


# --- manage.py cleanup ----------------------------------------------------------------------


def test_cleanup_deletes_expired_pending_imports_and_expired_sessions(admin_user, rehab_team):
    now = timezone.now()

    def pending(expires_at):
        return PendingImport.objects.create(
            owner=admin_user,
            kind=PendingImport.Kind.ENROLMENTS,
            team=rehab_team,
            filename="x.csv",
            sha256="0" * 64,
            content=b"x",
            expires_at=expires_at,
        )

    expired, live = (
        pending(now - datetime.timedelta(minutes=1)),
        pending(now + datetime.timedelta(minutes=5)),
    )
    Session.objects.create(
        session_key="gammal", session_data="", expire_date=now - datetime.timedelta(days=1)
    )
    Session.objects.create(
        session_key="levande", session_data="", expire_date=now + datetime.timedelta(days=1)
    )
    out = io.StringIO()
    call_command("cleanup", stdout=out)
    assert out.getvalue() == "Tog bort 1 väntande import och utgångna sessioner.\n"
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [live.pk]
    assert not PendingImport.objects.filter(pk=expired.pk).exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["levande"]
