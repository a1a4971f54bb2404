"""`manage.py import_enrolments` (SPEC §12) against the worked example and bad input."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from modules.models import Placement
from rehab.models import AuditEvent, Enrolment, Participant
from tests.data import EXAMPLE_CSV

EXAMPLE = EXAMPLE_CSV
PROJECT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def run(*args):
    """The command's stdout and stderr; raises CommandError like `manage.py` exits 1."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_enrolments", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args):
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_enrolments", *args, stdout=io.StringIO(), stderr=err)
    assert excinfo.value.returncode == 1
    return str(excinfo.value), err.getvalue()


def counts():
    return (
        Participant.objects.count(),
        Enrolment.objects.count(),
        Placement.objects.count(),
        AuditEvent.objects.count(),
    )


def example_text():
    return EXAMPLE.read_text(encoding="utf-8")


def test_example_file_imports_twelve_enrolments(rehab_team):
    out, err = run(str(EXAMPLE), "--team", "Rehabteamet")
    assert out == "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade.\n"
    assert err == ""
    assert Participant.objects.count() == 12
    assert Enrolment.objects.filter(team=rehab_team).count() == 12
    # Rows with a module: Anna, Erik, Lena, Omar, Jonas, Sofia, Nora, Olle.
    assert Placement.objects.count() == 8


def test_example_import_sets_participant_enrolment_and_placement(rehab_team):
    run(str(EXAMPLE), "--team", "Rehabteamet")

    anna = Participant.objects.get(personnummer="198503124128")
    assert (anna.first_name, anna.last_name, anna.gender) == ("Anna", "Berg", "K")
    assert anna.kommun.name == "Ludvika"
    assert anna.birth_date == datetime.date(1985, 3, 12)
    assert anna.birth_year == 1985
    assert not anna.is_anonymous
    enrolment = anna.enrolments.get()
    assert enrolment.team == rehab_team
    assert enrolment.referrer == "EVI"
    assert enrolment.start_date == datetime.date(2023, 2, 1)
    assert enrolment.exit_date is None
    assert enrolment.exit_outcome == ""
    assert enrolment.months_without_work == 14
    assert enrolment.phase == Enrolment.Phase.KARTLAGGNING
    placement = enrolment.placements.get()
    assert placement.module.name == "Kompassen"
    assert placement.start_date == datetime.date(2023, 8, 1)
    assert placement.next_review_due == datetime.date(2024, 2, 1)
    assert placement.end_date is None
    assert placement.extensions == 0

    erik = Enrolment.objects.get(participant__personnummer="199007045017")
    assert erik.participant.gender == "M"
    assert erik.participant.kommun.name == "Smedjebacken"
    assert erik.exit_date == datetime.date(2024, 3, 20)
    assert erik.exit_outcome == "arbete"
    assert erik.phase == Enrolment.Phase.AVSLUT
    passagen = erik.placements.get()
    assert (passagen.module.name, passagen.start_date) == ("Passagen", datetime.date(2023, 12, 1))
    assert passagen.end_date == datetime.date(2024, 3, 20)
    assert passagen.next_review_due == datetime.date(2024, 6, 1)

    # An empty modulstart defaults to startdatum: Lena in Portalen (3 months).
    lena = Placement.objects.get(enrolment__participant__personnummer="197811300982")
    assert (lena.module.name, lena.start_date) == ("Portalen", datetime.date(2024, 1, 8))
    assert lena.next_review_due == datetime.date(2024, 4, 8)
    assert lena.end_date == datetime.date(2024, 5, 31)

    # No module, no placement; empty manader_utan_arbete stays empty.
    karin = Enrolment.objects.get(participant__personnummer="196905057409")
    assert not karin.placements.exists()
    assert karin.referrer == "Region"
    omar = Enrolment.objects.get(participant__personnummer="200101021251")
    assert omar.months_without_work is None
    sofia = Participant.objects.get(personnummer="198812240409")
    assert sofia.gender == "X"


def test_import_is_audited_with_counts_and_no_personal_data(rehab_team):
    run(str(EXAMPLE), "--team", "Rehabteamet")
    event = AuditEvent.objects.get(action="import_enrolments", object_type="team")
    assert event.object_id == str(rehab_team.pk)
    assert event.user is None
    assert event.changes["created_enrolments"] == 12
    assert event.changes["created_participants"] == 12
    assert event.changes["created_placements"] == 8
    assert event.changes["unchanged"] == 0
    assert event.changes["channel"] == "kommandorad"
    assert len(event.changes["file_sha256"]) == 64
    text = str(event.changes)
    assert "1985" not in text and "Berg" not in text
    # Each participant's own log shows the import, pointing back to the import's event.
    per_enrolment = AuditEvent.objects.filter(action="import_enrolments", object_type="enrolment")
    assert per_enrolment.count() == 12
    anna = Participant.objects.get(personnummer="198503124128")
    mine = per_enrolment.get(participant_id=anna.pk)
    assert mine.changes == {
        "import_event": event.pk,
        "team": rehab_team.pk,
        "start_date": "2023-02-01",
    }


