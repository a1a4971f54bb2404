"""The board report pages under /rapporter/: who may open them, what each user sees, the
quick period choices, the files, the text for the board, and bad input."""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from rehab.models import AuditEvent, Forbund, ForbundMembership, Membership
from reporting.board import views
from reporting.models import BoardNote
from tests.data import EXPECTED_BOARD
from tests.factories import TeamFactory, UserFactory
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

BOARD = reverse("board_report")
NOTE = reverse("board_note_save")
FORMATS = list(views.FORMATS)
# The PDF and the Excel workbook are ordered as jobs (tests/reporting/test_board_jobs.py).
JOB_FORMATS = ["pdf", "xlsx"]


def export_url(fmt):
    return reverse("board_report_export", args=[fmt])


def job_url(fmt):
    return reverse("board_report_job", args=[fmt])


def h1(team, **extra):
    return {"scope": f"team-{team.pk}", "fran": "2024-01-01", "till": "2024-06-30", **extra}


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_get_403_everywhere(client, personas, example, persona):
    as_user(client, personas[persona])
    assert client.get(BOARD, h1(example)).status_code == 403
    for fmt in FORMATS:
        assert client.get(export_url(fmt), h1(example)).status_code == 403
    for fmt in JOB_FORMATS:
        assert client.post(job_url(fmt), h1(example)).status_code == 403
    assert client.post(NOTE, {**h1(example), "text": "x"}).status_code == 403
    assert not BoardNote.objects.exists()
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, example):
    for url, method in [(BOARD, client.get), (export_url("csv"), client.get), (NOTE, client.post)]:
        response = method(url, h1(example))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_admin_sees_exact_numbers(client, admin_user, example):
    response = as_user(client, admin_user).get(BOARD, h1(example))
    assert response.status_code == 200
    assert response.context["exact"] is True
    content = response.content.decode()
    assert "342,3" in content
    assert "<5" not in content
    assert "Spara texten" in content


def test_forbund_sees_suppressed_numbers_and_no_note_form(client, forbund_user, example):
    response = as_user(client, forbund_user).get(BOARD, h1(example))
    assert response.status_code == 200
    assert response.context["exact"] is False
    content = response.content.decode()
    assert "&lt;5" in content
    assert "342,3" not in content
    assert "Spara texten" not in content
    rows = {r.key: r.cells for r in response.context["view"].rows}
    assert rows["aktiva_under_perioden"]["M"] == "<5"


def test_steering_group_sees_suppressed_numbers_and_no_note_form(client, styrgrupp_user, example):
    response = as_user(client, styrgrupp_user).get(BOARD, h1(example))
    assert response.status_code == 200
    assert response.context["exact"] is False
    assert response.context["note_form"] is None
    content = response.content.decode()
    assert "&lt;5" in content
    assert "342,3" not in content
    assert "Spara texten" not in content
    assert 'name="text"' not in content
    rows = {r.key: r.cells for r in response.context["view"].rows}
    assert rows["aktiva_under_perioden"] == {"K": 5, "M": "<5", "X": "<5", "total": 10}
    assert rows["genomstromningstid_dagar_snitt"]["K"] == "–"


def test_steering_group_sees_the_same_report_as_the_forbund_officer(
    client, forbund_user, styrgrupp_user, example
):
    as_user(client, forbund_user)
    officer = client.get(BOARD, h1(example)).context["view"]
    as_user(client, styrgrupp_user)
    assert client.get(BOARD, h1(example)).context["view"] == officer


def test_steering_group_is_offered_its_forbunds_teams_only(client, styrgrupp_user, example):
    elsewhere = TeamFactory(name="Annat team")
    as_user(client, styrgrupp_user)
    labels = [label for _k, label in client.get(BOARD).context["form"].fields["scope"].choices]
    assert labels == ["Alla team i Västerbergslagens samordningsförbund", "EVI", "Rehabteamet"]
    response = client.get(BOARD, {**h1(example), "scope": f"team-{elsewhere.pk}"})
    assert response.status_code == 400
    assert "view" not in response.context
    for fmt in FORMATS:
        other = client.get(export_url(fmt), {**h1(example), "scope": f"team-{elsewhere.pk}"})
        assert other.status_code == 400
        assert "Content-Disposition" not in other
    for fmt in JOB_FORMATS:
        ordered = client.post(job_url(fmt), {**h1(example), "scope": f"team-{elsewhere.pk}"})
        assert ordered.status_code == 302 and ordered.url == BOARD
    assert not Job.objects.exists()


