"""The board report as files: the table as CSV with Swedish headings, the same table with the
keys of SPEC §12, Excel, PDF, the half-year table in the board's format (CSV and Excel), and
the national follow-up CSV.

Every writer takes an already disclosure-controlled `BoardView` (see presentation.py), so a
file never shows more than the page would to the same user.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from common.cells import Cell, cell_text, escape_text, format_kronor, format_percent
from common.responses import csv_text
from reporting.board.national import HEADER as NATIONAL_HEADER
from reporting.board.presentation import (
    BREAKDOWN_COLUMNS,
    COLUMN_HEADINGS,
    MARGIN_SIDES,
    BoardView,
)
from reporting.board.tables import COLUMNS, TOTAL
from reporting.budget.followup import BudgetView
from reporting.forecast import RULE, ForecastView

CSV_HEADER = ["key", "K", "M", "X", "total"]
# The table for people: the columns in words (the genders as rehab.models.Gender names them).
TABLE_CSV_HEADER = ["Mått", "Kvinnor", "Män", "Annat / ej angivet", "Totalt"]
GENDER_WORDS = dict(zip(COLUMNS, TABLE_CSV_HEADER[1:], strict=True))

FOLLOWUP_TITLE = "Uppföljning efter avslut"
FOLLOWUP_NOTE = (
    "Av periodens avslutade: de som följts upp 3, 6 och 12 månader efter avslutet, och hur "
    "många av dem som då arbetade (med eller utan stöd) eller studerade."
)
FOLLOWUP_PARTS = [
    ("followed", "Uppföljda"),
    ("work", "I arbete eller studier"),
    ("share", "Andel i arbete eller studier (%)"),
]
CONSULTATIONS_TITLE = "Konsultationer per myndighet och månad"
CASE_MEETINGS_TITLE_TAIL = "per myndighet och månad"

# The half-year table in the board's format: one row per team, the twelve count measures of
# SPEC §9 in their order (totals), with the period in each heading. The mean time without
# work before start is not one of them.
HALF_YEAR_TITLE = "Halvårstabell (styrelsens format)"
HALF_YEAR_COLUMNS = [
    ("aktiva_under_perioden", "Antal aktiva under {period}"),
    ("aktiva_vid_periodens_start", "Antal aktiva vid ingången {start}"),
    ("nya_under_perioden", "Antal nya under {period}"),
    ("avslut_totalt", "Antal avslut totalt under {period}"),
    ("tidigt_avhopp", "Varav tidiga avhopp under {period}"),
    ("arbete", "Antal i arbete under {period}"),
    ("studier", "Antal i studier under {period}"),
    ("annan_arbetslivsinriktad_rehab", "Antal till annan arbetslivsinriktad rehab under {period}"),
    ("medicinsk_rehab", "Antal till medicinsk rehab under {period}"),
    (
        "aktivitets_eller_sjukersattning",
        "Antal till aktivitets- eller sjukersättning under {period}",
    ),
    ("annat", "Antal till annat, t.ex. social praktik, under {period}"),
    ("genomstromningstid_dagar_snitt", "Genomströmningstid i snitt (dagar) under {period}"),
]


@dataclass(frozen=True)
class ReportHeading:
    """What every file says about itself: whose report, which period, made when."""

    scope_label: str
    team_names: list[str]
    date_from: date
    date_to: date
    made: date
    note: str = ""

    @property
    def period_label(self) -> str:
        return f"{self.date_from:%Y-%m-%d} – {self.date_to:%Y-%m-%d}"

    @property
    def period_name(self) -> str:
        return period_name(self.date_from, self.date_to)


def period_name(date_from: date, date_to: date) -> str:
    """“Första halvåret 2024” or “Helåret 2024” where the period is one; else empty."""
    year = date_from.year
    if date_from == date(year, 1, 1) and date_to == date(year, 6, 30):
        return f"Första halvåret {year}"
    if date_from == date(year, 1, 1) and date_to == date(year, 12, 31):
        return f"Helåret {year}"
    return ""


def filename(
    scope_name: str, date_from: date, date_to: date, extension: str, prefix="styrelserapport"
):
    slug = slugify(scope_name.replace("å", "a").replace("ä", "a").replace("ö", "o")) or "team"
    return f"{prefix}_{slug}_{date_from:%Y-%m-%d}_{date_to:%Y-%m-%d}.{extension}"


def _csv_cell(value: Cell) -> str:
    return escape_text(cell_text(value, for_csv=True))


# --- CSV ------------------------------------------------------------------------------------


def board_csv(view: BoardView) -> str:
    """SPEC §12: header key,K,M,X,total and one row per key in the order of §9. RFC 4180 line
    ends, as in the worked example and the deadlines command; no byte-order mark."""
    rows = [[row.key, *(_csv_cell(row.cells[c]) for c in COLUMNS)] for row in view.rows]
    return csv_text([CSV_HEADER, *rows])


def table_rows(view: BoardView) -> list[list[str]]:
    """The page's table as CSV rows for a spreadsheet: Swedish headings and measures (with
    their unit where it is not a count), then after a blank row each the follow-ups after exit
    and the consultations per agency and month, and for aggregate users the legend of "<5" and
    "–" after a blank row. Escaped for spreadsheets; decimals with a point, as in every CSV file
    of the application."""
    rows = [TABLE_CSV_HEADER]
    for row in view.rows:
        label = row.heading if row.unit == "antal" else f"{row.heading} ({row.unit})"
        rows.append([escape_text(label), *(_csv_cell(row.cells[c]) for c in COLUMNS)])
    for title, header, body in _extra_tables(view):
        rows += [[], [title], header]
        rows += [[escape_text(label), *map(_csv_cell, cells)] for label, cells in body]
    if view.legend:
        rows += [[], [view.legend]]
    return rows


def followup_header() -> list[str]:
    return [
        "Efter avslut",
        *(f"{part}, {GENDER_WORDS[c].lower()}" for _k, part in FOLLOWUP_PARTS for c in COLUMNS),
    ]


def followup_rows(view: BoardView) -> list[tuple[str, list[Cell]]]:
    return [
        (f.label, [getattr(f, key)[c] for key, _part in FOLLOWUP_PARTS for c in COLUMNS])
        for f in view.followups
    ]


def _extra_tables(view: BoardView):
    """The tables after the main one in the CSV: (title, header, [(label, cells)])."""
    tables = []
    if view.followups:
        tables.append((FOLLOWUP_TITLE, followup_header(), followup_rows(view)))
    if view.consultations is not None:
        c = view.consultations
        tables.append((CONSULTATIONS_TITLE, ["Myndighet", *c.headings], [*c.rows, c.total]))
    if view.case_meetings is not None:
        m = view.case_meetings
        for heading, rows, total in m.blocks:
            title = f"{heading} {CASE_MEETINGS_TITLE_TAIL}"
            tables.append((title, ["Myndighet", *m.headings], [*rows, total]))
    return tables


def half_year_headings(date_from: date, date_to: date) -> list[str]:
    """The twelve headings of the half-year table, e.g. "Antal aktiva under
    2024-01-01–2024-06-30"."""
    period = f"{date_from:%Y-%m-%d}–{date_to:%Y-%m-%d}"
    start = f"{date_from:%Y-%m-%d}"
    return [text.format(period=period, start=start) for _key, text in HALF_YEAR_COLUMNS]


