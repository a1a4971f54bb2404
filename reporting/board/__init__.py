"""The board report (SPEC §9, §12): its tables, the disclosure-controlled view, files, pages.
May import common, rehab, modules, reporting.models/disclosure/scopes and reporting.budget."""

# bench/ (raw_board.py, run.py) reads the table module as `reporting.board`; these names keep
# it working until it imports `reporting.board.tables` itself.
from reporting.board.tables import (
    COLUMNS,
    GENDERS,
    MEAN_KEYS,
    OUTCOME_KEYS,
    ROWS,
    TARGETS,
    TOTAL,
    _period_filters,
    _table_and_targets,
    active_enrolments,
    board_table,
    mean,
)

__all__ = [
    "COLUMNS",
    "GENDERS",
    "MEAN_KEYS",
    "OUTCOME_KEYS",
    "ROWS",
    "TARGETS",
    "TOTAL",
    "_period_filters",
    "_table_and_targets",
    "active_enrolments",
    "board_table",
    "mean",
]
