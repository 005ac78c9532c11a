"""Every file a page links to (the report's workbook and CSV tables, an import's problems) reads
in Chinese: sheet names, headers and row labels carry no code and no English word, and the
workbook's money cells are numbers in the money format, written to the fen (never a float's
expansion)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from finplatform.models import Role
from finplatform.reports.exports import MONEY_FORMAT
from tests.page_walk import walk
from tests.test_page_walk import _sign_in, walk_world  # noqa: F401  (the fixture)
from tests.visible_text import foreign_words

_RAW_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*><v>([^<]*)</v>')
_TO_THE_FEN = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")


def _exports(app, client) -> dict[str, bytes]:
    files = {}
    for role in (Role.COMMISSION, Role.ADMIN):
        _sign_in(client, role)
        for url in walk(app, client).exports:
            response = client.get(url)
            files[url] = response.get_data()
            response.close()
    return files


def _workbook_findings(content: bytes) -> tuple[dict, list]:
    """Foreign words by sheet (in its name and text cells), and money cells not to the fen."""
    workbook = load_workbook(io.BytesIO(content))
    findings, not_to_the_fen = {}, []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for number, sheet in enumerate(workbook.worksheets, start=1):
            raw = dict(_RAW_CELL.findall(archive.read(f"xl/worksheets/sheet{number}.xml").decode()))
            texts = [sheet.title]
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
                    elif cell.number_format == MONEY_FORMAT and cell.value is not None:
                        written = raw[cell.coordinate]
                        if not _TO_THE_FEN.match(written):
                            not_to_the_fen.append((sheet.title, cell.coordinate, written))
            words = foreign_words(" ".join(texts))
            if words:
                findings[sheet.title] = words
    return findings, not_to_the_fen


def test_every_export_reads_in_chinese(app, client, walk_world):  # noqa: F811
    files = _exports(app, client)
    workbooks = [url for url in files if "/xlsx" in url]
    tables = [url for url in files if "csv" in url]
    assert workbooks and len(tables) >= 13  # the report's tables and an import's problems
    findings = {}
    for url in workbooks:
        words, not_to_the_fen = _workbook_findings(files[url])
        assert not_to_the_fen == [], url
        findings.update({(url, sheet): found for sheet, found in words.items()})
    for url in tables:
        rows = list(csv.reader(io.StringIO(files[url].decode("utf-8-sig"))))
        words = foreign_words(" ".join(cell for row in rows for cell in row))
        if words:
            findings[url] = words
    assert findings == {}


@pytest.mark.parametrize("sheet", ["汇总", "按所在区"])
def test_workbook_money_is_numbers_in_the_money_format(app, client, walk_world, sheet):  # noqa: F811
    _sign_in(client, Role.COMMISSION)
    workbook = load_workbook(io.BytesIO(client.get("/reports/xlsx?month=2014-11").get_data()))
    rows = list(workbook[sheet].iter_rows())
    money_columns = [i for i, cell in enumerate(rows[0]) if "（元）" in str(cell.value)]
    assert money_columns, [cell.value for cell in rows[0]]
    cells = [row[i] for row in rows[1:] for i in money_columns if row[i].value is not None]
    assert cells
    assert all(cell.data_type == "n" and cell.number_format == MONEY_FORMAT for cell in cells)
