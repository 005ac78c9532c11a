"""Reading an uploaded CSV or XLSX file into a header and numbered rows.

CSV files may be UTF-8 (with or without the byte-order mark Excel writes) or GB18030, the
superset of GBK that Chinese Excel exports use; anything else is refused with a message saying
so. XLSX files are measured first (`xlsx_guard`: refused before parsing when larger than an import
reads), then read with openpyxl in read-only mode (first worksheet). Row numbers are the
ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import load_workbook

from finplatform.exceptions import DomainError
from finplatform.imports.xlsx_guard import check_workbook

MAX_MB = 10
MAX_BYTES = MAX_MB * 1024 * 1024
MAX_ROWS = 100_000
EXTENSIONS = (".csv", ".xlsx")


@dataclass
class Table:
    """A file's header cells and its non-empty data rows, each with its spreadsheet row number."""

    header: list[str]
    rows: list[tuple[int, list[object]]]


def _extension(filename: str) -> str:
    name = filename.lower().strip()
    return next((ext for ext in EXTENSIONS if name.endswith(ext)), "")


def read_table(content: bytes, filename: str) -> Table:
    """Parse the file, or raise DomainError with a message a person can act on."""
    if not content:
        raise DomainError(_("The file is empty."), "file")
    if len(content) > MAX_BYTES:
        raise DomainError(
            _(
                "The file is larger than %(mb)d MB; split it into smaller files.",
                mb=MAX_BYTES >> 20,
            ),
            "file",
        )
    extension = _extension(filename)
    if not extension:
        raise DomainError(
            _("Only .csv and .xlsx files can be imported (save .xls files as .xlsx)."), "file"
        )
    table = _read_xlsx(content) if extension == ".xlsx" else _read_csv(content)
    if not any(cell for cell in table.header):
        raise DomainError(_("The first row must hold the column headers."), "file")
    if not table.rows:
        raise DomainError(_("The file has a header but no data rows."), "file")
    if len(table.rows) > MAX_ROWS:
        raise DomainError(
            _("The file has more than %(n)d rows; split it into smaller files.", n=MAX_ROWS),
            "file",
        )
    return table


def _decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise DomainError(
            _("This is not a text (CSV) file. Save the sheet as CSV or XLSX and try again."),
            "file",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        _("The file's text encoding is neither UTF-8 nor GB18030/GBK. Save it as UTF-8 CSV."),
        "file",
    )


def _read_csv(content: bytes) -> Table:
    text = _decode(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise DomainError(
            _("The CSV file is malformed: %(error)s", error=str(error)), "file"
        ) from error
    if not records:
        raise DomainError(_("The file is empty."), "file")
    header = [cell.strip() for cell in records[0]]
    rows = [
        (number, list(record))
        for number, record in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in record)
    ]
    return Table(header, rows)


def _read_xlsx(content: bytes) -> Table:
    check_workbook(content, MAX_ROWS)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise DomainError(
            _("This is not an XLSX spreadsheet (the file could not be opened)."), "file"
        ) from error
    try:
        sheet = workbook.worksheets[0]
        records = sheet.iter_rows(values_only=True)
        first = next(records, None)
        if first is None:
            raise DomainError(_("The file is empty."), "file")
        header = ["" if cell is None else str(cell).strip() for cell in first]
        rows = []
        for number, record in enumerate(records, start=2):
            values = [cell.strip() if isinstance(cell, str) else cell for cell in record]
            if any(value not in (None, "") for value in values):
                rows.append((number, values))
                if len(rows) > MAX_ROWS:
                    break
    finally:
        workbook.close()
    return Table(header, rows)