def test_steering_group_of_another_forbund_cannot_choose_the_team(client, example):
    other = UserFactory(username="sune")
    elsewhere = TeamFactory(name="Annat team")
    ForbundMembership.objects.create(user=other, forbund=elsewhere.forbund, role="styrgrupp")
    as_user(client, other)
    labels = [label for _k, label in client.get(BOARD).context["form"].fields["scope"].choices]
    assert labels == ["Annat team"]
    assert client.get(BOARD, h1(example)).status_code == 400
    assert client.get(export_url("csv"), h1(example)).status_code == 400
    assert client.post(job_url("xlsx"), h1(example)).url == BOARD
    assert not Job.objects.exists()


def test_steering_group_has_the_board_report_in_its_menu_and_start_page(client, styrgrupp_user):
    start = as_user(client, styrgrupp_user).get(reverse("start"))
    assert start.status_code == 200
    assert BOARD in [url for _label, url in start.context["nav_items"]]
    assert f'href="{BOARD}"' in start.content.decode()


def test_forbund_of_another_forbund_cannot_choose_the_team(client, example):
    other = UserFactory(username="olle")
    elsewhere = TeamFactory(name="Annat team")
    ForbundMembership.objects.create(user=other, forbund=elsewhere.forbund, role="forbund")
    as_user(client, other)
    labels = [label for _k, label in client.get(BOARD).context["form"].fields["scope"].choices]
    assert labels == ["Annat team"]
    response = client.get(BOARD, h1(example))
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert "view" not in response.context
    assert client.get(export_url("csv"), h1(example)).status_code == 400


def test_a_forbund_officer_whose_forbund_has_no_team_is_told_so(client):
    other = UserFactory(username="olle")
    ForbundMembership.objects.create(
        user=other, forbund=Forbund.objects.create(name="Tomt förbund"), role="forbund"
    )
    response = as_user(client, other).get(BOARD)
    assert response.status_code == 200
    assert "inga aktiva team" in response.content.decode()


def test_admin_of_one_team_gets_the_forbund_wide_report_suppressed(client, example, other_team):
    manager = UserFactory(username="maja")
    Membership.objects.create(user=manager, team=example, role="admin")
    as_user(client, manager)
    own = client.get(BOARD, h1(example))
    assert own.context["exact"] is True
    wide = client.get(BOARD, {**h1(example), "scope": f"forbund-{example.forbund_id}"})
    assert wide.status_code == 200
    assert wide.context["exact"] is False
    assert "Spara texten" not in wide.content.decode()


def test_the_forbund_wide_report_adds_the_teams(client, admin_user, example, other_team):
    enrol(other_team, start=date(2024, 3, 1))
    response = as_user(client, admin_user).get(
        BOARD, {**h1(example), "scope": f"forbund-{example.forbund_id}"}
    )
    assert response.context["exact"] is True
    rows = {r.key: r.cells for r in response.context["view"].rows}
    assert rows["aktiva_under_perioden"]["total"] == 11
    assert "Team: EVI, Rehabteamet." in response.content.decode()


def test_a_team_of_another_forbund_is_not_offered(client, admin_user, example):
    elsewhere = TeamFactory(name="Annat team")
    response = as_user(client, admin_user).get(BOARD, h1(example))
    labels = [label for _key, label in response.context["form"].fields["scope"].choices]
    assert "Annat team" not in labels
    assert labels == ["Alla team i Västerbergslagens samordningsförbund", "EVI", "Rehabteamet"]
    bad = client.get(BOARD, {**h1(example), "scope": f"team-{elsewhere.pk}"})
    assert bad.status_code == 400


# --- Period choices and bad input ---------------------------------------------------------


def test_first_visit_shows_this_year_so_far(client, admin_user, example):
    response = as_user(client, admin_user).get(BOARD)
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["date_from"] == date(today.year, 1, 1)
    assert response.context["date_to"] == today


@pytest.mark.parametrize(
    ("period", "date_to"), [("halvar", date(2024, 6, 30)), ("helar", date(2024, 12, 31))]
)
def test_quick_choices_set_the_period_from_the_year(client, admin_user, example, period, date_to):
    response = as_user(client, admin_user).get(
        BOARD,
        {"scope": f"team-{example.pk}", "ar": "2024", "period": period, "fran": "", "till": ""},
    )
    assert response.status_code == 200
    assert response.context["date_from"] == date(2024, 1, 1)
    assert response.context["date_to"] == date_to
    assert f"fran=2024-01-01&amp;till={date_to:%Y-%m-%d}" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fran": "2024-07-01", "till": "2024-06-30"}, "Periodens sista dag kan inte ligga före"),
        ({"fran": "2024-02-30"}, "Ange ett datum som finns, som ÅÅÅÅ-MM-DD."),
        ({"fran": ""}, "Ange periodens första dag"),
        ({"period": "halvar", "ar": ""}, "Ange vilket år"),
        ({"period": "halvar", "ar": "1999"}, "större än eller lika med 2000"),
        ({"period": "kvartal", "ar": "2024"}, "Okänt snabbval för perioden."),
    ],
)
def test_bad_input_is_explained_and_shows_no_table(client, admin_user, example, params, message):
    as_user(client, admin_user)
    response = client.get(BOARD, {**h1(example), **params})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "view" not in response.context
    export = client.get(export_url("csv"), {**h1(example), **params})
    assert export.status_code == 400
    assert "Content-Disposition" not in export
    assert "Filen kunde inte skapas" in export.content.decode()