def half_year_cells(view: BoardView) -> list[Cell]:
    """One team's row of the half-year table: the total column of the twelve measures."""
    totals = {row.key: row.cells[TOTAL] for row in view.rows}
    return [totals[key] for key, _text in HALF_YEAR_COLUMNS]


def _legend(teams: list[tuple[str, BoardView]]) -> str:
    """The legend of "<5" and "–" where any team's row is disclosure-controlled."""
    return next((v.legend for _name, v in teams if v.legend), "")


def half_year_rows(
    teams: list[tuple[str, BoardView]], date_from: date, date_to: date
) -> list[list[str]]:
    """The half-year table as CSV rows: "Team" and the twelve headings, then one row per
    team from that team's own board view (so each row says what the team's page says).
    There is no row of sums over the teams: it would tie the teams' rows together, and a
    hidden count of one team could then be worked out from the others."""
    rows = [["Team", *half_year_headings(date_from, date_to)]]
    rows += [[escape_text(name), *map(_csv_cell, half_year_cells(v))] for name, v in teams]
    legend = _legend(teams)
    if legend:
        rows += [[], [legend]]
    return rows


def national_rows(rows: list[list]) -> list[list[str]]:
    """The national follow-up's CSV rows, header first, escaped for spreadsheets."""
    return [
        NATIONAL_HEADER,
        *(
            [escape_text(str(v)) if isinstance(v, str) else _csv_cell(v) for v in row]
            for row in rows
        ),
    ]


def national_csv(rows: list[list]) -> str:
    return csv_text(national_rows(rows))


