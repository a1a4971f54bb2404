"""The budget pages under /budget/: who may open what, what each user sees, entering the
budget and the monthly actual costs, bad input, and query counts."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from rehab.models import AuditEvent, Forbund, ForbundMembership, Membership
from reporting.models import ActualCost, Budget, BudgetLine
from tests.factories import TeamFactory, UserFactory
from tests.reporting.budget_fixtures import make_budget
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

D = Decimal
INDEX = reverse("budget_index")


class BrowserLikeClient(Client):
    """Posts as a browser does after opening the page: with the page's hidden version of the
    budget (the lost-update check, common/conflicts.py) unless the test gives its own."""

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        if "loaded_version" not in data and ("/utfall/" in path or path.endswith("/andra/")):
            page = self.get(path).content.decode()
            found = re.search(r'name="loaded_version" value="([^"]*)"', page)
            if found:
                data["loaded_version"] = found.group(1)
        return super().post(path, data, **kwargs)


@pytest.fixture
def client():
    return BrowserLikeClient()


def urls(team, year=2024):
    args = [team.pk, year]
    return {
        "followup": ("get", reverse("budget_followup", args=args)),
        "edit": ("get", reverse("budget_edit", args=args)),
        "actuals": ("get", reverse("budget_actuals", args=args)),
        "import": ("get", reverse("budget_import", args=args)),
        "preview": ("get", reverse("budget_import_preview", args=args)),
        "confirm": ("post", reverse("budget_import_confirm", args=args)),
        "cancel": ("post", reverse("budget_import_cancel", args=args)),
    }


READ_ONLY = {"followup"}


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def budget(rehab_team):
    return make_budget(
        rehab_team,
        actuals={("Lönekostnader", 1): "100000", ("Lokalkostnader", 1): "3000"},
    )


# --- Who may ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, budget):
    for method, url in [("get", INDEX), *urls(budget.team).values()]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_get_403_everywhere(client, personas, budget, persona):
    as_user(client, personas[persona])
    for method, url in [("get", INDEX), *urls(budget.team).values()]:
        assert getattr(client, method)(url).status_code == 403, url


def test_admin_of_the_team_may_open_every_page(client, admin_user, budget):
    as_user(client, admin_user)
    assert client.get(INDEX).status_code == 200
    pages = urls(budget.team)
    for name in ("followup", "edit", "actuals", "import"):
        assert client.get(pages[name][1]).status_code == 200, name
    # Without an uploaded file the import steps lead back to the upload page.
    for name in ("preview", "confirm"):
        method, url = pages[name]
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url == pages["import"][1]
    assert client.post(pages["cancel"][1]).status_code == 302


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_forbund_and_steering_group_read_the_followup_and_change_nothing(
    client, personas, budget, persona
):
    as_user(client, personas[persona])
    assert client.get(INDEX).status_code == 200
    for name, (method, url) in urls(budget.team).items():
        expected = 200 if name in READ_ONLY else 403
        assert getattr(client, method)(url).status_code == expected, name
    response = client.post(
        urls(budget.team)["actuals"][1], {f"m1_r{budget.lines.first().pk}": "1"}
    )
    assert response.status_code == 403
    assert ActualCost.objects.count() == 2


def test_another_teams_admin_gets_404(client, other_team, budget):
    stranger = UserFactory(username="olle")
    Membership.objects.create(user=stranger, team=other_team, role="admin")
    as_user(client, stranger)
    assert client.get(INDEX).status_code == 200
    assert "Rehabteamet" not in client.get(INDEX).content.decode()
    for name, (method, url) in urls(budget.team).items():
        assert getattr(client, method)(url).status_code == 404, name


def test_another_forbunds_officer_gets_404(client, budget):
    officer = UserFactory(username="ofelia")
    ForbundMembership.objects.create(
        user=officer, forbund=Forbund.objects.create(name="Annat förbund"), role="forbund"
    )
    as_user(client, officer)
    assert client.get(urls(budget.team)["followup"][1]).status_code == 404


def test_a_year_out_of_range_or_a_missing_budget_is_404(client, admin_user, budget):
    as_user(client, admin_user)
    assert client.get(reverse("budget_followup", args=[budget.team.pk, 1999])).status_code == 404
    response = client.get(reverse("budget_followup", args=[budget.team.pk, 2025]))
    assert response.status_code == 404
    assert "Det finns ingen budget för Rehabteamet 2025" in response.content.decode()
    assert "Lägg upp budgeten" in response.content.decode()


def test_menu_shows_budget_to_admin_forbund_and_steering_group_only(client, personas):
    for persona, shown in [
        ("admin", True),
        ("forbund", True),
        ("styrgrupp", True),
        ("handledare_a", False),
    ]:
        client.force_login(personas[persona])
        items = client.get(reverse("start"), follow=True).context["nav_items"]
        assert (("Budget", INDEX) in items) is shown, persona


# --- What each user sees ------------------------------------------------------------------


def test_admin_sees_figures_and_edit_controls(client, admin_user, budget):
    for i in range(3):
        enrol(budget.team, start=date(2023, 1, 1 + i))
    response = as_user(client, admin_user).get(
        urls(budget.team)["followup"][1], {"per": "2024-01-31"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Registrera utfall" in content
    assert "Importera utfall" in content
    assert "1\u00a0236\u00a0000\u00a0kr" in content  # the budget
    assert "103\u00a0000\u00a0kr" in content  # actual to date
    assert "1\u00a0236\u00a0000\u00a0kr" in content
    per_person = response.context["view"].per_person
    assert per_person[0].count == 3  # exact for the admin
    assert per_person[0].cost == D("34333.33")
    assert "Prognos för helåret (rak linje)" in content


def test_steering_group_sees_no_edit_controls_and_small_counts_suppressed(
    client, styrgrupp_user, budget
):
    for i in range(3):
        enrol(budget.team, start=date(2023, 1, 1 + i))
    response = as_user(client, styrgrupp_user).get(
        urls(budget.team)["followup"][1], {"per": "2024-01-31"}
    )
    content = response.content.decode()
    assert "Registrera utfall" not in content
    assert "Ändra budgeten" not in content
    assert "&lt;5" in content
    assert "34\u00a0333,33" not in content
    per_person = response.context["view"].per_person
    assert (per_person[0].count, per_person[0].cost) == ("<5", "–")


def test_nothing_personal_reaches_the_steering_group(client, styrgrupp_user, budget):
    enrolment = enrol(budget.team, start=date(2024, 1, 1), participant__first_name="Zlatana")
    response = as_user(client, styrgrupp_user).get(urls(budget.team)["followup"][1])
    content = response.content.decode()
    assert "Zlatana" not in content
    assert enrolment.participant.personnummer not in content


def test_a_bad_as_of_date_is_a_clear_error(client, admin_user, budget):
    as_user(client, admin_user)
    url = urls(budget.team)["followup"][1]
    response = client.get(url, {"per": "2023-05-01"})
    assert response.status_code == 400
    assert "Datumet måste ligga i budgetåret 2024." in response.content.decode()
    response = client.get(url, {"per": "igår"})
    assert response.status_code == 400
    assert "Ange datumet som ÅÅÅÅ-MM-DD." in response.content.decode()


def test_past_year_defaults_to_december_31(client, admin_user, budget):
    response = as_user(client, admin_user).get(urls(budget.team)["followup"][1])
    assert response.context["view"].followup.as_of == date(2024, 12, 31)


def test_index_lists_the_budgets_and_opens_or_creates_one(client, admin_user, budget):
    as_user(client, admin_user)
    content = client.get(INDEX).content.decode()
    assert "Uppföljning Rehabteamet 2024" in content
    response = client.get(INDEX, {"team": budget.team.pk, "ar": 2024})
    assert response.url == urls(budget.team)["followup"][1]
    response = client.get(INDEX, {"team": budget.team.pk, "ar": 2025})
    assert response.url == reverse("budget_edit", args=[budget.team.pk, 2025])
    response = client.get(INDEX, {"team": budget.team.pk, "ar": "tjugo"})
    assert response.status_code == 400
    assert "Ange året med fyra siffror" in response.content.decode()


# --- Entering the budget ------------------------------------------------------------------


def formset_data(rows, *, initial=0):
    data = {
        "rader-TOTAL_FORMS": str(len(rows)),
        "rader-INITIAL_FORMS": str(initial),
        "rader-MIN_NUM_FORMS": "0",
        "rader-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rader-{i}-{key}"] = value
    return data


def test_admin_creates_a_budget_in_lines(client, admin_user, rehab_team):
    as_user(client, admin_user)
    url = reverse("budget_edit", args=[rehab_team.pk, 2025])
    page = client.get(url)
    assert len(page.context["formset"].forms) == 8
    response = client.post(
        url,
        formset_data(
            [
                {"name": "Lönekostnader", "amount": "1 185 000"},
                {"name": "Tolkkostnader", "amount": "10000,50"},
                {"name": "", "amount": ""},
            ]
        ),
    )
    assert response.status_code == 302
    budget = Budget.objects.get(team=rehab_team, year=2025)
    assert [(line.name, line.amount, line.order) for line in budget.lines.all()] == [
        ("Lönekostnader", D("1185000.00"), 1),
        ("Tolkkostnader", D("10000.50"), 2),
    ]
    event = AuditEvent.objects.get(action="budget_created")
    assert event.user == admin_user
    assert event.changes["year"] == 2025


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"name": "Lön", "amount": "-100"}], "Beloppet får inte vara negativt"),
        ([{"name": "Lön", "amount": "mycket"}], "är inget belopp"),
        ([{"name": "Lön", "amount": "100,005"}], "högst två decimaler"),
        ([{"name": "Lön", "amount": ""}], "Ange budgeterat belopp för raden"),
        ([{"name": "", "amount": "100"}], "Ange radens namn."),
        (
            [{"name": "Lön", "amount": "1"}, {"name": "LÖN", "amount": "2"}],
            "Raden finns redan (rad 1).",
        ),
        ([{"name": "", "amount": ""}], "Budgeten måste ha minst en rad."),
    ],
)
def test_bad_budget_input_is_refused_and_nothing_is_saved(
    client, admin_user, rehab_team, rows, message
):
    response = as_user(client, admin_user).post(
        reverse("budget_edit", args=[rehab_team.pk, 2025]),
        formset_data([*rows, {"name": "Hyra", "amount": "40000"}])
        if "minst" not in message
        else formset_data(rows),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Budget.objects.exists()


def test_a_line_with_actual_costs_cannot_be_removed(client, admin_user, budget):
    salaries, rent = budget.lines.all()
    response = as_user(client, admin_user).post(
        reverse("budget_edit", args=[budget.team.pk, 2024]),
        formset_data(
            [
                {"id": salaries.pk, "name": "Lönekostnader", "amount": "1200000"},
                {"id": rent.pk, "name": "Lokalkostnader", "amount": "36000", "DELETE": "on"},
            ],
            initial=2,
        ),
    )
    assert response.status_code == 400
    assert "Rader med registrerat utfall kan inte tas bort: Lokalkostnader" in (
        response.content.decode()
    )
    assert budget.lines.count() == 2


def test_lines_can_be_renamed_reordered_and_swap_names(client, admin_user, budget):
    salaries, rent = budget.lines.all()
    response = as_user(client, admin_user).post(
        reverse("budget_edit", args=[budget.team.pk, 2024]),
        formset_data(
            [
                {"id": rent.pk, "name": "Lönekostnader", "amount": "36000"},
                {"id": salaries.pk, "name": "Lokalkostnader", "amount": "1200000"},
                {"name": "Tolk", "amount": "0"},
            ],
            initial=2,
        ),
    )
    assert response.status_code == 302
    assert list(budget.lines.values_list("pk", "name", "order")) == [
        (rent.pk, "Lönekostnader", 1),
        (salaries.pk, "Lokalkostnader", 2),
        (budget.lines.get(name="Tolk").pk, "Tolk", 3),
    ]
    assert ActualCost.objects.filter(line=salaries, amount=D("100000")).exists()


# --- Entering actual costs ----------------------------------------------------------------


def test_admin_enters_a_month_and_the_followup_updates(client, admin_user, budget):
    salaries, rent = budget.lines.all()
    as_user(client, admin_user)
    url = urls(budget.team)["actuals"][1]
    page = client.get(url)
    assert page.context["form"][f"m1_r{salaries.pk}"].value() == D("100000.00")
    response = client.post(
        url,
        {
            f"m1_r{salaries.pk}": "100 000",  # unchanged
            f"m1_r{rent.pk}": "3000",
            f"m2_r{salaries.pk}": "98 750,25",
            f"m2_r{rent.pk}": "3 000",
        },
    )
    assert response.status_code == 302
    assert response.url == urls(budget.team)["followup"][1]
    followup = client.get(response.url, {"per": "2024-02-29"}).context["view"].followup
    assert followup.total.actual == D("204750.25")
    event = AuditEvent.objects.get(action="budget_actuals_saved")
    assert event.changes["created"] == 2
    assert event.changes["changed"] == 0


def test_emptying_a_cell_removes_that_months_cost(client, admin_user, budget):
    salaries, rent = budget.lines.all()
    response = as_user(client, admin_user).post(
        urls(budget.team)["actuals"][1],
        {f"m1_r{salaries.pk}": "100000", f"m1_r{rent.pk}": ""},
    )
    assert response.status_code == 302
    assert not ActualCost.objects.filter(line=rent).exists()


def test_cells_left_out_of_a_post_are_left_as_they_are(client, admin_user, rehab_team):
    """Issue #14: a POST without some cells (a truncated request, an old page, a script) once
    deleted every cost it did not mention. Only the cells posted are touched."""
    budget = make_budget(
        rehab_team,
        actuals={
            (name, m): "1000" for name in ("Lönekostnader", "Lokalkostnader") for m in range(1, 13)
        },
    )
    salaries, rent = budget.lines.all()
    response = as_user(client, admin_user).post(
        urls(budget.team)["actuals"][1],
        {f"m1_r{salaries.pk}": "2000", f"m2_r{rent.pk}": ""},
    )
    assert response.status_code == 302
    assert ActualCost.objects.count() == 23
    assert ActualCost.objects.get(line=salaries, month=1).amount == D("2000")
    assert not ActualCost.objects.filter(line=rent, month=2).exists()
    assert ActualCost.objects.get(line=rent, month=1).amount == D("1000")
    event = AuditEvent.objects.get(action="budget_actuals_saved")
    assert (event.changes["changed"], event.changes["removed"]) == (1, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Beloppet får inte vara negativt"),
        ("tusen", "är inget belopp"),
        ("12,345", "högst två decimaler"),
    ],
)
def test_bad_actual_costs_are_refused_and_nothing_is_saved(
    client, admin_user, budget, value, message
):
    salaries, rent = budget.lines.all()
    response = as_user(client, admin_user).post(
        urls(budget.team)["actuals"][1],
        {
            f"m1_r{salaries.pk}": "100000",
            f"m1_r{rent.pk}": "3000",
            f"m2_r{salaries.pk}": "90000",  # valid, but not saved either
            f"m2_r{rent.pk}": value,
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "Utfallet sparades inte" in content
    assert 'aria-invalid="true"' in content
    assert ActualCost.objects.count() == 2


def test_a_refused_grid_has_one_summary_linking_each_bad_cell(client, admin_user, budget):
    """Issue "Pleasant to work in": one error summary, each bad cell a link to its input's id,
    the input described by its message; not a second banner from the messages framework."""
    salaries, rent = budget.lines.all()
    response = as_user(client, admin_user).post(
        urls(budget.team)["actuals"][1],
        {f"m11_r{rent.pk}": "tusen", f"m3_r{salaries.pk}": "-5"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert content.count('class="alert ') == 1
    links = re.findall(r'<a class="alert-link" href="#([^"]+)">([^<]+)</a>', content)
    assert [(anchor, text.split(":")[0]) for anchor, text in links] == [
        (f"id_m3_r{salaries.pk}", "Mars, Lönekostnader"),
        (f"id_m11_r{rent.pk}", "November, Lokalkostnader"),
    ]
    assert "är inget belopp" in links[1][1]
    cell = re.search(rf'<input[^>]*id="id_m11_r{rent.pk}"[^>]*>', content).group(0)
    assert 'aria-invalid="true"' in cell
    assert f'aria-describedby="id_m11_r{rent.pk}_error"' in cell
    assert re.search(rf'id="id_m11_r{rent.pk}_error">[^<]*är inget belopp', content)


def test_the_grid_shows_saved_totals_per_month_line_and_year(client, admin_user, rehab_team):
    budget = make_budget(
        rehab_team,
        actuals={
            ("Lönekostnader", 1): "100000",
            ("Lokalkostnader", 1): "3000.50",
            ("Lönekostnader", 2): "90000",
        },
    )
    salaries, rent = budget.lines.all()
    as_user(client, admin_user)
    url = urls(budget.team)["actuals"][1]
    form = client.get(url).context["form"]
    totals = {month: total for month, _name, _fields, total in form.grid()}
    assert totals[1] == D("103000.50")
    assert totals[2] == D("90000")
    assert totals[3] is None
    assert form.line_totals() == [D("190000"), D("3000.50")]
    assert form.grand_total() == D("193000.50")
    # Sent back with an error, the totals are still those of what is saved.
    response = client.post(url, {f"m1_r{salaries.pk}": "tusen", f"m2_r{rent.pk}": "5"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "193\u00a0000,50\u00a0kr" in text
    assert "103\u00a0000,50\u00a0kr" in text
    assert "Summa sparat" in text


def test_months_that_have_not_begun_cannot_be_filled_in(client, admin_user, rehab_team):
    from django.utils import timezone

    today = timezone.localdate()
    budget = make_budget(rehab_team, year=today.year + 1)
    line = budget.lines.first()
    as_user(client, admin_user)
    url = reverse("budget_actuals", args=[rehab_team.pk, budget.year])
    form = client.get(url).context["form"]
    assert form.fields[f"m1_r{line.pk}"].disabled
    response = client.post(url, {f"m1_r{line.pk}": "100"})
    assert response.status_code == 302
    assert not ActualCost.objects.exists()


def test_actuals_without_a_budget_lead_to_creating_it(client, admin_user, rehab_team):
    response = as_user(client, admin_user).get(
        reverse("budget_actuals", args=[rehab_team.pk, 2024])
    )
    assert response.url == reverse("budget_edit", args=[rehab_team.pk, 2024])


# --- Query counts -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "styrgrupp"])
def test_followup_page_query_count_does_not_grow(
    client, personas, rehab_team, persona, django_assert_max_num_queries
):
    lines = [(f"Rad {i}", "10000") for i in range(12)]
    make_budget(rehab_team, lines=lines, actuals={(f"Rad {i}", 1): "500" for i in range(12)})
    for i in range(12):
        enrol(rehab_team, start=date(2024, 1, 1 + i))
    as_user(client, personas[persona])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("budget_followup", args=[rehab_team.pk, 2024]))
    assert response.status_code == 200


def test_actuals_grid_and_index_query_counts_do_not_grow(
    client, admin_user, rehab_team, django_assert_max_num_queries
):
    lines = [(f"Rad {i}", "10000") for i in range(12)]
    make_budget(
        rehab_team, lines=lines, actuals={(f"Rad {i}", m): "5" for i in range(12) for m in (1, 2)}
    )
    for year in (2020, 2021, 2022, 2023):
        make_budget(rehab_team, year=year)
    other = TeamFactory(forbund=rehab_team.forbund)
    Membership.objects.create(user=admin_user, team=other, role="admin")
    make_budget(other)
    as_user(client, admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("budget_actuals", args=[rehab_team.pk, 2024])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(INDEX).status_code == 200
    url = reverse("budget_actuals", args=[rehab_team.pk, 2024])
    version = re.search(r'name="loaded_version" value="([^"]*)"', client.get(url).content.decode())
    data = {
        f"m3_r{line.pk}": "7"
        for line in BudgetLine.objects.filter(budget__year=2024, budget__team=rehab_team)
    }
    # +2 for the lost-update check: the budget's row locked, the grid's cells read again.
    with django_assert_max_num_queries(20):
        response = client.post(url, {**data, "loaded_version": version.group(1)})
    assert response.status_code == 302
