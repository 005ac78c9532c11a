"""The report as tables: an XLSX workbook with native Excel charts, and one CSV per table.

Any text cell beginning with `=`, `+`, `-`, `@` (or a tab / carriage return) would be read by a
spreadsheet as a formula: a firm named `=HYPERLINK(...)` must stay a name. In XLSX such cells
are stored as explicit strings with Excel's quote prefix (shown as typed, never evaluated); in
CSV they are prefixed with a single quote. Numbers stay numbers: a negative amount is not text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from finplatform.i18n import is_english

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"
DIMENSION_TABLES = ("product_kind", "institution", "institution_kind", "district", "industry")


@dataclass
class Table:
    """One table of the report: a sheet in the workbook, a file among the CSVs."""

    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    # Column index → "money" | "count" | "percent"
    formats: dict[int, str] = field(default_factory=dict)


def is_formula_like(value) -> bool:
    """Whether a text value would be taken for a formula by a spreadsheet."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value) -> str:
    """A value as CSV text, formula-like text neutralised with a leading single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int):
        return str(value)
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def _number(value):
    if value is None or value == "":
        return None
    return Decimal(value)


def _name(row: dict) -> str:
    return row["name_en"] if is_english() else row["name_zh"]


def report_tables(report: dict) -> list[Table]:
    """Every table of a report, in the order of the HTML page."""
    measures = ("requests", "matches", "applications", "approvals", "rejections", "disbursements")
    summary = Table(
        "summary",
        _("Summary"),
        [
            _("Figure"),
            _("Count"),
            _("Amount (yuan)"),
            _("Year to date: count"),
            _("Year to date: amount (yuan)"),
        ],
        formats={1: "count", 2: "money", 3: "count", 4: "money"},
    )
    for name in measures:
        own, ytd = report["totals"][name], report["ytd"][name]
        summary.rows.append(
            [name, own["count"], _number(own["amount"]), ytd["count"], _number(ytd["amount"])]
        )
    first = report["first_time_borrowers"]
    summary.rows.append(
        ["first_time_borrowers", first["count"], _number(first["amount"]), None, None]
    )
    summary.rows.append(["firms_served", report["firms_served"], None, None, None])
    tables = [summary]

    targets = Table(
        "targets",
        _("Targets"),
        [
            _("Target"),
            _("Metric"),
            _("Target value"),
            _("Year to date"),
            _("Percent"),
            _("Projection to year end"),
            _("Projection basis"),
            _("Expected by now"),
            _("Ahead (+) or behind (−)"),
            _("On track"),
        ],
        formats={2: "money", 3: "money", 4: "percent", 5: "money", 7: "money", 8: "money"},
    )
    for target in report["targets"]:
        label = target["label_en"] if is_english() else target["wording_zh"]
        if not target["measured"]:
            targets.rows.append(
                [
                    label,
                    target["metric"],
                    _number(target["value"]),
                    None,
                    None,
                    None,
                    _("not measured by the platform"),
                    None,
                    None,
                    None,
                ]
            )
            continue
        targets.rows.append(
            [
                label,
                target["metric"],
                _number(target["target"]),
                _number(target["ytd"]),
                _number(target["percent"]),
                _number(target["projection"]),
                target["projection_basis"],
                _number(target["expected_to_date"]),
                _number(target["ahead_by"]),
                _("yes") if target["on_track"] else _("no"),
            ]
        )
    tables.append(targets)

    for dimension in DIMENSION_TABLES:
        table = Table(
            f"by_{dimension}",
            dimension.replace("_", " "),
            [
                _("Key"),
                _("Name"),
                _("Disbursements"),
                _("Disbursed (yuan)"),
                _("Applications"),
                _("Approvals"),
                _("Approved (yuan)"),
            ],
            formats={2: "count", 3: "money", 4: "count", 5: "count", 6: "money"},
        )
        merged: dict[str, list] = {}
        for measure, columns in (
            ("disbursements", (2, 3)),
            ("applications", (4, None)),
            ("approvals", (5, 6)),
        ):
            for row in report["breakdowns"][measure].get(dimension, []):
                line = merged.setdefault(
                    row["key"], [row["key"], _name(row), 0, Decimal(0), 0, 0, Decimal(0)]
                )
                line[columns[0]] = row["count"]
                if columns[1] is not None:
                    line[columns[1]] = _number(row["amount"])
        table.rows = sorted(merged.values(), key=lambda line: (-line[3], -line[2], line[0]))
        tables.append(table)

    funnel = Table(
        "funnel",
        _("Funnel"),
        [_("Step"), _("Requests"), _("From previous step %"), _("From requests %")],
        formats={1: "count", 2: "percent", 3: "percent"},
    )
    for step in report["funnel"]:
        funnel.rows.append(
            [
                step["step"],
                step["count"],
                _number(step["rate_from_previous"]),
                _number(step["rate_from_requests"]),
            ]
        )
    tables.append(funnel)

    times = report["response_times"]
    response = Table(
        "response_times",
        _("Response times"),
        [_("Interval"), _("Applications"), _("Median days"), _("90th percentile days")],
        formats={1: "count", 2: "percent", 3: "percent"},
    )
    for key in ("first_response", "decision"):
        response.rows.append(
            [
                key,
                times[key]["count"],
                _number(times[key]["median_days"]),
                _number(times[key]["p90_days"]),
            ]
        )
    response.rows.append(["past_deadline", times["past_deadline"], None, None])
    tables.append(response)

    specialists = Table(
        "specialists",
        _("Specialists"),
        [_("Specialist"), _("Firms served"), _("Deals brokered"), _("Amount (yuan)")],
        formats={1: "count", 2: "count", 3: "money"},
    )
    specialists.rows = [
        [row["name"], row["firms_served"], row["deals"], _number(row["amount"])]
        for row in report["specialists"]
    ]
    tables.append(specialists)

    adjustments = Table(
        "adjustments",
        _("Adjustments"),
        [
            _("Disbursement"),
            _("Dated"),
            _("Month"),
            _("Enterprise"),
            _("Amount (yuan)"),
            _("Reverses"),
            _("Recorded at"),
            _("Note"),
        ],
        formats={4: "money"},
    )
    adjustments.rows = [
        [
            row["id"],
            row["disbursed_on"],
            row["month"],
            row.get("enterprise_name", ""),
            _number(row["amount"]),
            row["reverses_id"],
            row["recorded_at"],
            row["note"],
        ]
        for row in report["adjustments"]["rows"]
    ]
    tables.append(adjustments)

    months = int(report["month"][5:7])
    monthly = Table(
        "monthly_by_kind",
        _("Disbursed by month and product kind"),
        [_("Month"), *[_name(entry) for entry in report["series"]["by_kind"]]],
        formats=dict.fromkeys(range(1, len(report["series"]["by_kind"]) + 1), "money"),
    )
    for index in range(months):
        monthly.rows.append(
            [
                f"{report['month'][:4]}-{index + 1:02d}",
                *[_number(entry["amounts"][index]) for entry in report["series"]["by_kind"]],
            ]
        )
    tables.append(monthly)

    cumulative = Table(
        "cumulative",
        _("Cumulative against target"),
        [
            _("Month"),
            _("Financing facilitated (yuan)"),
            _("Target pace (yuan)"),
            _("New credit loans (yuan)"),
        ],
        formats={1: "money", 2: "money", 3: "money"},
    )
    goal = next(
        (t for t in report["targets"] if t["metric"] == "financing_facilitated" and t["measured"]),
        None,
    )
    for index, value in enumerate(report["series"]["cumulative"]["financing_facilitated"]):
        pace = Decimal(goal["target"]) * (index + 1) / 12 if goal else None
        cumulative.rows.append(
            [
                f"{report['month'][:4]}-{index + 1:02d}",
                _number(value),
                pace.quantize(Decimal("0.01")) if pace is not None else None,
                _number(report["series"]["cumulative"]["new_credit_loans"][index]),
            ]
        )
    tables.append(cumulative)
    return tables


NUMBER_FORMATS = {"money": MONEY_FORMAT, "count": COUNT_FORMAT, "percent": PERCENT_FORMAT}


def _cell(sheet, value, kind: str | None):
    """A value as the workbook stores it: a plain value, or a cell when it needs a number
    format or must stay text although it looks like a formula."""
    if isinstance(value, Decimal):
        # Excel numbers are binary floats; the exact yuan stay in the CSV and on the page.
        value = float(value) if kind != "count" else int(value)
    formula_like = is_formula_like(value)
    if value is None or (kind is None and not formula_like):
        return value
    cell = WriteOnlyCell(sheet, value)
    if formula_like:
        cell.data_type = "s"
        cell.quotePrefix = True
    if kind in NUMBER_FORMATS and not isinstance(value, str):
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def write_xlsx(report: dict, target) -> None:
    """Write the report as a workbook (to a path or a binary file object), streamed row by
    row (openpyxl's write-only mode keeps the styles, frozen header and charts)."""
    workbook = Workbook(write_only=True)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    sheets = {}
    for table in report_tables(report):
        sheet = workbook.create_sheet(table.name[:31])
        sheets[table.name] = (sheet, len(table.headers), len(table.rows) + 1)
        # Widths and the frozen header go before the first row is written.
        for column, header in enumerate(table.headers, start=1):
            values = [header, *(row[column - 1] for row in table.rows)]
            width = max(len(str(value)) if value is not None else 0 for value in values)
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 10), 60)
        sheet.freeze_panes = "A2"
        headers = []
        for header in table.headers:
            cell = WriteOnlyCell(sheet, header)
            if is_formula_like(header):
                cell.data_type, cell.quotePrefix = "s", True
            cell.font, cell.fill = header_font, header_fill
            headers.append(cell)
        sheet.append(headers)
        for row in table.rows:
            sheet.append(
                [_cell(sheet, value, table.formats.get(column)) for column, value in enumerate(row)]
            )
    _add_charts(sheets, report)
    workbook.save(target)