def test_semicolon_file_with_bom_imports_the_same(rehab_team, tmp_path):
    """As Excel's "CSV UTF-8" saves it with Swedish settings: BOM, semicolons, CRLF."""
    path = tmp_path / "inskrivningar.csv"
    text = example_text().replace(",", ";").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out, _ = run(str(path), "--team", "Rehabteamet")
    assert out == "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade.\n"
    placement = Placement.objects.get(enrolment__participant__personnummer="198503124128")
    assert placement.next_review_due == datetime.date(2024, 2, 1)


def test_xlsx_file_imports_the_same(rehab_team, tmp_path):
    """Excel stores dates as dates and numbers as numbers; both read as the CSV text would."""
    lines = example_text().splitlines()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(lines[0].split(","))
    for line in lines[1:]:
        cells = line.split(",")
        typed = [
            datetime.date.fromisoformat(c) if i in (6, 7, 11) and c else c
            for i, c in enumerate(cells)
        ]
        typed[9] = int(cells[9]) if cells[9] else None
        sheet.append(typed)
    path = tmp_path / "inskrivningar.xlsx"
    workbook.save(path)

    out, _ = run(str(path), "--team", "Rehabteamet")
    assert out == "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade.\n"
    anna = Enrolment.objects.get(participant__personnummer="198503124128")
    assert anna.months_without_work == 14
    assert anna.placements.get().start_date == datetime.date(2023, 8, 1)


def test_dry_run_saves_nothing(rehab_team):
    before = counts()
    out, _ = run(str(EXAMPLE), "--team", "Rehabteamet", "--dry-run")
    assert out == (
        "Torrkörning: 12 inskrivningar skulle importeras (12 nya deltagare), 0 oförändrade, "
        "inget sparades.\n"
    )
    assert counts() == before


def test_reimport_creates_no_duplicates(rehab_team):
    run(str(EXAMPLE), "--team", "Rehabteamet")
    after_first = counts()
    out, err = run(str(EXAMPLE), "--team", "Rehabteamet")
    assert out == "Importerade 0 inskrivningar (0 nya deltagare), 12 oförändrade.\n"
    assert err == ""
    participants, enrolments, placements, audit_events = counts()
    assert (participants, enrolments, placements) == after_first[:3]
    assert audit_events == after_first[3] + 1  # the second import is itself audited


def test_reimport_with_changed_values_leaves_the_enrolment_and_says_so(rehab_team, tmp_path):
    run(str(EXAMPLE), "--team", "Rehabteamet")
    changed = example_text().replace(
        "19850312-4128,Anna,Berg,K,Ludvika,EVI,2023-02-01,,,14,",
        "19850312-4128,Annie,Berg,K,Ludvika,AF,2023-02-01,2024-05-01,arbete,14,",
    )
    path = tmp_path / "andrad.csv"
    path.write_text(changed, encoding="utf-8")
    out, err = run(str(path), "--team", "Rehabteamet")
    assert out == "Importerade 0 inskrivningar (0 nya deltagare), 12 oförändrade.\n"
    assert err == (
        "Obs: rad 2: inskrivningen finns redan och lämnas oförändrad; filens remittent, "
        "slutdatum, avslutsorsak skiljer sig från det registrerade\n"
    )
    anna = Enrolment.objects.get(participant__personnummer="198503124128")
    assert (anna.referrer, anna.exit_date, anna.participant.first_name) == ("EVI", None, "Anna")


def test_new_enrolment_of_an_existing_participant_reuses_the_participant(rehab_team, tmp_path):
    run(str(EXAMPLE), "--team", "Rehabteamet")
    path = tmp_path / "ny.csv"
    header = example_text().splitlines()[0]
    # Per Jansson exited 2023-12-31 and comes back.
    path.write_text(
        header + "\n19720228-5578,Per,Jansson,M,Smedjebacken,AF,2024-09-01,,,3,Portalen,\n",
        encoding="utf-8",
    )
    out, _ = run(str(path), "--team", "Rehabteamet")
    assert out == "Importerade 1 inskrivning (0 nya deltagare), 0 oförändrade.\n"
    per = Participant.objects.get(personnummer="197202285578")
    assert per.enrolments.count() == 2


def test_file_with_several_bad_lines_lists_each_and_imports_nothing(rehab_team, tmp_path):
    lines = example_text().splitlines()
    lines[3] = lines[3].replace(",K,", ",Q,")  # line 4: Lena
    lines[5] = lines[5].replace("2024-01-15", "2021-01-15")  # line 6: exit before start
    lines[9] = lines[9].replace("Ludvika", "Atlantis")  # line 10: Maja
    path = tmp_path / "fel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = counts()

    message, err = run_failing(str(path), "--team", "Rehabteamet")

    assert message == "3 fel på 3 av 12 rader; inget importerades."
    assert err.splitlines() == [
        "rad 4: okänt kön 'Q' (ange K, M eller X)",
        "rad 6: slutdatum 2021-01-15 ligger före startdatum 2022-06-01",
        "rad 10: okänd kommun 'Atlantis' (ange en av Sveriges 290 kommuner)",
    ]
    assert counts() == before


