"""The participant forecast of SPEC §13 rule 13: the arithmetic (edges: no history, one year,
rounding), the counts it reads, and how the board report and the dashboard show it, exact for
the unit manager and through the disclosure control for förbund and steering group."""

import datetime

import pytest
from django.urls import reverse

from reporting.forecast import (
    forecast_as_of,
    forecast_for,
    forecast_participants,
    present_forecast,
)
from tests.reporting.conftest import enrol

D = datetime.date
TODAY = D(2026, 12, 2)


# --- The arithmetic ---------------------------------------------------------------------------


def _fc(active, inflow, first_year=2000, year=2025):
    return forecast_participants(
        year=year, as_of=D(year, 12, 31), active=active, inflow=inflow, first_year=first_year
    )


def test_the_example_of_the_brief():
    f = _fc(12, {2023: 20, 2024: 24})
    assert (f.year, f.value, f.mean_inflow) == (2026, 34, 22)
    view = present_forecast(f, exact=True)
    assert view.formula == "12 aktiva 31 dec 2025 + (20 + 24) / 2 = 34"
    assert view.words == "Aktiva 31 dec 2025 + medelinflödet 2023–2024 (nya deltagare per år)."


@pytest.mark.parametrize(
    ("active", "inflow", "expected"),
    [
        (12, {2023: 20, 2024: 25}, 35),  # 34.5 rounds half away from zero
        (12, {2023: 20, 2024: 23}, 34),  # 33.5 → 34
        (0, {2023: 1, 2024: 0}, 1),  # 0.5 → 1
        (0, {}, 0),  # two years of history, no inflow
        (7, {2024: 3}, 9),  # a missing year counts 0: 7 + 1.5 → 9
        (5, {2022: 100, 2025: 100}, 5),  # only Y − 2 and Y − 1 count
    ],
)
def test_rounding_and_missing_years(active, inflow, expected):
    assert _fc(active, inflow).value == expected


def test_one_year_of_history_uses_that_year_alone():
    f = _fc(10, {2023: 0, 2024: 9}, first_year=2024)
    assert f.inflow == ((2024, 9),)
    assert f.value == 19
    view = present_forecast(f, exact=True)
    assert view.formula == "10 aktiva 31 dec 2025 + 9 = 19"
    assert "bara ett helt år finns" in view.words


def test_no_history_gives_the_active_count():
    for first_year in (None, 2025):
        f = _fc(6, {}, first_year=first_year)
        assert (f.inflow, f.value) == ((), 6)
        view = present_forecast(f, exact=True)
        assert view.formula == "6 aktiva 31 dec 2025 = 6"
        assert "prognosen är antalet aktiva" in view.words


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negativa"):
        _fc(-1, {})
    with pytest.raises(ValueError, match="negativa"):
        _fc(1, {2024: -2})


def test_the_date_of_the_active_count():
    assert forecast_as_of(2025, TODAY) == D(2025, 12, 31)
    assert forecast_as_of(2026, TODAY) == TODAY  # the year is under way
    f = forecast_participants(year=2026, as_of=TODAY, active=3, inflow={}, first_year=None)
    assert present_forecast(f, exact=True).formula == "3 aktiva 2026-12-02 = 3"


# --- Disclosure control -------------------------------------------------------------------------


def test_a_small_input_hides_the_forecast_for_aggregate_users():
    f = _fc(12, {2023: 3, 2024: 24})
    view = present_forecast(f, exact=False, threshold=5)
    assert view.formula == "12 aktiva 31 dec 2025 + (<5 + 24) / 2 = –"
    assert view.hidden and "döljs" in view.note
    small_active = present_forecast(_fc(2, {2023: 20, 2024: 24}), exact=False)
    assert small_active.formula.startswith("<5 aktiva") and small_active.hidden
    # Zero is shown as 0 and hides nothing.
    zero = present_forecast(_fc(0, {2023: 0, 2024: 10}), exact=False)
    assert zero.formula == "0 aktiva 31 dec 2025 + (0 + 10) / 2 = 5"
    # The unit manager sees everything.
    assert present_forecast(f, exact=True).formula.endswith("(3 + 24) / 2 = 26")


def test_a_linked_hidden_cell_hides_the_active_count():
    f = _fc(12, {2023: 20, 2024: 24})
    view = present_forecast(f, exact=False, linked=(40, "<5"))
    assert view.formula.startswith("– aktiva") and view.hidden
    assert not present_forecast(f, exact=False, linked=(40, 28)).hidden


def test_the_threshold_of_the_forbund_is_used():
    f = _fc(12, {2023: 6, 2024: 24})
    assert present_forecast(f, exact=False, threshold=5).value == 27
    assert present_forecast(f, exact=False, threshold=7).hidden


# --- The counts --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_forecast_for_counts_active_at_year_end_and_starts(rehab_team, other_team):
    for _ in range(3):
        enrol(rehab_team, start=D(2023, 2, 1))  # inflow 2023, active at the end of 2025
    enrol(rehab_team, start=D(2024, 5, 1), exit=D(2025, 12, 31))  # exits on Dec 31: not active
    enrol(rehab_team, start=D(2024, 6, 1), exit=D(2026, 1, 15))  # active on Dec 31
    enrol(rehab_team, start=D(2025, 3, 1))
    enrol(rehab_team, start=D(2026, 1, 5))  # after the year: not active, no inflow
    enrol(rehab_team, start=D(2024, 1, 1), registered_in_error=True)
    enrol(other_team, start=D(2024, 1, 1))  # another team
    f = forecast_for([rehab_team], 2025, TODAY)
    assert f.as_of == D(2025, 12, 31)
    assert (f.active, f.inflow, f.value) == (5, ((2023, 3), (2024, 2)), 8)  # 5 + 2.5 → 8
    together = forecast_for([rehab_team, other_team], 2025, TODAY)
    assert together.inflow == ((2023, 3), (2024, 3))


