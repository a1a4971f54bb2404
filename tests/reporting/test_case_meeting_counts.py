"""The case meetings of a samverkansteam in the aggregates (SPEC §13 rule 11): per month and
agency, the meetings and the participants discussed, exact for the unit manager and through
the disclosure control for the förbund and the steering group, never a name."""

from datetime import date

import pytest
from django.urls import reverse

from rehab.models import CaseMeeting, CaseMeetingItem
from reporting.board import exports
from reporting.board.presentation import HEADLINES, linked_counts, present
from reporting.board.tables import board_table
from reporting.dashboards.dashboard import dashboard
from reporting.disclosure import SMALL, suppress_linked
from reporting.scopes import Scope
from tests.reporting.conftest import enrol
from tests.reporting.test_disclosure_property import assert_not_derivable

pytestmark = pytest.mark.django_db
D = date
H1 = {"date_from": D(2024, 1, 1), "date_to": D(2024, 6, 30)}
MONTHS = ["jan 2024", "feb 2024", "mar 2024", "apr 2024", "maj 2024", "jun 2024"]
NAME = "Meetingsdotter"


def meet(team, day, agencies, enrolments=()):
    meeting = CaseMeeting.objects.create(team=team, date=day, agencies=agencies)
    for e in enrolments:
        CaseMeetingItem.objects.create(meeting=meeting, enrolment=e, note="Samtal om praktik")
    return meeting


@pytest.fixture
def meetings(rehab_team, other_team):
    """March: six meetings with AF (two with FK too), each discussing two or three people;
    April: one meeting with Region discussing one; one in July (outside the period), one in
    another team."""
    rehab_team.has_case_meetings = True
    rehab_team.save()
    people = [
        enrol(rehab_team, start=D(2024, 1, 2), participant__last_name=NAME) for _ in range(3)
    ]
    for i in range(6):
        meet(
            rehab_team,
            D(2024, 3, 1 + i),
            ["AF", "FK"] if i < 2 else ["AF"],
            people[: 2 + i % 2],
        )
    meet(rehab_team, D(2024, 4, 9), ["Region"], people[:1])
    meet(rehab_team, D(2024, 7, 1), ["AF"], people)
    other_team.has_case_meetings = True
    other_team.save()
    meet(other_team, D(2024, 3, 1), ["AF"], [enrol(other_team, start=D(2024, 1, 2))])
    return rehab_team


def test_counts_per_month_and_agency(meetings):
    cm = board_table(teams=[meetings], **H1).case_meetings
    assert cm.months == [(2024, m) for m in range(1, 7)]
    march, april = (2024, 3), (2024, 4)
    assert cm.count("meetings", "total", march) == 6
    assert cm.count("meetings", "AF", march) == 6
    assert cm.count("meetings", "FK", march) == 2
    assert cm.count("meetings", "Region", april) == 1
    # Discussed: 2, 3, 2, 3, 2, 3 in March; a participant counts once per meeting.
    assert cm.count("discussed", "total", march) == 15
    assert cm.count("discussed", "FK", march) == 5
    assert cm.period_total("meetings", "total") == 7
    assert cm.period_total("discussed", "total") == 16
    assert cm.count("meetings", "Kommun", march) == 0


def test_no_case_meetings_no_table(rehab_team):
    assert board_table(teams=[rehab_team], **H1).case_meetings is None
    assert present(board_table(teams=[rehab_team], **H1), exact=True).case_meetings is None


def test_the_unit_manager_sees_exact_counts(meetings):
    view = present(board_table(teams=[meetings], **H1), exact=True).case_meetings
    assert view.headings == [*MONTHS, "Totalt"]
    (h1, rows1, total1), (h2, _rows2, total2) = view.blocks
    assert (h1, h2) == ("Ärendemöten", "Diskuterade deltagare")
    assert dict(rows1)["Arbetsförmedlingen"] == [0, 0, 6, 0, 0, 0, 6]
    assert dict(rows1)["Regionen"] == [0, 0, 0, 1, 0, 0, 1]
    assert total1 == ("Totalt", [0, 0, 6, 1, 0, 0, 7])
    assert total2 == ("Totalt", [0, 0, 15, 1, 0, 0, 16])