def test_dates_outside_the_input_policy_exit_1_and_import_nothing(rehab_team, tmp_path):
    """Issue #14: `startdatum` 2099-01-01 was imported with exit status 0."""
    lines = example_text().splitlines()
    lines[1] = lines[1].replace("2023-02-01", "2099-01-01").replace(",Kompassen,2023-08-01", ",,")
    lines[2] = lines[2].replace("2023-09-15", "1999-09-15")  # line 3: Erik
    path = tmp_path / "framtid.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = counts()

    message, err = run_failing(str(path), "--team", "Rehabteamet")

    assert message == "2 fel på 2 av 12 rader; inget importerades."
    assert err.splitlines() == [
        "rad 2: startdatum 2099-01-01 ligger i framtiden",
        "rad 3: startdatum 1999-09-15 ligger före 2000-01-01",
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Finns inte"], "Okänt team: 'Finns inte'."),
        (["--team", "EVI"], "EVI är ett En väg in-team och skriver inte in deltagare; "),
    ],
)
def test_bad_team_exits_1_with_one_line(rehab_team, args, message):
    before = counts()
    text, _ = run_failing(str(EXAMPLE), *args)
    assert text.startswith(message)
    assert "\n" not in text
    assert counts() == before


def test_team_name_matches_without_regard_to_case(rehab_team):
    out, _ = run(str(EXAMPLE), "--team", "rehabteamet", "--dry-run")
    assert out.startswith("Torrkörning: 12 inskrivningar")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "saknas.csv", "Filen finns inte: "),
        (b"", "tom.csv", "Filen är tom."),
        (b"personnummer,fornamn\n", "kort.csv", "Rubrikraden stämmer inte (saknade kolumner: "),
        (
            "\n".join(
                [
                    "personnummer,fornamn,efternamn,kon,kommun,remittent,startdatum,slutdatum,"
                    "avslutsorsak,manader_utan_arbete,modul,modulstart,telefon",
                    "19850312-4128,Anna,Berg,K,Ludvika,EVI,2023-02-01,,,14,,,070",
                ]
            ).encode(),
            "extra.csv",
            "Rubrikraden stämmer inte (okända kolumner: telefon).",
        ),
        (
            "personnummer;fornamn\nÅsa;Öberg\n".encode("latin-1"),
            "latin1.csv",
            "Filen är inte UTF-8",
        ),
        (b"PK\x03\x04 not really a zip", "trasig.xlsx", "Filen kunde inte läsas som en Excel-fil"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "bild.csv", "Filen är ingen textfil."),
        (b"a,b", "gammal.xls", "Excel 97–2003 (.xls) stöds inte"),
    ],
)
def test_unreadable_files_exit_1_with_one_line(rehab_team, tmp_path, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = counts()
    text, err = run_failing(str(path), "--team", "Rehabteamet")
    assert text.startswith(message), text
    assert "\n" not in text
    assert err == ""
    assert counts() == before


def test_header_only_file_exits_1(rehab_team, tmp_path):
    path = tmp_path / "rubrik.csv"
    path.write_text(example_text().splitlines()[0] + "\n", encoding="utf-8")
    text, _ = run_failing(str(path), "--team", "Rehabteamet")
    assert text == "Filen har bara en rubrikrad och inga rader att importera."


def test_directory_instead_of_file_exits_1(rehab_team, tmp_path):
    text, _ = run_failing(str(tmp_path), "--team", "Rehabteamet")
    assert text.endswith("är en mapp, inte en fil.")


def test_manage_py_exits_with_status_1_on_bad_rows_and_0_on_success(tmp_path):
    """The real process, as cron and the acceptance checks call it, on its own SQLite file."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def manage(*args):
        return subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    assert manage("migrate", "--noinput").returncode == 0
    assert manage("seed_demo", "--participants", "0", "--password", "x" * 16).returncode == 0
    bad = tmp_path / "fel.csv"
    bad.write_text(example_text().replace(",K,Ludvika,EVI,", ",Q,Ludvika,EVI,"), encoding="utf-8")

    failed = manage("import_enrolments", str(bad), "--team", "Rehabteamet")
    assert failed.returncode == 1
    assert "rad 2: okänt kön 'Q' (ange K, M eller X)" in failed.stderr
    assert "inget importerades" in failed.stderr
    assert failed.stdout == ""

    unknown = manage("import_enrolments", str(EXAMPLE), "--team", "Okänt")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "CommandError: Okänt team: 'Okänt'."

    ok = manage("import_enrolments", str(EXAMPLE), "--team", "Rehabteamet")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "Importerade 12 inskrivningar (12 nya deltagare), 0 oförändrade.\n"