# --- Excel ----------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="8EA9C1")
HEADER_BORDER = Border(bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


class _Sheet:
    """A worksheet filled top to bottom: title block, then tables."""

    def __init__(self, sheet, heading: ReportHeading, title: str):
        self.sheet = sheet
        self.row = 1
        self.widths: dict[int, int] = {}
        self.put(1, title, font=TITLE)
        self.row += 1
        self.put(1, heading.scope_label, font=BOLD)
        self.row += 1
        period = heading.period_label
        if heading.period_name:
            period = f"{period} ({heading.period_name.lower()})"
        self.put(1, f"Period: {period}")
        self.row += 1
        self.put(1, f"Framtagen: {heading.made:%Y-%m-%d}")
        self.row += 2

    def put(self, column: int, value, *, font=None, fill=None, number_format=None):
        cell = self.sheet.cell(row=self.row, column=column)
        if isinstance(value, str):
            cell.value = escape_text(value)
            cell.data_type = "s"
        else:
            cell.value = value
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
            cell.border = HEADER_BORDER
        if number_format:
            cell.number_format = number_format
        if isinstance(value, str) and len(value) < 60:
            self.widths[column] = max(self.widths.get(column, 8), len(value) + 2)
        return cell

    def header(self, values: list[str]):
        for i, value in enumerate(values, start=1):
            self.put(i, value, font=BOLD, fill=HEADER_FILL)
        self.row += 1

    def values(self, label: str, cells: list[Cell], *, label_font=None):
        self.put(1, label, font=label_font)
        for i, value in enumerate(cells, start=2):
            if isinstance(value, Decimal):
                self.put(i, value, number_format="0.0")
            elif value is None:
                self.put(i, "")
            else:
                self.put(i, value)
                if isinstance(value, str):
                    self.sheet.cell(row=self.row, column=i).alignment = Alignment(
                        horizontal="right"
                    )
        self.row += 1

    def finish(self, freeze_row: int | None = None):
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = min(width, 60)
        if freeze_row:
            self.sheet.freeze_panes = f"B{freeze_row}"


def board_xlsx(
    view: BoardView,
    heading: ReportHeading,
    budget: BudgetView | None = None,
    forecast: ForecastView | None = None,
) -> bytes:
    """Excel: the table with §9's Swedish headings, the targets, one sheet per breakdown and
    one per matrix (with its margins per gender), the follow-ups after exit, the consultations
    per agency and month, a "Budget" sheet with the team's budget follow-up where there is
    one, and a "Prognos" sheet with the forecast for the next year where given."""
    book = Workbook()
    table = _Sheet(book.active, heading, "Styrelsens tabell")
    table.sheet.title = "Tabell"
    if heading.note:
        table.put(1, "Text till styrelsen", font=BOLD)
        table.row += 1
        note = table.put(1, heading.note)
        note.alignment = WRAP
        table.sheet.merge_cells(
            start_row=table.row, start_column=1, end_row=table.row, end_column=6
        )
        table.sheet.row_dimensions[table.row].height = min(
            15 * (heading.note.count("\n") + 2 + len(heading.note) // 90), 400
        )
        table.row += 2
    freeze = table.row + 1
    table.header(["Mått", "Enhet", *(COLUMN_HEADINGS[c] for c in COLUMNS)])
    for row in view.rows:
        table.put(2, row.unit)
        table.put(1, row.heading)
        for i, c in enumerate(COLUMNS, start=3):
            value = row.cells[c]
            if isinstance(value, Decimal):
                table.put(i, value, number_format="0.0")
            elif value is None:
                table.put(i, "")
            else:
                table.put(i, value)
        table.row += 1
    if view.legend:
        table.row += 1
        table.put(1, view.legend).alignment = WRAP
    table.finish(freeze)

    targets = _Sheet(book.create_sheet("Mål"), heading, "Mål")
    targets.header(
        ["Mål", "Målvärde (%)", *(f"{COLUMN_HEADINGS[c]} (%)" for c in COLUMNS), "Definition"]
    )
    for target in view.targets:
        targets.put(1, target.heading)
        targets.put(2, target.target_pct if target.target_pct is not None else "olika per team")
        for i, c in enumerate(COLUMNS, start=3):
            value = target.cells[c]
            targets.put(i, value if value is not None else "", number_format="0.0")
        targets.put(7, target.definition)
        targets.row += 1
    targets.finish()

    for breakdown in view.breakdowns:
        sheet = _Sheet(book.create_sheet(breakdown.heading), heading, breakdown.heading)
        freeze = sheet.row + 1
        sheet.header([breakdown.category, *(h for _c, h in BREAKDOWN_COLUMNS)])
        for label, cells in breakdown.rows:
            sheet.values(label, cells)
        sheet.finish(freeze)

    for matrix in view.matrices:
        sheet = _Sheet(book.create_sheet(matrix.heading.split(" ")[0]), heading, matrix.heading)
        sheet.put(1, "Avslutade under perioden: rader = vid start, kolumner = vid avslut.")
        sheet.row += 1
        freeze = sheet.row + 1
        sheet.header(["Före \\ efter", *matrix.labels, "Summa vid start"])
        for label, cells, total in zip(
            matrix.labels, matrix.cells, matrix.row_totals, strict=True
        ):
            sheet.values(label, [*cells, total])
        sheet.values("Summa vid avslut", [*matrix.col_totals, matrix.total], label_font=BOLD)
        if not matrix.additive:
            sheet.row += 1
            sheet.put(
                1,
                "En deltagare kan ha flera försörjningskällor, så raderna summerar inte "
                "till antalet avslutade.",
            )
        sheet.row += 1
        sheet.put(1, f"{matrix.subject} per kön, vid start och vid avslut", font=BOLD)
        sheet.row += 1
        sheet.header(
            [
                matrix.subject,
                *(f"{side} {COLUMN_HEADINGS[c]}" for _s, side in MARGIN_SIDES for c in COLUMNS),
            ]
        )
        for label, cells in matrix.margins:
            sheet.values(label, cells)
        sheet.finish(freeze)

    if view.followups:
        sheet = _Sheet(book.create_sheet("Uppföljning"), heading, FOLLOWUP_TITLE)
        sheet.put(1, FOLLOWUP_NOTE)
        sheet.row += 1
        freeze = sheet.row + 1
        sheet.header(followup_header())
        for label, cells in followup_rows(view):
            sheet.values(label, cells)
        sheet.finish(freeze)

    if view.consultations is not None:
        consultations = view.consultations
        sheet = _Sheet(book.create_sheet("Konsultationer"), heading, CONSULTATIONS_TITLE)
        freeze = sheet.row + 1
        sheet.header(["Myndighet", *consultations.headings])
        for label, cells in consultations.rows:
            sheet.values(label, cells)
        sheet.values(*consultations.total, label_font=BOLD)
        sheet.finish(freeze)

    if view.case_meetings is not None:
        meetings = view.case_meetings
        sheet = _Sheet(
            book.create_sheet("Ärendemöten"),
            heading,
            f"Ärendemöten och diskuterade deltagare {CASE_MEETINGS_TITLE_TAIL}",
        )
        freeze = sheet.row + 1
        for title, rows, total in meetings.blocks:
            sheet.header([title, *meetings.headings])
            for label, cells in rows:
                sheet.values(label, cells)
            sheet.values(*total, label_font=BOLD)
            sheet.row += 1
        sheet.finish(freeze)

    if budget is not None:
        budget_sheet(book, budget, heading)
    if forecast is not None:
        sheet = _Sheet(
            book.create_sheet("Prognos"), heading, f"Prognos för {forecast.forecast.year}"
        )
        formula = forecast.formula + ("" if forecast.hidden else " deltagare")
        for text in (forecast.words, formula, forecast.note, RULE):
            if text:
                sheet.put(1, text).alignment = WRAP
                sheet.row += 1

    book.properties.title = f"Styrelserapport {heading.scope_label} {heading.period_label}"
    book.properties.creator = "Finsam ärendehantering"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def half_year_xlsx(teams: list[tuple[str, BoardView]], heading: ReportHeading) -> bytes:
    """Excel: the half-year table in the board's format, numbers as numbers, one row per
    team (see `half_year_rows`)."""
    book = Workbook()
    sheet = _Sheet(book.active, heading, HALF_YEAR_TITLE)
    sheet.sheet.title = "Halvårstabell"
    freeze = sheet.row + 1
    header_row = sheet.row
    sheet.header(["Team", *half_year_headings(heading.date_from, heading.date_to)])
    for name, view in teams:
        sheet.values(name, half_year_cells(view))
    legend = _legend(teams)
    if legend:
        sheet.row += 1
        sheet.put(1, legend)
    sheet.finish(freeze)
    # The headings are long (the period is in each): wrapped in narrow columns.
    for column in range(2, len(HALF_YEAR_COLUMNS) + 2):
        sheet.sheet.column_dimensions[get_column_letter(column)].width = 16
        sheet.sheet.cell(row=header_row, column=column).alignment = WRAP
    book.properties.title = f"{HALF_YEAR_TITLE} {heading.scope_label} {heading.period_label}"
    book.properties.creator = "Finsam ärendehantering"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------


def board_pdf(
    view: BoardView,
    heading: ReportHeading,
    budget: BudgetView | None = None,
    forecast: ForecastView | None = None,
) -> bytes:
    """A printable board report, tagged for accessibility (PDF/UA-1), with a section on the
    team's budget follow-up where there is one and the forecast for the next year where
    given."""
    from weasyprint import CSS, HTML

    html = render_to_string(
        "reporting/board_pdf.html",
        {"view": view, "heading": heading, "budget": budget, "forecast": forecast},
    )
    css = render_to_string("reporting/board_pdf.css")
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1")


# --- Budget follow-up -----------------------------------------------------------------------

KRONOR_FORMAT = '#,##0.00 "kr"'
PERCENT_FORMAT = '0.0 "%"'


def budget_sheet(book, budget: BudgetView, heading: ReportHeading) -> None:
    """The sheet "Budget": lines with budget, actual, share used, forecast and deviation as
    numbers (so that they can be summed), the per-participant figures (disclosure controlled
    for aggregate users) and the actual cost per month."""
    followup = budget.followup
    sheet = _Sheet(book.create_sheet("Budget"), heading, f"Budgetuppföljning {followup.year}")
    sheet.put(1, f"{followup.team.name}, per {followup.as_of:%Y-%m-%d}", font=BOLD)
    sheet.row += 2
    freeze = sheet.row + 1
    sheet.header(
        [
            "Budgetrad",
            "Budget (kr)",
            "Utfall hittills (kr)",
            "Förbrukat (%)",
            "Prognos helår (kr)",
            "Avvikelse (kr)",
        ]
    )
    totals = (followup.total, *budget.outside_totals)
    outside = []
    if followup.outside_lines:
        # SPEC §13 rule 14: the lines the huvudman carries outside the grant, apart.
        outside = [None, *followup.outside_lines, *budget.outside_totals]
    for row in [*followup.lines, followup.total, *outside]:
        if row is None:
            sheet.row += 1
            sheet.put(1, "Utanför förbundets medel (bärs av huvudmannen)", font=BOLD)
            sheet.row += 1
            continue
        font = BOLD if any(row is t for t in totals) else None
        sheet.put(1, row.name, font=font)
        for column, value in enumerate(
            (row.budget, row.actual, None, row.forecast, row.deviation), start=2
        ):
            if value is not None:
                sheet.put(column, value, number_format=KRONOR_FORMAT, font=font)
        if row.share_used is not None:
            sheet.put(4, row.share_used, number_format=PERCENT_FORMAT, font=font)
        sheet.row += 1
    sheet.row += 1
    sheet.header(
        [
            f"Per deltagare {followup.period_start:%Y-%m-%d} – {followup.as_of:%Y-%m-%d}",
            "Antal",
            "Kostnad per person (kr)",
        ]
    )
    for item in budget.per_person:
        sheet.put(1, item.label)
        sheet.put(2, item.count)
        if isinstance(item.cost, Decimal):
            sheet.put(3, item.cost, number_format=KRONOR_FORMAT)
        else:
            sheet.put(3, item.cost or "")
        sheet.row += 1
    if not budget.exact:
        sheet.put(1, budget.suppressed_note).alignment = WRAP
        sheet.row += 1
    sheet.row += 1
    sheet.header(["Månad", "Utfall (kr)", "Ackumulerat (kr)"])
    for name, amount, cumulative in budget.monthly_rows:
        sheet.put(1, name)
        sheet.put(2, amount, number_format=KRONOR_FORMAT)
        sheet.put(3, cumulative, number_format=KRONOR_FORMAT)
        sheet.row += 1
    sheet.row += 1
    sheet.put(
        1,
        f"Budget {format_kronor(followup.total.budget)}, utfall hittills "
        f"{format_kronor(followup.total.actual)} ({format_percent(followup.total.share_used)}), "
        f"prognos {format_kronor(followup.total.forecast)}."
        + (
            f" Verksamhetens totala kostnad: budget "
            f"{format_kronor(followup.activity_total.budget)}, utfall hittills "
            f"{format_kronor(followup.activity_total.actual)}."
            if followup.activity_total
            else ""
        ),
    )
    sheet.finish(freeze)
