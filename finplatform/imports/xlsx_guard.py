"""A workbook is measured before it is parsed: what its zip directory declares, then its
worksheets' rows, columns and cells, counted while they are decompressed in small chunks.

A few hundred kilobytes of XLSX can hold gigabytes of XML, or one cell at XFD1048576 that makes
a reader fill a million rows of sixteen thousand columns; such a file is refused here, in well
under a second, with a message saying what is too large, before openpyxl sees it.
"""

from __future__ import annotations

import io
import re
import zipfile

from flask_babel import gettext as _

from finplatform.exceptions import DomainError

MAX_ENTRIES = 500
MAX_UNCOMPRESSED_BYTES = 150 * 1024 * 1024
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000
CHUNK = 1024 * 1024
# Row numbers (`<row r="7">`, with or without a namespace prefix) and the declared size.
_ROW = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"")
_PREFIXED_ROW = re.compile(rb"<\w+:row\b[^>]*?\br=\"(\d+)\"")
# The namespace prefix of the sheet's elements (`x:` in `<x:sheetData>`), if it has one.
_PREFIX = re.compile(rb"<(\w+:)sheetData\b")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"[A-Z]*\d*:?([A-Z]+)(\d+)\"")
# Cells and rows are counted by their opening tags (`<col>` counts as a cell: a few more).
_CELL_TAG, _ROW_TAG = b"c", b"row"
# A tag split by a chunk boundary is seen whole in the next chunk's overlap.
_OVERLAP = 256


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _refuse(message: str):
    raise DomainError(message, "file")


def check_workbook(content: bytes, max_rows: int) -> None:
    """Raise DomainError if the workbook is larger than an import reads, else return."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(_("This is not an XLSX spreadsheet (the file could not be opened)."))
    if len(entries) > MAX_ENTRIES:
        _refuse(_("The workbook has too many parts to be a spreadsheet of records."))
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        _refuse(
            _(
                "The workbook unpacks to more than %(mb)d MB; split it into smaller files.",
                mb=MAX_UNCOMPRESSED_BYTES >> 20,
            )
        )
    for entry in entries:
        if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
            _check_sheet(archive, entry, max_rows)


def _check_sheet(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, max_rows: int) -> None:
    too_many_rows = _("The file has more than %(n)d rows; split it into smaller files.", n=max_rows)
    too_wide = _("The sheet has more than %(n)d columns.", n=MAX_COLUMNS)
    too_many_cells = _("The sheet has more than %(n)d cells.", n=MAX_CELLS)
    cells = rows = 0
    tail = b""
    prefix = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(CHUNK):
            text = tail + chunk
            if not tail:
                # The size a reader pads rows to is declared before the data, in the first chunk.
                _check_dimension(text, max_rows, too_wide, too_many_rows)
                found = _PREFIX.search(text)
                prefix = found.group(1) if found else b""
            row_numbers = (_PREFIXED_ROW if prefix else _ROW).findall(text)
            if any(int(number) > max_rows + 1 for number in row_numbers):
                _refuse(too_many_rows)
            # Counted from where a tag split by the boundary starts (one whole tag there may
            # count twice: a count of millions does not notice).
            fresh = text[len(tail) - min(len(tail), 4) :]
            cells += fresh.count(b"<" + prefix + _CELL_TAG)
            rows += fresh.count(b"<" + prefix + _ROW_TAG)
            if rows > max_rows + 1:
                _refuse(too_many_rows)
            if cells > MAX_CELLS:
                _refuse(too_many_cells)
            tail = text[-_OVERLAP:]


def _check_dimension(text: bytes, max_rows: int, too_wide: str, too_many_rows: str) -> None:
    for match in _DIMENSION.finditer(text):
        if _column_number(match.group(1)) > MAX_COLUMNS:
            _refuse(too_wide)
        if int(match.group(2)) > max_rows + 1:
            _refuse(too_many_rows)
