"""Test data shipped with the project: a copy of shared/examples, so that the tests do not
depend on where the repository is checked out."""

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "examples"
EXAMPLE_CSV = EXAMPLES / "enrolments_example.csv"
EXPECTED_BOARD = EXAMPLES / "board_2024H1_expected.csv"
EXPECTED_DEADLINES = EXAMPLES / "deadlines_2024-06-01_expected.csv"
