"""The enrolment import (SPEC §12): what a file means, validating it, writing it, and pages.
May import common, rehab, modules, reporting.spreadsheet and reporting.uploads (the pages and
the job of a large import, reporting.imports.job, also reporting.models and reporting.pending,
for the upload waiting for confirmation, and jobs and privacy.recorder); nothing else of
reporting."""

# The import's public API, for the management command, the pages and the tests:
# `parse_file` → `validate_rows` → `import_apply`.

from reporting.imports.examples import example_rows, rows_to_csv
from reporting.imports.plan import (
    COLUMNS,
    MAX_UPLOAD_BYTES,
    OPTIONAL_COLUMNS,
    REIMPORT_RULE,
    ImportFileError,
    ImportPlan,
    ImportResult,
    PlannedRow,
    RawRow,
    RowError,
    file_sha256,
    parse_file,
    summary,
)
from reporting.imports.services import import_apply
from reporting.imports.validation import team_refusal, validate_rows

__all__ = [
    "COLUMNS",
    "MAX_UPLOAD_BYTES",
    "OPTIONAL_COLUMNS",
    "REIMPORT_RULE",
    "ImportFileError",
    "ImportPlan",
    "ImportResult",
    "PlannedRow",
    "RawRow",
    "RowError",
    "example_rows",
    "file_sha256",
    "import_apply",
    "parse_file",
    "rows_to_csv",
    "summary",
    "team_refusal",
    "validate_rows",
]
