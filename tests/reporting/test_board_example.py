"""The worked example of tests/data/examples: board_report prints the expected file."""

import io

import pytest
from django.core.management import call_command

from tests.data import EXPECTED_BOARD
from tests.reporting.conftest import load_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--participants", "0", "--password", "x" * 14, stdout=io.StringIO())
    from rehab.models import Team

    team = Team.objects.get(name="Rehabteamet")
    load_example(team)
    return team


def test_board_report_prints_the_expected_half_year_table(seeded):
    out = io.StringIO()
    call_command(
        "board_report",
        "--team",
        "Rehabteamet",
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        stdout=out,
    )
    assert out.getvalue() == EXPECTED_BOARD.read_bytes().decode("utf-8")