def _add_charts(sheets: dict, report: dict) -> None:
    monthly, columns, rows = sheets["monthly_by_kind"]
    if columns > 1 and rows > 1:
        bars = BarChart()
        bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
        bars.title = _("Disbursed by month and product kind")
        bars.y_axis.title = _("yuan")
        data = Reference(monthly, min_col=2, max_col=columns, min_row=1, max_row=rows)
        bars.add_data(data, titles_from_data=True)
        bars.set_categories(Reference(monthly, min_col=1, min_row=2, max_row=rows))
        bars.width, bars.height = 22, 10
        monthly.add_chart(bars, f"{get_column_letter(columns + 2)}2")
    cumulative, _columns, rows = sheets["cumulative"]
    if rows > 1:
        line = LineChart()
        line.title = _("Cumulative against target")
        line.y_axis.title = _("yuan")
        data = Reference(cumulative, min_col=2, max_col=4, min_row=1, max_row=rows)
        line.add_data(data, titles_from_data=True)
        line.set_categories(Reference(cumulative, min_col=1, min_row=2, max_row=rows))
        line.width, line.height = 22, 10
        cumulative.add_chart(line, "F2")


def xlsx_bytes(report: dict) -> bytes:
    """The workbook as bytes, for a download."""
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    return buffer.getvalue()


def table_csv(table: Table) -> str:
    """One table as CSV text with a UTF-8 byte-order mark (Excel then reads Chinese right)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def write_csv_dir(report: dict, directory: Path) -> list[Path]:
    """Write one CSV file per table into `directory`; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in report_tables(report):
        path = directory / f"{report['month']}-{table.name}.csv"
        path.write_text(table_csv(table), encoding="utf-8", newline="")
        paths.append(path)
    return paths
