"""The board report's files: the presented table, shared by the pages and the quick downloads
(reporting.board.views), and the PDF or Excel file that only the job makes, in the worker
(`run_board_file`, registered in reporting.apps)."""

from dataclasses import dataclass

from django.utils import timezone

from jobs.registry import JobFailed, JobFile
from rehab import freshness
from reporting.board import exports
from reporting.board.forms import BoardReportForm
from reporting.board.presentation import present
from reporting.board.selectors import board_note
from reporting.board.tables import TOTAL, board_table
from reporting.budget.followup import board_budget
from reporting.forecast import forecast_for, present_forecast
from reporting.scopes import BOARD, is_exact, report_scopes, threshold_for

BOARD_FILE_JOB = "board_file"
# The files made as jobs (the others are quick and stay downloads), with the job's name.
JOB_FORMATS = {"pdf": "Styrelserapporten som PDF", "xlsx": "Styrelserapporten som Excel"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def board_view(teams, date_from, date_to, exact):
    """The presented board table of `teams`, cached per teams, period, exactness and
    disclosure threshold until the next write to one of the teams (rehab/freshness.py): the
    whole förbund's report takes over a second at national scale."""
    threshold = threshold_for(teams)
    parts = (tuple(t.pk for t in teams), date_from, date_to, exact, threshold)
    return freshness.cached(
        "board",
        parts,
        lambda: present(
            board_table(teams=teams, date_from=date_from, date_to=date_to),
            exact=exact,
            threshold=threshold,
        ),
        teams=parts[0],
    )


def forecast_view(teams, date_to, view, exact):
    """The forecast for the year after the period's end year (SPEC §13 rule 13). Where the
    active count is taken on the period's last day it is the period's active minus its
    exits, so for aggregate users it is shown only where both of those are."""
    today = timezone.localdate()
    parts = (tuple(t.pk for t in teams), date_to.year, today)
    forecast = freshness.cached(
        "board-forecast", parts, lambda: forecast_for(teams, date_to.year, today), teams=parts[0]
    )
    linked = ()
    if forecast.as_of == date_to:
        totals = {row.key: row.cells[TOTAL] for row in view.rows}
        linked = (totals["aktiva_under_perioden"], totals["avslut_totalt"])
    return present_forecast(forecast, exact=exact, threshold=threshold_for(teams), linked=linked)


def report_heading(scope, date_from, date_to, *, note) -> exports.ReportHeading:
    return exports.ReportHeading(
        scope_label=scope.label,
        team_names=[t.name for t in scope.teams],
        date_from=date_from,
        date_to=date_to,
        made=timezone.localdate(),
        note=note.text if note else "",
    )


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str


def board_document(scope, date_from, date_to, fmt, *, exact, progress=None) -> Document:
    """The board report as PDF or Excel: the table, the budget follow-up and the forecast."""
    step = progress.step if progress else (lambda done, total: None)
    step(0, 3)
    view = board_view(scope.teams, date_from, date_to, exact)
    heading = report_heading(scope, date_from, date_to, note=board_note(scope, date_from, date_to))
    budget = board_budget(scope.team, date_to, exact=exact, threshold=scope.threshold)
    forecast = forecast_view(scope.teams, date_to, view, exact)
    step(1, 3)
    if fmt == "xlsx":
        content = exports.board_xlsx(view, heading, budget, forecast)
    else:
        content = exports.board_pdf(view, heading, budget, forecast)
    step(3, 3)
    return Document(content, exports.filename(scope.slug_name, date_from, date_to, fmt))


def board_job_params(scope, date_from, date_to, fmt) -> dict:
    return {
        "fmt": fmt,
        "scope": scope.key,
        "fran": date_from.isoformat(),
        "till": date_to.isoformat(),
    }


def run_board_file(job, progress) -> JobFile:
    """The job: the report is made for the user who asked, with the access they have when it
    runs (a scope they have lost since is refused)."""
    params = dict(job.params)
    fmt = params.pop("fmt", "")
    if fmt not in JOB_FORMATS:
        raise JobFailed("Okänt filformat för styrelserapporten.")
    form = BoardReportForm(params, scopes=report_scopes(job.user, BOARD))
    if not form.is_valid():
        raise JobFailed(
            "Rapporten kunde inte tas fram: du har inte längre tillgång till den valda "
            "rapporten, eller perioden är inte giltig. Välj rapport och period på nytt."
        )
    scope = form.selected_scope
    document = board_document(
        scope,
        form.cleaned_data["fran"],
        form.cleaned_data["till"],
        fmt,
        exact=is_exact(job.user, scope),
        progress=progress,
    )
    return JobFile(document.content, document.filename, CONTENT_TYPES[fmt])
