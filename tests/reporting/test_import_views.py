"""The import pages: who may use them, upload → preview → confirm, and bad files."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse
from django.utils import timezone

from modules.models import Placement
from rehab.models import AuditEvent, Enrolment, Membership, Participant
from reporting import imports as importing
from reporting.imports.views import SESSION_KEY
from reporting.models import PendingImport
from tests.data import EXAMPLE_CSV
from tests.factories import TeamFactory, UserFactory

EXAMPLE = EXAMPLE_CSV

pytestmark = pytest.mark.django_db


def example_upload(name="inskrivningar.csv", content=None):
    return SimpleUploadedFile(name, EXAMPLE.read_bytes() if content is None else content)


def upload(client, team, file):
    return client.post(reverse("import_upload"), {"team": team.pk, "file": file})


def pending_sha(client):
    return PendingImport.objects.get(pk=client.session[SESSION_KEY]).sha256


def confirm(client):
    return client.post(reverse("import_confirm"), {"sha256": pending_sha(client)})


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def pending_session(client, team, content=None):
    content = EXAMPLE.read_bytes() if content is None else content
    pending = PendingImport.objects.create(
        owner=get_user(client),
        kind=PendingImport.Kind.ENROLMENTS,
        team=team,
        filename="inskrivningar.csv",
        content=content,
        sha256=importing.file_sha256(content),
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    session = client.session
    session[SESSION_KEY] = pending.pk
    session.save()


# --- Who may use the pages ------------------------------------------------------------------

REFUSED = ["handledare_a", "handledare_b", "forbund", "styrgrupp"]


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "import_upload"),
        ("post", "import_upload"),
        ("get", "import_preview"),
        ("post", "import_confirm"),
        ("post", "import_cancel"),
    ],
)
def test_only_admins_may_import(client, personas, rehab_team, persona, method, name):
    client.force_login(personas[persona])
    pending_session(client, rehab_team)
    data = {"team": rehab_team.pk, "file": example_upload()} if name == "import_upload" else {}
    if name == "import_confirm":
        data = {"sha256": pending_sha(client)}
    response = getattr(client, method)(reverse(name), data)
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "import_upload"),
        ("post", "import_upload"),
        ("get", "import_preview"),
        ("post", "import_confirm"),
        ("post", "import_cancel"),
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, rehab_team, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_admin_sees_the_upload_page_with_their_rehab_teams_only(client, admin_user, rehab_team):
    client.force_login(admin_user)
    response = client.get(reverse("import_upload"))
    assert response.status_code == 200
    teams = list(response.context["form"].fields["team"].queryset)
    assert teams == [rehab_team]  # EVI is a triage team: it does not enrol
    body = response.content.decode()
    assert "<h1>Importera inskrivningar</h1>" in body
    assert "manader_utan_arbete" in body
    assert importing.REIMPORT_RULE in body


def test_admin_of_a_triage_team_only_is_told_so(client, org):
    user = UserFactory(username="evichef")
    Membership.objects.create(user=user, team=org["EVI"], role="admin")
    client.force_login(user)
    response = client.get(reverse("import_upload"))
    assert "Du är inte enhetschef för något team som skriver in deltagare." in (
        response.content.decode()
    )


def test_admin_cannot_import_into_a_team_they_do_not_manage(client, org, rehab_team):
    other = TeamFactory(forbund=org["forbund"], name="REBUS")
    user = UserFactory(username="rebuschef")
    Membership.objects.create(user=user, team=other, role="admin")
    Membership.objects.create(user=user, team=rehab_team, role="handledare")
    client.force_login(user)
    response = upload(client, rehab_team, example_upload())
    assert response.status_code == 200
    assert response.context["form"].errors["team"] == ["Välj ett av de team där du är enhetschef."]
    assert SESSION_KEY not in client.session


def test_admin_who_lost_the_role_after_uploading_cannot_confirm(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team, example_upload())
    sha = pending_sha(client)
    Membership.objects.filter(user=admin_user, team=rehab_team).update(role="handledare")
    response = client.post(reverse("import_confirm"), {"sha256": sha})
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


# --- Upload, preview, confirm ---------------------------------------------------------------


def test_upload_preview_confirm_imports_the_example(client, admin_user, rehab_team):
    client.force_login(admin_user)
    response = upload(client, rehab_team, example_upload())
    assert response.status_code == 302
    assert response.url == reverse("import_preview")
    assert not Participant.objects.exists()  # nothing before confirming

    preview = client.get(reverse("import_preview"))
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Om du bekräftar importeras <strong>12 inskrivningar</strong>" in body
    assert "(12 nya deltagare, 8 modulplaceringar)" in body
    assert "19850312-****" in body and "19850312-4128" not in body
    anna = preview.context["page"].object_list[0]
    assert (anna.name, anna.module_name, anna.module_start) == (
        "Anna Berg",
        "Kompassen",
        datetime.date(2023, 8, 1),
    )
    assert "från 2023-08-01" in body
    assert "Bekräfta och importera" in body
    assert not Participant.objects.exists()

    response = confirm(client)
    assert response.status_code == 302
    assert response.url == reverse("team_detail", args=[rehab_team.pk])
    assert texts(response) == ["Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade."]
    assert Enrolment.objects.filter(team=rehab_team).count() == 12
    placement = Placement.objects.get(enrolment__participant__personnummer="198503124128")
    assert placement.next_review_due == datetime.date(2024, 2, 1)
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="import_enrolments", object_type="team")
    assert (event.user, event.changes["channel"]) == (admin_user, "webb")


def test_uploading_the_same_file_again_shows_every_row_unchanged(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team, example_upload())
    confirm(client)
    upload(client, rehab_team, example_upload())
    body = client.get(reverse("import_preview")).content.decode()
    assert "Om du bekräftar importeras <strong>0 inskrivningar</strong>" in body
    assert "12 inskrivningar finns redan och lämnas oförändrade." in body
    response = confirm(client)
    assert texts(response) == ["Importerade 0 inskrivningar (0 nya deltagare), 12 oförändrade."]
    assert Enrolment.objects.count() == 12


def test_a_file_with_bad_lines_lists_them_and_cannot_be_confirmed(client, admin_user, rehab_team):
    client.force_login(admin_user)
    bad = EXAMPLE.read_text(encoding="utf-8").replace(",K,Ludvika,FK,", ",Q,Ludvika,FK,")
    bad = bad.replace("Smedjebacken,EVI,2023-05-15", "Atlantis,EVI,2023-05-15")
    upload(client, rehab_team, example_upload(content=bad.encode()))
    body = client.get(reverse("import_preview")).content.decode()
    assert "2 rader har fel, så ingenting kan importeras." in body
    assert "okänt kön &#x27;Q&#x27; (ange K, M eller X)" in body
    assert "okänd kommun &#x27;Atlantis&#x27;" in body
    assert "Bekräfta och importera" not in body

    # Confirming anyway (an old tab, a crafted request) re-validates and saves nothing.
    response = confirm(client)
    assert response.url == reverse("import_preview")
    assert texts(response) == ["Filen har fel och importerades inte. Se raderna nedan."]
    assert not Participant.objects.exists()


def test_dates_outside_the_input_policy_are_listed_per_line_in_the_preview(
    client, admin_user, rehab_team
):
    client.force_login(admin_user)
    bad = EXAMPLE.read_text(encoding="utf-8").replace(
        "2023-02-01,,,14,Kompassen,2023-08-01", "2099-01-01,,,14,,"
    )
    bad = bad.replace("2023-09-15", "1999-09-15")
    upload(client, rehab_team, example_upload(content=bad.encode()))
    preview = client.get(reverse("import_preview"))
    body = preview.content.decode()
    assert "2 rader har fel, så ingenting kan importeras." in body
    assert [str(e) for e in preview.context["plan"].errors] == [
        "rad 2: startdatum 2099-01-01 ligger i framtiden",
        "rad 3: startdatum 1999-09-15 ligger före 2000-01-01",
    ]
    assert "Bekräfta och importera" not in body


def test_confirming_a_different_file_than_previewed_is_refused(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team, example_upload())
    response = client.post(reverse("import_confirm"), {"sha256": "0" * 64})
    assert response.url == reverse("import_preview")
    assert texts(response)[0].startswith("Filen har bytts ut sedan förhandsgranskningen.")
    assert not Participant.objects.exists()


def test_cancel_forgets_the_file(client, admin_user, rehab_team):
    client.force_login(admin_user)
    upload(client, rehab_team, example_upload())
    response = client.post(reverse("import_cancel"))
    assert response.url == reverse("import_upload")
    assert texts(response) == ["Importen avbröts. Inget sparades."]
    assert SESSION_KEY not in client.session
    response = client.get(reverse("import_preview"))
    assert response.url == reverse("import_upload")


def test_confirm_without_an_uploaded_file_goes_back_to_upload(client, admin_user, rehab_team):
    client.force_login(admin_user)
    response = client.post(reverse("import_confirm"), {"sha256": "0" * 64})
    assert response.url == reverse("import_upload")
    assert texts(response) == ["Det finns ingen fil att importera. Ladda upp filen igen."]


def test_confirm_and_cancel_only_take_post(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("import_confirm")).status_code == 405
    assert client.get(reverse("import_cancel")).status_code == 405


def test_preview_is_paginated(client, admin_user, rehab_team):
    client.force_login(admin_user)
    content = importing.rows_to_csv(importing.example_rows(150, seed=2)).encode()
    upload(client, rehab_team, example_upload(content=content))
    first = client.get(reverse("import_preview")).content.decode()
    assert "Rad 1–100 av 150" in first
    assert "Sida 1 av 2" in first
    second = client.get(reverse("import_preview"), {"sida": 2}).content.decode()
    assert "Rad 101–150 av 150" in second


# --- Bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "rapport.pdf",
            b"%PDF-1.7",
            "Filtypen stöds inte. Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx).",
        ),
        (
            "gammal.xls",
            b"\xd0\xcf\x11\xe0",
            "Excel 97–2003 (.xls) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
        ),
        ("tom.csv", b"", "Filen är tom."),
        ("trasig.xlsx", b"inte en zip", "Filen är inte en giltig Excel-fil (.xlsx)."),
        (
            "latin1.csv",
            "kon;förnamn\n".encode("latin-1"),
            "Filen är inte UTF-8-kodad. Spara den i Excel som ”CSV UTF-8 (kommaavgränsad)”.",
        ),
        (
            "rubrik.csv",
            ",".join(importing.COLUMNS).encode(),
            "Filen har bara en rubrikrad och inga rader att importera.",
        ),
    ],
)
def test_bad_files_are_form_errors_in_swedish(
    client, admin_user, rehab_team, name, content, error
):
    client.force_login(admin_user)
    response = upload(client, rehab_team, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [error]
    assert SESSION_KEY not in client.session


def test_missing_file_is_a_form_error(client, admin_user, rehab_team):
    client.force_login(admin_user)
    response = client.post(reverse("import_upload"), {"team": rehab_team.pk})
    assert response.context["form"].errors["file"] == ["Välj en fil att importera."]


def test_too_large_file_is_refused_without_storing_it(client, admin_user, rehab_team):
    client.force_login(admin_user)
    big = EXAMPLE.read_bytes() + b"#" * importing.MAX_UPLOAD_BYTES
    response = upload(client, rehab_team, example_upload(content=big))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Filen är för stor. Högst 2,5 MB kan importeras åt gången – dela upp den i flera filer."
    ]
    assert SESSION_KEY not in client.session


def test_uploads_never_go_to_a_temporary_file(
    client, admin_user, rehab_team, settings, monkeypatch
):
    """Even when Django would spool an upload to disk, the import keeps it in memory."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10

    def fail(*args, **kwargs):
        raise AssertionError("the upload went to a temporary file")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", fail)
    client.force_login(admin_user)
    response = upload(client, rehab_team, example_upload())
    assert response.status_code == 302
    assert pending_sha(client) == importing.file_sha256(EXAMPLE.read_bytes())


def test_upload_without_csrf_token_is_refused(admin_user, rehab_team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = upload(client, rehab_team, example_upload())
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_import_template_downloads_round_trip(client, admin_user, handledare_a):
    """Issue #22: the empty template's header is exactly what the import reads."""
    client.force_login(handledare_a)
    assert client.get(reverse("import_template", args=["csv"])).status_code == 403
    client.force_login(admin_user)
    csv_file = client.get(reverse("import_template", args=["csv"]))
    assert csv_file["Content-Disposition"] == 'attachment; filename="importmall.csv"'
    header = csv_file.content.decode("utf-8-sig").strip().split(",")
    assert header == [*importing.COLUMNS, *importing.OPTIONAL_COLUMNS]
    xlsx = client.get(reverse("import_template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == header and sheet.max_row == 1
    assert client.get(reverse("import_template", args=["pdf"])).status_code == 404
    page = client.get(reverse("import_upload")).content.decode()
    assert reverse("import_template", args=["xlsx"]) in page