def test_unknown_file_format_is_404(client, admin_user, example):
    assert as_user(client, admin_user).get(export_url("docx"), h1(example)).status_code == 404


@pytest.mark.parametrize("fmt", JOB_FORMATS)
def test_the_pdf_and_excel_files_are_no_longer_direct_downloads(client, admin_user, example, fmt):
    assert as_user(client, admin_user).get(export_url(fmt), h1(example)).status_code == 404


# --- Files --------------------------------------------------------------------------------


def test_admin_downloads_every_file(client, admin_user, example, board_file):
    as_user(client, admin_user)
    csv_response = client.get(export_url("csv"), h1(example))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="styrelserapport_rehabteamet_2024-01-01_2024-06-30.csv"'
        in csv_response["Content-Disposition"]
    )
    assert csv_response.content.startswith("\ufeffMått,Kvinnor,".encode())

    keys = client.get(export_url("nycklar"), h1(example))
    assert keys["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="styrelserapport_nycklar_rehabteamet_2024-01-01_2024-06-30.csv"'
        in keys["Content-Disposition"]
    )
    assert keys.content == EXPECTED_BOARD.read_bytes()

    xlsx = board_file(client, "xlsx", h1(example))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Per kommun" in book.sheetnames

    pdf = board_file(client, "pdf", h1(example))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")

    national = client.get(export_url("nationell"), h1(example))
    text = national.content.decode("utf-8")
    assert text.startswith("\ufeffavsnitt,kod,rubrik,K,M,X,total\r\n")
    assert "deltagare,startade,Deltagare som startat under perioden,2,1,1,4" in text


def test_forbund_files_are_suppressed_too(client, forbund_user, example, board_file):
    as_user(client, forbund_user)
    text = client.get(export_url("nycklar"), h1(example)).content.decode()
    assert "aktiva_under_perioden,5,<5,<5,10" in text
    table = client.get(export_url("csv"), h1(example)).content.decode("utf-8-sig")
    assert "Antal aktiva under perioden,5,<5,<5,10" in table
    national = client.get(export_url("nationell"), h1(example)).content.decode()
    assert "deltagare,aktiva,Aktiva deltagare under perioden,5,<5,<5,10" in national
    book = openpyxl.load_workbook(io.BytesIO(board_file(client, "xlsx", h1(example)).content))
    values = [c.value for row in book["Tabell"].iter_rows() for c in row]
    assert 4 not in values and 1 not in values


def test_steering_group_files_are_suppressed(client, styrgrupp_user, example, board_file):
    as_user(client, styrgrupp_user)
    for fmt in FORMATS:
        response = client.get(export_url(fmt), h1(example))
        assert response.status_code == 200, fmt
        assert response["Content-Disposition"].startswith("attachment;"), fmt
    text = client.get(export_url("nycklar"), h1(example)).content.decode()
    assert "aktiva_under_perioden,5,<5,<5,10" in text
    assert "342.3" not in text
    table = client.get(export_url("csv"), h1(example)).content.decode("utf-8-sig")
    assert "Antal aktiva under perioden,5,<5,<5,10" in table
    assert "342.3" not in table
    national = client.get(export_url("nationell"), h1(example)).content.decode()
    assert "deltagare,aktiva,Aktiva deltagare under perioden,5,<5,<5,10" in national
    book = openpyxl.load_workbook(io.BytesIO(board_file(client, "xlsx", h1(example)).content))
    values = [c.value for row in book["Tabell"].iter_rows() for c in row]
    assert 4 not in values and 1 not in values
    assert "<5" in values
    pdf = board_file(client, "pdf", h1(example))
    assert pdf.content.startswith(b"%PDF-")


def test_no_name_or_personnummer_on_the_page(
    client, admin_user, forbund_user, styrgrupp_user, example
):
    from rehab.models import Participant

    people = list(Participant.objects.values_list("first_name", "last_name", "personnummer"))
    for user in (admin_user, forbund_user, styrgrupp_user):
        content = as_user(client, user).get(BOARD, h1(example)).content.decode()
        for first, last, pnr in people:
            assert f"{first} {last}" not in content
            assert pnr not in content
            assert f"{pnr[2:8]}-{pnr[8:]}" not in content


# --- The text for the board ---------------------------------------------------------------