@pytest.mark.django_db
def test_forecast_for_with_history_from_last_year_only(rehab_team):
    enrol(rehab_team, start=D(2024, 9, 1))
    f = forecast_for([rehab_team], 2025, TODAY)
    assert (f.active, f.inflow, f.value) == (1, ((2024, 1),), 2)
    assert forecast_for([rehab_team], 2024, TODAY).inflow == ()


# --- The pages ----------------------------------------------------------------------------------


@pytest.fixture
def history(rehab_team):
    """12 active at the end of 2025; 20 new in 2023 and 24 in 2024 (all exited in 2024 or 2025
    except the 12)."""
    for i in range(20):
        enrol(rehab_team, start=D(2023, 3, 1), exit=D(2024, 6, 30), gender="KMX"[i % 3])
    for i in range(24):
        exit = None if i < 12 else D(2025, 4, 30)
        enrol(rehab_team, start=D(2024, 3, 1), exit=exit, gender="KMX"[i % 3])
    return rehab_team


def test_board_report_shows_the_forecast_with_its_formula(client, admin_user, history):
    client.force_login(admin_user)
    response = client.get(
        reverse("board_report"),
        {"scope": f"team-{history.pk}", "fran": "2025-01-01", "till": "2025-12-31"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Prognos för 2026" in content
    assert "12 aktiva 31 dec 2025 + (20 + 24) / 2 = 34" in content
    assert response.context["forecast"].value == 34


def test_board_report_for_the_steering_group(client, styrgrupp_user, history):
    client.force_login(styrgrupp_user)
    response = client.get(
        reverse("board_report"),
        {"scope": f"team-{history.pk}", "fran": "2025-01-01", "till": "2025-12-31"},
    )
    assert response.status_code == 200
    # Active in 2025: 12 + 12 who left; exits 12: all shown, so the forecast is too.
    assert response.context["forecast"].value == 34


def test_board_report_hides_an_active_count_that_gives_small_exits_back(
    client, styrgrupp_user, rehab_team
):
    for _ in range(10):
        enrol(rehab_team, start=D(2023, 3, 1))
    for _ in range(2):
        enrol(rehab_team, start=D(2024, 3, 1), exit=D(2025, 5, 1))
    client.force_login(styrgrupp_user)
    response = client.get(
        reverse("board_report"),
        {"scope": f"team-{rehab_team.pk}", "fran": "2025-01-01", "till": "2025-12-31"},
    )
    # 12 active in the period − <5 exits = 10 at the end: showing 10 would give 2 back.
    view = response.context["forecast"]
    assert view.active == "–" and view.hidden
    assert "10 aktiva" not in response.content.decode()


def test_dashboard_shows_the_forecast(client, admin_user, styrgrupp_user, history):
    client.force_login(admin_user)
    response = client.get(reverse("dashboard"), {"scope": f"team-{history.pk}", "ar": "2025"})
    assert response.status_code == 200
    assert "12 aktiva 31 dec 2025 + (20 + 24) / 2 = 34" in response.content.decode()
    client.force_login(styrgrupp_user)
    response = client.get(reverse("dashboard"), {"scope": f"team-{history.pk}", "ar": "2025"})
    forecast = response.context["board"].forecast
    assert forecast.value == 34 and not forecast.hidden


def test_dashboard_suppresses_a_small_inflow_for_the_steering_group(
    client, styrgrupp_user, rehab_team
):
    for _ in range(3):
        enrol(rehab_team, start=D(2023, 3, 1))
    for _ in range(10):
        enrol(rehab_team, start=D(2024, 3, 1))
    client.force_login(styrgrupp_user)
    response = client.get(reverse("dashboard"), {"scope": f"team-{rehab_team.pk}", "ar": "2025"})
    forecast = response.context["board"].forecast
    assert forecast.hidden
    assert forecast.formula == "13 aktiva 31 dec 2025 + (<5 + 10) / 2 = –"
    assert "= 20" not in response.content.decode()


def test_board_files_carry_the_forecast(client, admin_user, history, monkeypatch, board_file):
    import io

    import openpyxl

    from reporting.board import exports

    rendered = []
    original = exports.render_to_string

    def capture(template, context=None, *args, **kwargs):
        html = original(template, context, *args, **kwargs)
        rendered.append(html)
        return html

    monkeypatch.setattr(exports, "render_to_string", capture)
    client.force_login(admin_user)
    query = {"scope": f"team-{history.pk}", "fran": "2025-01-01", "till": "2025-12-31"}
    xlsx = board_file(client, "xlsx", query)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Prognos"]
    texts = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert "Prognos för 2026" in texts
    assert "12 aktiva 31 dec 2025 + (20 + 24) / 2 = 34 deltagare" in texts
    pdf = board_file(client, "pdf", query)
    assert pdf.content.startswith(b"%PDF")
    assert "12 aktiva 31 dec 2025 + (20 + 24) / 2 = 34" in rendered[0]
    # The §12 CSV stays the table alone.
    csv = client.get(reverse("board_report_export", args=["nycklar"]), query)
    assert "Prognos" not in csv.content.decode()
