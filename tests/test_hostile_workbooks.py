"""Hostile workbooks are refused from their zip directory and a chunked count of their sheets,
before openpyxl parses anything; an import in a work horse runs under a memory limit."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook

from finplatform.exceptions import DomainError
from finplatform.imports import reading

CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"></Types>'
)


def _workbook_with_sheet(sheet_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def _sheet(rows: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>"
    )


def _far_cell() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "统一社会信用代码"
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _many_rows() -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(100_002))
    return _workbook_with_sheet(_sheet(rows))


def _many_cells() -> bytes:
    cells = b"<c><v>1</v></c>" * 2_100_000
    return _workbook_with_sheet(_sheet(b'<row r="1">' + cells + b"</row>"))


def _unpacks_huge() -> bytes:
    return _workbook_with_sheet(_sheet(b" " * (160 * 1024 * 1024)))


HOSTILE = {
    "a cell at XFD1048576": (_far_cell, "列"),
    "100,002 rows": (_many_rows, "行"),
    "2.1 million cells": (_many_cells, "单元格"),
    "160 MB of XML": (_unpacks_huge, "MB"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_workbook_is_refused_before_parsing(app, monkeypatch, name):
    build, word = HOSTILE[name]
    content = build()
    assert len(content) < reading.MAX_BYTES

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was asked to parse a hostile workbook")

    monkeypatch.setattr(reading, "load_workbook", never)
    with pytest.raises(DomainError) as refused:
        reading.read_table(content, "hostile.xlsx")
    assert refused.value.field == "file"
    assert word in str(refused.value.message)


def test_an_ordinary_workbook_still_reads(app):
    book = Workbook()
    book.active.append(["统一社会信用代码", "企业名称"])
    book.active.append(["91120116MA0511111N", "天津海河传感科技有限公司"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = reading.read_table(buffer.getvalue(), "ok.xlsx")
    assert table.header == ["统一社会信用代码", "企业名称"]
    assert table.rows == [(2, ["91120116MA0511111N", "天津海河传感科技有限公司"])]


def test_the_memory_limit_stops_an_import_that_grows_too_much():
    script = (
        "from finplatform.imports.budget import memory_limit\n"
        "try:\n"
        "    with memory_limit(64 * 1024 * 1024):\n"
        "        block = bytearray(512 * 1024 * 1024)\n"
        "    print('not stopped')\n"
        "except MemoryError:\n"
        "    print('stopped')\n"
        "block = bytearray(256 * 1024 * 1024)\n"  # the limit is lifted after the import
        "print('lifted')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["stopped", "lifted"]