def test_admin_writes_the_text_and_forbund_reads_it(client, admin_user, forbund_user, example):
    as_user(client, admin_user)
    response = client.post(NOTE, {**h1(example), "text": "  Fler nya deltagare än väntat.  "})
    assert response.status_code == 302
    assert response.url == f"{BOARD}?scope=team-{example.pk}&fran=2024-01-01&till=2024-06-30"
    note = BoardNote.objects.get()
    assert (note.team, note.forbund, note.text) == (
        example,
        example.forbund,
        "Fler nya deltagare än väntat.",
    )
    assert note.updated_by == admin_user
    event = AuditEvent.objects.get(action="board_note_created")
    assert event.changes["text"] == "(ändrad)"
    page = client.get(response.url)
    assert "Texten till styrelsen är sparad." in page.content.decode()

    # A second edit sends the version of the text the page showed (the lost-update check).
    page = client.get(BOARD, h1(example)).content.decode()
    version = re.search(r'name="loaded_version" value="([^"]*)"', page).group(1)
    client.post(NOTE, {**h1(example), "text": "Ny text.", "loaded_version": version})
    assert BoardNote.objects.get().text == "Ny text."
    assert AuditEvent.objects.filter(action="board_note_changed").count() == 1

    as_user(client, forbund_user)
    content = client.get(BOARD, h1(example)).content.decode()
    assert "Ny text." in content
    assert client.post(NOTE, {**h1(example), "text": "Förbundets text"}).status_code == 403
    assert BoardNote.objects.get().text == "Ny text."


def test_steering_group_reads_the_text_but_cannot_write_it(
    client, admin_user, styrgrupp_user, example
):
    as_user(client, admin_user).post(NOTE, {**h1(example), "text": "Fler nya än väntat."})
    as_user(client, styrgrupp_user)
    content = client.get(BOARD, h1(example)).content.decode()
    assert "Fler nya än väntat." in content
    # Who wrote it is the unit manager's business, not the steering group's.
    assert "Senast ändrad" not in content
    assert admin_user.username not in content
    assert client.post(NOTE, {**h1(example), "text": "Styrgruppens text"}).status_code == 403
    assert BoardNote.objects.get().text == "Fler nya än väntat."


def test_the_text_form_warns_that_aggregate_users_read_it_as_written(
    client, admin_user, forbund_user, example
):
    warning = (
        "Förbundets och styrgruppens användare ser texten precis som den är skriven. "
        "Skriv inga siffror eller andelar som tabellen döljer."
    )
    page = as_user(client, admin_user).get(BOARD, h1(example)).content.decode()
    assert warning in page
    # Read out with the field, before its help text.
    assert 'id="board-note-warning"' in page
    assert 'aria-describedby="board-note-warning id_text_helptext"' in page
    # Those who only read the text are not shown the writer's warning.
    assert warning not in as_user(client, forbund_user).get(BOARD, h1(example)).content.decode()


def test_the_note_belongs_to_its_period(client, admin_user, example):
    as_user(client, admin_user)
    client.post(NOTE, {**h1(example), "text": "Halvår."})
    other = client.get(BOARD, {**h1(example), "till": "2024-12-31"})
    assert "Halvår." not in other.content.decode()


def test_admin_of_one_team_cannot_write_the_forbund_wide_text(client, example, other_team):
    manager = UserFactory(username="maja")
    Membership.objects.create(user=manager, team=example, role="admin")
    as_user(client, manager)
    wide = {**h1(example), "scope": f"forbund-{example.forbund_id}", "text": "x"}
    assert client.post(NOTE, wide).status_code == 403
    assert not BoardNote.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "x" * 3001}, "Texten får vara högst 3 000 tecken (nu 3001)."),
        ({"text": "x", "scope": ""}, "Texten sparades inte"),
        ({"text": "x", "till": "2023-01-01"}, "Texten sparades inte"),
    ],
)
def test_a_bad_note_changes_nothing_and_says_why(client, admin_user, example, data, message):
    as_user(client, admin_user)
    response = client.post(NOTE, {**h1(example), **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BoardNote.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="board_note").exists()


def test_two_admins_editing_the_text_do_not_overwrite_each_other(client, admin_user, example):
    as_user(client, admin_user)
    client.post(NOTE, {**h1(example), "text": "Första."})
    page = client.get(BOARD, h1(example)).content.decode()
    version = re.search(r'name="loaded_version" value="([^"]*)"', page).group(1)
    assert client.post(NOTE, {**h1(example), "text": "A:s text.", "loaded_version": version})
    response = client.post(NOTE, {**h1(example), "text": "B:s text.", "loaded_version": version})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Någon annan har ändrat uppgifterna" in body and "A:s text." in body
    assert BoardNote.objects.get().text == "A:s text."
