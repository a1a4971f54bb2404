"""reporting.imports: reading files, validating every row, writing a plan."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from modules.models import Module, Placement
from rehab.models import AuditEvent, Enrolment, Participant
from reporting import imports as importing
from tests.factories import EnrolmentFactory, ParticipantFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 1, 1)
ANNA = {
    "personnummer": "19850312-4128",
    "fornamn": "Anna",
    "efternamn": "Berg",
    "kon": "K",
    "kommun": "Ludvika",
    "remittent": "EVI",
    "startdatum": "2023-02-01",
    "slutdatum": "",
    "avslutsorsak": "",
    "manader_utan_arbete": "14",
    "modul": "Kompassen",
    "modulstart": "2023-08-01",
}
OUTCOMES = (
    "ange en av tidigt_avhopp, arbete, studier, annan_arbetslivsinriktad_rehab, "
    "medicinsk_rehab, aktivitets_eller_sjukersattning, annat"
)


def row(**changes):
    return {**ANNA, **changes}


def parse(*rows, delimiter=","):
    return importing.parse_file(
        importing.rows_to_csv(rows, delimiter=delimiter).encode(), "fil.csv"
    )


def plan_for(team, *rows):
    return importing.validate_rows(parse(*rows), team=team, today=TODAY)


def messages(plan):
    return [str(e) for e in plan.errors]


# --- Reading --------------------------------------------------------------------------------


def test_parse_reads_semicolons_bom_and_columns_in_any_order_case_insensitively(rehab_team):
    text = (
        "\ufeffKON;Personnummer;fornamn;efternamn;kommun;remittent;startdatum;slutdatum;"
        "avslutsorsak;manader_utan_arbete;modul;modulstart;;\n"
        "K;19850312-4128;Anna;Berg;Ludvika;EVI;2023-02-01;;;14;;;;\n"
    )
    rows = importing.parse_file(text.encode("utf-8"), "fil.csv")
    assert len(rows) == 1
    assert rows[0].line == 2
    assert rows[0].values["kon"] == "K"
    assert rows[0].values["personnummer"] == "19850312-4128"
    assert not rows[0].extra_cells


def test_blank_rows_are_skipped_and_line_numbers_stay_as_in_the_spreadsheet(rehab_team):
    text = (
        importing.rows_to_csv([ANNA])
        + ",,,,,,,,,,,\n\n"
        + importing.rows_to_csv([row(personnummer="19900704-5017", kon="Q")]).split("\n", 1)[1]
    )
    plan = importing.validate_rows(
        importing.parse_file(text.encode(), "fil.csv"), team=rehab_team, today=TODAY
    )
    assert messages(plan) == ["rad 5: okänt kön 'Q' (ange K, M eller X)"]


def test_a_quoted_cell_over_two_text_lines_is_one_spreadsheet_row(rehab_team):
    text = importing.rows_to_csv(
        [row(efternamn="Berg\nLind"), row(personnummer="19900704-5017", kon="Q")]
    )
    assert text.count("\n") == 4
    plan = importing.validate_rows(
        importing.parse_file(text.encode(), "fil.csv"), team=rehab_team, today=TODAY
    )
    assert messages(plan) == [
        "rad 2: efternamn innehåller en radbrytning eller ett annat styrtecken",
        "rad 3: okänt kön 'Q' (ange K, M eller X)",
    ]


def test_cells_beyond_the_header_are_an_error_of_that_row(rehab_team):
    text = importing.rows_to_csv([ANNA]).rstrip("\n") + ",överbliven\n"
    plan = importing.validate_rows(
        importing.parse_file(text.encode(), "fil.csv"), team=rehab_team, today=TODAY
    )
    assert messages(plan) == ["rad 2: raden har fler ifyllda kolumner än rubrikraden"]


def test_doubled_header_column_is_refused():
    header = ",".join(importing.COLUMNS) + ",kon\n"
    with pytest.raises(importing.ImportFileError, match=r"dubblerade kolumner: kon"):
        importing.parse_file(header.encode() + b"1,2\n", "fil.csv")


def test_missing_and_unknown_columns_are_named_in_one_line():
    with pytest.raises(importing.ImportFileError) as excinfo:
        importing.parse_file(b"personnummer,namn\n1,2\n", "fil.csv")
    message = str(excinfo.value)
    assert message.startswith(
        "Rubrikraden stämmer inte (saknade kolumner: fornamn, efternamn, kon, kommun, "
        "remittent, startdatum, slutdatum, avslutsorsak, manader_utan_arbete, modul, "
        "modulstart; okända kolumner: namn). Första raden ska innehålla kolumnerna "
    )
    assert "\n" not in message


def test_parse_file_reads_a_path_and_a_file_object(tmp_path):
    path = tmp_path / "fil.csv"
    path.write_text(importing.rows_to_csv([ANNA]), encoding="utf-8")
    assert importing.parse_file(path) == importing.parse_file(str(path))
    with path.open("rb") as f:
        assert importing.parse_file(f, "fil.csv")[0].values == ANNA


def test_xlsx_cells_read_as_text_like_a_csv_export(rehab_team):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(importing.COLUMNS))
    sheet.append(
        [
            198503124128,
            "Anna",
            "Berg",
            "K",
            "Ludvika",
            "EVI",
            datetime.datetime(2023, 2, 1),
            None,
            None,
            14.0,
            "Kompassen",
            datetime.date(2023, 8, 1),
        ]
    )
    sheet.append([None] * 12)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = importing.parse_file(buffer.getvalue(), "fil.xlsx")
    assert [r.values for r in rows] == [ANNA | {"personnummer": "198503124128"}]
    plan = importing.validate_rows(rows, team=rehab_team, today=TODAY)
    assert plan.ok


def test_an_xlsx_file_is_recognised_by_content_whatever_its_name():
    workbook = Workbook()
    workbook.active.append(list(importing.COLUMNS))
    workbook.active.append(list(ANNA.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert importing.parse_file(buffer.getvalue(), "export.csv")[0].values == ANNA


# --- Single bad values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"personnummer": ""}, "personnummer saknas"),
        (
            {"personnummer": "19850312-4129"},
            "ogiltigt personnummer '19850312-4129': Kontrollsiffran stämmer inte – kontrollera "
            "att personnumret är rätt skrivet.",
        ),
        (
            {"personnummer": "19850230-1234"},
            "ogiltigt personnummer '19850230-1234': Datumet 1985-02-30 finns inte.",
        ),
        (
            {"personnummer": "1985-03-12"},
            "ogiltigt personnummer '1985-03-12': Ange personnumret som ÅÅÅÅMMDD-NNNN, "
            "ÅÅÅÅMMDDNNNN, ÅÅMMDD-NNNN eller ÅÅMMDD+NNNN.",
        ),
        (
            {"personnummer": "20300101-1234"},
            "ogiltigt personnummer '20300101-1234': Födelsedatumet 2030-01-01 ligger i framtiden.",
        ),
        ({"fornamn": ""}, "förnamn saknas"),
        ({"efternamn": "x" * 101}, "efternamn är längre än 100 tecken"),
        ({"kon": "Q"}, "okänt kön 'Q' (ange K, M eller X)"),
        ({"kon": ""}, "kön saknas (ange K, M eller X)"),
        ({"kommun": "Atlantis"}, "okänd kommun 'Atlantis' (ange en av Sveriges 290 kommuner)"),
        ({"kommun": ""}, "kommun saknas"),
        (
            {"remittent": "Polisen"},
            "okänd remittent 'Polisen' (ange EVI, AF, FK, Region, Kommun, Egen eller Förbund)",
        ),
        (
            {"remittent": ""},
            "remittent saknas (ange EVI, AF, FK, Region, Kommun, Egen eller Förbund)",
        ),
        ({"startdatum": "", "modul": "", "modulstart": ""}, "startdatum saknas"),
        (
            {"startdatum": "2023/02/01", "modul": "", "modulstart": ""},
            "startdatum '2023/02/01' är inte ett datum på formen ÅÅÅÅ-MM-DD",
        ),
        (
            {"startdatum": "20230201", "modul": "", "modulstart": ""},
            "startdatum '20230201' är inte ett datum på formen ÅÅÅÅ-MM-DD",
        ),
        (
            {"startdatum": "2023-02-30", "modul": "", "modulstart": ""},
            "startdatum '2023-02-30' är inget giltigt datum",
        ),
        (
            {
                "personnummer": "20050601-1238",
                "startdatum": "2005-01-01",
                "modul": "",
                "modulstart": "",
                "manader_utan_arbete": "",
            },
            "startdatum 2005-01-01 ligger före födelsedatumet 2005-06-01",
        ),
        (
            {"slutdatum": "2023-01-31", "avslutsorsak": "arbete", "modul": "", "modulstart": ""},
            "slutdatum 2023-01-31 ligger före startdatum 2023-02-01",
        ),
        (
            {"slutdatum": "2025-01-02", "avslutsorsak": "arbete"},
            "slutdatum 2025-01-02 ligger i framtiden",
        ),
        (
            {"slutdatum": "2024-05-01"},
            f"avslutsorsak saknas – den krävs när slutdatum är ifyllt ({OUTCOMES})",
        ),
        (
            {"avslutsorsak": "arbete"},
            "avslutsorsak utan slutdatum (fyll i slutdatum eller ta bort avslutsorsaken)",
        ),
        (
            {"slutdatum": "2024-05-01", "avslutsorsak": "pension"},
            f"okänd avslutsorsak 'pension' ({OUTCOMES})",
        ),
        (
            {"manader_utan_arbete": "-1"},
            "manader_utan_arbete '-1' är inte ett helt antal månader (0 eller fler)",
        ),
        (
            {"manader_utan_arbete": "2.5"},
            "manader_utan_arbete '2.5' är inte ett helt antal månader (0 eller fler)",
        ),
        (
            {"manader_utan_arbete": "ett år"},
            "manader_utan_arbete 'ett år' är inte ett helt antal månader (0 eller fler)",
        ),
        (
            {"manader_utan_arbete": "455"},
            "manader_utan_arbete 455 är fler månader än deltagaren hade levt vid startdatum",
        ),
        (
            {"modul": "Rymden"},
            "okänd modul 'Rymden' (teamets moduler: Portalen, Kompassen, Passagen)",
        ),
        (
            {"modul": ""},
            "modulstart utan modul (fyll i modul eller ta bort modulstart)",
        ),
        (
            {"modulstart": "2023-01-31"},
            "modulstart 2023-01-31 ligger före startdatum 2023-02-01",
        ),
        (
            {"slutdatum": "2023-07-31", "avslutsorsak": "annat"},
            "modulstart 2023-08-01 ligger efter slutdatum 2023-07-31",
        ),
        (
            {"modulstart": "1 aug 2023"},
            "modulstart '1 aug 2023' är inte ett datum på formen ÅÅÅÅ-MM-DD",
        ),
    ],
)
def test_each_kind_of_bad_value_is_reported_with_its_line(rehab_team, changes, message):
    plan = plan_for(rehab_team, row(**changes))
    assert messages(plan) == [f"rad 2: {message}"]
    assert plan.rows == []


NO_MODULE = {"modul": "", "modulstart": ""}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"startdatum": "2099-01-01", **NO_MODULE},
            "startdatum 2099-01-01 ligger i framtiden",
        ),
        (
            {"startdatum": "2025-01-02", **NO_MODULE},
            "startdatum 2025-01-02 ligger i framtiden",
        ),
        (
            {"startdatum": "1999-12-31", **NO_MODULE},
            "startdatum 1999-12-31 ligger före 2000-01-01",
        ),
        (
            {"slutdatum": "2099-01-01", "avslutsorsak": "arbete"},
            "slutdatum 2099-01-01 ligger i framtiden",
        ),
        (
            {"modulstart": "2099-01-01"},
            "modulstart 2099-01-01 ligger mer än 60 dagar fram i tiden",
        ),
        (
            {"personnummer": "18991231-1231", "manader_utan_arbete": ""},
            "födelsedatumet 1899-12-31 ligger före 1900-01-01",
        ),
        (
            {"manader_utan_arbete": "9" * 20},
            "manader_utan_arbete har fler än 4 siffror",
        ),
        ({"fornamn": "x" * 101}, "förnamn är längre än 100 tecken"),
    ],
)
def test_the_input_policy_bounds_every_date_and_text(rehab_team, changes, message):
    """Issue #14: the import applies rehab.policy (events from 2000-01-01 up to today, births
    from 1900, name lengths) like every other way in."""
    plan = plan_for(rehab_team, row(**changes))
    assert messages(plan) == [f"rad 2: {message}"]
    assert plan.rows == []


def test_a_module_start_within_the_placement_window_is_accepted(rehab_team):
    ahead = (TODAY + datetime.timedelta(days=60)).isoformat()
    plan = importing.validate_rows(
        parse(row(startdatum=TODAY.isoformat(), modulstart=ahead)), team=rehab_team, today=TODAY
    )
    assert plan.ok, messages(plan)


def test_months_up_to_the_age_at_start_are_accepted(rehab_team):
    # Anna is 1985-03-12 and starts 2023-02-01: 454 whole months old.
    assert plan_for(rehab_team, row(manader_utan_arbete="454")).ok
    assert plan_for(rehab_team, row(manader_utan_arbete="0")).ok


def test_every_error_of_a_row_is_reported_in_column_order(rehab_team):
    plan = plan_for(
        rehab_team,
        ANNA,
        row(personnummer="19900704-5017", kon="Q", kommun="Atlantis", startdatum="i går"),
    )
    assert messages(plan) == [
        "rad 3: okänt kön 'Q' (ange K, M eller X)",
        "rad 3: okänd kommun 'Atlantis' (ange en av Sveriges 290 kommuner)",
        "rad 3: startdatum 'i går' är inte ett datum på formen ÅÅÅÅ-MM-DD",
    ]
    assert plan.error_lines == 1


def test_kommun_remittent_modul_and_codes_match_without_regard_to_case(rehab_team):
    plan = plan_for(
        rehab_team,
        row(kon="k", kommun="LUDVIKA", remittent="evi", modul="kOMPASSEN"),
        row(
            personnummer="19690505-7409",
            kommun="smedjebacken",
            remittent="REGION",
            slutdatum="2024-01-15",
            avslutsorsak="Aktivitets_eller_sjukersattning",
            modul="passagen",
            modulstart="",
        ),
        row(personnummer="19950819-6434", kommun="2085", remittent="egen", modul="kompassen"),
        row(personnummer="19720228-5578", remittent="kommun", modul="", modulstart=""),
    )
    assert plan.ok, messages(plan)
    anna, karin, jonas, per = plan.rows
    assert (anna.gender, anna.kommun_name, anna.referrer, anna.module_name) == (
        "K",
        "Ludvika",
        "EVI",
        "Kompassen",
    )
    assert (karin.kommun_name, karin.referrer, karin.module_name) == (
        "Smedjebacken",
        "Region",
        "Passagen",
    )
    assert karin.exit_outcome == "aktivitets_eller_sjukersattning"
    assert (jonas.kommun_name, jonas.referrer) == ("Ludvika", "Egen")
    assert per.referrer == "Kommun"


def test_module_of_another_team_is_refused(rehab_team, org):
    other = TeamFactory(forbund=org["forbund"], name="REBUS")
    Module.objects.create(team=other, name="Verkstan", first_period=2, extension_period=2)
    plan = plan_for(rehab_team, row(modul="verkstan"))
    assert messages(plan) == [
        "rad 2: modulen 'verkstan' hör inte till teamet "
        "(teamets moduler: Portalen, Kompassen, Passagen)"
    ]


def test_a_team_without_modules_says_so(org):
    team = TeamFactory(forbund=org["forbund"])
    plan = plan_for(team, row(modul="Rymden"))
    assert messages(plan) == ["rad 2: okänd modul 'Rymden' (teamet har inga moduler)"]
    assert plan_for(team, row(modul="", modulstart="")).ok


# --- Duplicates and overlaps ----------------------------------------------------------------


def test_same_personnummer_and_start_twice_in_the_file(rehab_team):
    plan = plan_for(rehab_team, ANNA, row(personnummer="850312-4128", fornamn="Annie"))
    assert messages(plan) == ["rad 3: samma personnummer och startdatum som rad 2"]


def test_overlapping_enrolments_of_one_person_in_the_file(rehab_team):
    plan = plan_for(
        rehab_team,
        row(
            startdatum="2021-01-01",
            slutdatum="2023-03-01",
            avslutsorsak="annat",
            modul="",
            modulstart="",
        ),
        row(modul="", modulstart=""),
    )
    assert messages(plan) == [
        "rad 3: inskrivningen överlappar inskrivningen på rad 2 (samma personnummer)"
    ]


def test_earlier_enrolments_of_one_person_import_as_one_participant(rehab_team):
    plan = plan_for(
        rehab_team,
        row(
            startdatum="2021-01-01",
            slutdatum="2022-03-01",
            avslutsorsak="annat",
            modul="",
            modulstart="",
        ),
        ANNA,
    )
    assert plan.ok
    assert (plan.new_enrolments, plan.new_participants, plan.new_placements) == (2, 1, 1)
    result = importing.import_apply(plan, team=rehab_team, by=None)
    assert result.created_participants == 1
    assert Participant.objects.get().enrolments.count() == 2


def _registered(team, start, exit_date=None, **kwargs):
    participant = Participant.objects.filter(personnummer="198503124128").first()
    if participant is None:
        participant = ParticipantFactory(personnummer="198503124128", first_name="Anna")
    return EnrolmentFactory(
        participant=participant,
        team=team,
        start_date=start,
        exit_date=exit_date,
        exit_outcome="annat" if exit_date else "",
        **kwargs,
    )


def test_personnummer_already_active_in_the_team_with_another_start(rehab_team):
    _registered(rehab_team, datetime.date(2022, 1, 1))
    plan = plan_for(rehab_team, ANNA)
    assert messages(plan) == [
        "rad 2: personnumret har redan en pågående inskrivning i teamet från 2022-01-01"
    ]


def test_overlap_with_a_registered_exited_enrolment(rehab_team):
    _registered(rehab_team, datetime.date(2022, 1, 1), datetime.date(2023, 6, 1))
    plan = plan_for(rehab_team, ANNA)
    assert messages(plan) == [
        "rad 2: inskrivningen överlappar en registrerad inskrivning i teamet "
        "(2022-01-01–2023-06-01)"
    ]


def test_enrolments_registered_in_error_and_other_teams_do_not_block(rehab_team, org):
    _registered(rehab_team, datetime.date(2022, 1, 1), registered_in_error=True)
    _registered(TeamFactory(forbund=org["forbund"]), datetime.date(2022, 1, 1))
    plan = plan_for(rehab_team, ANNA)
    assert plan.ok
    assert (plan.new_enrolments, plan.new_participants) == (1, 0)
    importing.import_apply(plan, team=rehab_team, by=None)
    anna = Participant.objects.get(personnummer="198503124128")
    assert anna.enrolments.count() == 3


def test_an_existing_participant_keeps_name_gender_and_kommun(rehab_team):
    ParticipantFactory(personnummer="198503124128", first_name="Annika", gender="X")
    plan = plan_for(rehab_team, row(kommun="Smedjebacken"))
    importing.import_apply(plan, team=rehab_team, by=None)
    anna = Participant.objects.get(personnummer="198503124128")
    assert (anna.first_name, anna.gender, anna.kommun.name) == ("Annika", "X", "Ludvika")
    assert anna.enrolments.get().team == rehab_team


# --- Capacity, writing, races ---------------------------------------------------------------


def test_overfilling_a_capacity_limited_module_is_a_warning_not_an_error(rehab_team):
    rows = [
        r | {"slutdatum": "", "avslutsorsak": "", "modul": "Portalen", "modulstart": ""}
        for r in importing.example_rows(31, seed=3)
    ]
    plan = importing.validate_rows(parse(*rows), team=rehab_team, today=TODAY)
    assert plan.ok
    assert plan.warnings == [
        "Portalen får 31 pågående placeringar efter importen men har 30 platser."
    ]


def test_apply_refuses_a_plan_with_errors(rehab_team):
    plan = plan_for(rehab_team, row(kon="Q"))
    with pytest.raises(ValueError, match="planen har fel"):
        importing.import_apply(plan, team=rehab_team, by=None)
    assert not Enrolment.objects.exists()


def test_a_concurrent_registration_rolls_the_whole_import_back(rehab_team):
    plan = plan_for(rehab_team, row(personnummer="19900704-5017"), ANNA)
    # Someone registers Anna between the preview and the confirmation.
    ParticipantFactory(personnummer="198503124128")
    with pytest.raises(ValidationError, match="Inget importerades"):
        importing.import_apply(plan, team=rehab_team, by=None)
    assert Participant.objects.count() == 1
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.filter(action="import_enrolments").exists()


def test_the_importing_user_is_recorded(rehab_team, admin_user):
    plan = plan_for(rehab_team, ANNA)
    result = importing.import_apply(plan, team=rehab_team, by=admin_user, channel="webb")
    assert Participant.objects.get().created_by == admin_user
    assert Placement.objects.get().created_by == admin_user
    event = AuditEvent.objects.get(pk=result.audit_event_id)
    assert (event.user, event.changes["channel"]) == (admin_user, "webb")


@pytest.mark.parametrize(
    ("numbers", "dry_run", "text"),
    [
        ((1, 1, 1), False, "Importerade 1 inskrivning (1 ny deltagare), 1 oförändrad."),
        ((0, 0, 2), False, "Importerade 0 inskrivningar (0 nya deltagare), 2 oförändrade."),
        (
            (2, 1, 0),
            True,
            "Torrkörning: 2 inskrivningar skulle importeras (1 ny deltagare), 0 oförändrade, "
            "inget sparades.",
        ),
    ],
)
def test_summary_in_swedish(numbers, dry_run, text):
    enrolments, participants, unchanged = numbers
    assert (
        importing.summary(
            enrolments=enrolments, participants=participants, unchanged=unchanged, dry_run=dry_run
        )
        == text
    )


# --- Generated rows -------------------------------------------------------------------------


def test_example_rows_are_reproducible_and_valid(rehab_team):
    rows = importing.example_rows(400, seed=7)
    assert rows == importing.example_rows(400, seed=7)
    assert rows != importing.example_rows(400, seed=8)
    assert len({r["personnummer"] for r in rows}) == 400
    plan = importing.validate_rows(parse(*rows), team=rehab_team, today=TODAY)
    assert plan.ok, messages(plan)[:5]
    assert plan.warnings == []
    assert (plan.new_enrolments, plan.new_participants) == (400, 400)


def test_ten_thousand_generated_rows_import_with_bulk_inserts(
    rehab_team, django_assert_max_num_queries
):
    """Not a timing test (bench/ measures that): the import must not issue queries per row."""
    rows = importing.example_rows(10_000, seed=1)
    plan = importing.validate_rows(parse(*rows), team=rehab_team, today=TODAY)
    assert plan.ok, messages(plan)[:5]
    # SQLite caps the variables per statement, so bulk inserts go in batches of a few dozen
    # rows; PostgreSQL needs a handful of queries. Row by row would be over 30 000.
    with django_assert_max_num_queries(1_000):
        result = importing.import_apply(plan, team=rehab_team, by=None)
    assert result.created_enrolments == 10_000
    assert Enrolment.objects.filter(team=rehab_team).count() == 10_000
    assert Participant.objects.count() == 10_000
    assert Placement.objects.count() == result.created_placements > 4_000
    again = importing.validate_rows(parse(*rows), team=rehab_team, today=TODAY)
    assert (again.new_enrolments, again.unchanged) == (0, 10_000)


# --- Referrer Förbund and the optional income column (SPEC §13 rule 5) -----------------------


@pytest.mark.parametrize("code", ["Forbund", "Förbund", "FÖRBUND", "forbund"])
def test_referrer_funded_by_the_forbund_is_accepted_in_either_spelling(rehab_team, code):
    plan = plan_for(rehab_team, row(remittent=code))
    assert plan.ok, messages(plan)
    assert plan.rows[0].referrer == "Forbund"


def test_a_file_without_the_income_column_imports_no_income(rehab_team):
    plan = plan_for(rehab_team, ANNA)
    assert plan.ok
    assert plan.rows[0].income == 0


def test_income_codes_are_read_into_bits_and_stored(rehab_team):
    from rehab.models import INCOME_BITS

    plan = plan_for(
        rehab_team,
        row(forsorjning="Etableringsersattning; akassa"),
        row(personnummer="19900101-1239", fornamn="Bo", kon="M", forsorjning=""),
    )
    assert plan.ok, messages(plan)
    assert plan.rows[0].income == INCOME_BITS["etableringsersattning"] | INCOME_BITS["akassa"]
    importing.import_apply(plan, team=rehab_team, by=None)
    enrolment = Enrolment.objects.get(participant__first_name="Anna")
    assert enrolment.income_start_list == ["akassa", "etableringsersattning"]
    assert Enrolment.objects.get(participant__first_name="Bo").income_start == 0


def test_unknown_income_code_is_reported_with_its_line(rehab_team):
    plan = plan_for(rehab_team, row(forsorjning="akassa+lön"))
    assert not plan.ok
    assert messages(plan) == [
        "rad 2: okänd försörjning 'lön' (ange koder bland sjukpenning, ersattning, akassa, "
        "aktivitetsstod, forsorjningsstod, etableringsersattning, annan, ingen)"
    ]


def test_no_public_income_cannot_be_combined_with_another_source(rehab_team):
    plan = plan_for(rehab_team, row(forsorjning="ingen,akassa"))
    assert messages(plan) == [
        "rad 2: försörjning 'ingen' kan inte kombineras med andra försörjningskällor"
    ]


def test_the_header_may_add_the_income_column_but_no_other(rehab_team):
    text = importing.rows_to_csv([ANNA]).replace("modulstart", "modulstart,lön", 1)
    with pytest.raises(importing.ImportFileError) as excinfo:
        importing.parse_file(text.encode(), "fil.csv")
    assert "okända kolumner: lön" in str(excinfo.value)
    assert "(och får ha forsorjning)" in str(excinfo.value)