def test_aggregate_users_see_no_small_count_and_nothing_derivable(meetings):
    table = board_table(teams=[meetings], **H1)
    view = present(table, exact=False).case_meetings
    (_h, rows, total), (_h2, rows2, total2) = view.blocks
    cells = [c for _l, cs in [*rows, total, *rows2, total2] for c in cs]
    assert not any(isinstance(c, int) and 1 <= c <= 4 for c in cells)
    assert dict(rows)["Försäkringskassan"][2] == SMALL
    assert dict(rows)["Arbetsförmedlingen"][2] == 6
    # On the whole page, case meetings included, no withheld cell can be worked out.
    counts, equations = linked_counts(table)
    shown = suppress_linked(counts, equations, threshold=5, headlines=HEADLINES)
    assert_not_derivable(counts, equations, shown, 5)


def _scope(team):
    return Scope(
        key=f"team-{team.pk}", label=team.name, forbund=team.forbund, team=team, teams=[team]
    )


def test_the_dashboard_figure(meetings):
    figure = dashboard(_scope(meetings), 2024, exact=True, today=D(2024, 6, 30)).figure(
        "arendemoten"
    )
    rows = dict(figure.rows)
    assert list(rows) == [*MONTHS, "Hela perioden"]
    headings = [c.heading for c in figure.columns]
    assert headings[:3] == ["Ärendemöten", "Diskuterade deltagare", "Möten med Arbetsförmedlingen"]
    assert rows["mar 2024"][:4] == [6, 15, 6, 2]
    assert rows["Hela perioden"][:2] == [7, 16]
    hidden = dashboard(_scope(meetings), 2024, exact=False, today=D(2024, 6, 30))
    for _label, cells in hidden.figure("arendemoten").rows:
        assert not any(isinstance(c, int) and 1 <= c <= 4 for c in cells)


def test_no_figure_for_a_team_without_case_meetings(rehab_team):
    board = dashboard(_scope(rehab_team), 2024, exact=True, today=D(2024, 6, 30))
    assert board.figure("arendemoten") is None


def _h1(team):
    return {"scope": f"team-{team.pk}", "fran": "2024-01-01", "till": "2024-06-30"}


def test_the_board_report_page_for_the_unit_manager(client, admin_user, meetings, board_file):
    import io

    import openpyxl

    client.force_login(admin_user)
    response = client.get(reverse("board_report"), _h1(meetings))
    body = response.content.decode()
    assert "Ärendemöten per månad och myndighet" in body
    view = response.context["view"]
    assert view.case_meetings.blocks[0][2][1][-1] == 7
    titles = [row[0] for row in exports.table_rows(view) if len(row) == 1]
    assert "Ärendemöten per myndighet och månad" in titles
    assert "Diskuterade deltagare per myndighet och månad" in titles
    xlsx = board_file(client, "xlsx", _h1(meetings))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book["Ärendemöten"]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Ärendemöten" in values and "Diskuterade deltagare" in values and 16 in values


@pytest.mark.parametrize("persona", ["forbund_user", "styrgrupp_user"])
def test_aggregate_users_see_the_counts_and_never_a_name(client, request, meetings, persona):
    client.force_login(request.getfixturevalue(persona))
    report = client.get(reverse("board_report"), _h1(meetings)).content.decode()
    assert "Ärendemöten per månad och myndighet" in report
    board = client.get(reverse("dashboard"), {"scope": f"team-{meetings.pk}", "ar": "2024"})
    body = board.content.decode()
    assert board.status_code == 200 and 'id="arendemoten"' in body
    csv = client.get(
        reverse("dashboard_csv", args=["arendemoten"]),
        {"scope": f"team-{meetings.pk}", "ar": "2024"},
    )
    assert csv.status_code == 200
    for text in (report, body, csv.content.decode()):
        assert NAME not in text and "Samtal om praktik" not in text
    # The case-meeting pages themselves stay closed to them.
    meeting = CaseMeeting.objects.filter(team=meetings).first()
    assert client.get(reverse("case_meeting_detail", args=[meeting.pk])).status_code == 403
    assert client.get(reverse("case_meeting_list", args=[meetings.pk])).status_code == 403
