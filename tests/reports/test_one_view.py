"""One view of a report: the page, the XLSX, the CSV and the API show the same breakdown rows,
in the same order, including an institution whose only figure of the month is an approval."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

from openpyxl import load_workbook

from finplatform.api.tokens import create_token
from finplatform.models import ApplicationStatus, Role
from tests.reports.conftest import WorldBuilder, bj

COUNT_COLUMNS = (2, 4, 5)  # disbursements, applications, approvals


def _approval_only_institution(db, make, world):
    """An institution approving in June an application submitted in May; nothing else in June."""
    builder = WorldBuilder(db, make)
    builder.world = world
    lender = make.institution(name="只审批银行", kind_code="bank", approved_at=bj(2014, 1, 5))
    world.products["P_only"] = make.product(lender, name="审批贷")
    builder.request("R_only", "E1", "3000000", bj(2014, 5, 20))
    builder.apply(
        "A_only",
        "R_only",
        "P_only",
        bj(2014, 5, 21),
        status=ApplicationStatus.APPROVED,
        decided_at=bj(2014, 6, 4),
        approved_amount_yuan=Decimal("2500000"),
        approved_rate=Decimal("5.2"),
        approved_term_months=12,
        respond_by=bj(2014, 5, 24),
    )
    db.session.commit()
    return lender


def _page_rows(page: str) -> list[list[str]]:
    table = page.split('id="by-institution"', 1)[1].split("</table>", 1)[0]
    rows = []
    for key, cells in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', table, re.S):
        texts = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        rows.append([key, *texts])
    return rows


def test_page_xlsx_csv_and_api_agree_row_for_row(client, db, login, make, world):
    lender = _approval_only_institution(db, make, world)
    viewer = make.user(Role.COMMISSION)
    _row, token = create_token(viewer, "report reader")
    db.session.commit()
    login(viewer)

    page = _page_rows(client.get("/reports/?month=2014-06").get_data(as_text=True))
    book = load_workbook(io.BytesIO(client.get("/reports/xlsx?month=2014-06").data))
    # The files show the institution's name first; the key (an id) the page links by is left out.
    sheet = [list(row) for row in book["按机构"].iter_rows(min_row=2, values_only=True)]
    text = client.get("/reports/csv?month=2014-06&table=by_institution").get_data(as_text=True)
    csv_rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    answer = client.get(
        "/api/v1/reports/monthly/2014-06", headers={"Authorization": f"Bearer {token}"}
    ).json
    api = next(t for t in answer["tables"] if t["name"] == "by_institution")["rows"]

    # The approval-only institution is a row: no disbursement, no application, one approval.
    mine = next(row for row in sheet if row[0] == "只审批银行")
    assert mine == ["只审批银行", 0, 0, 0, 1, 2500000]
    assert str(lender.id) in [row[0] for row in page]
    names = [row[0] for row in sheet]
    assert [row[1] for row in page] == names
    assert [row[0] for row in csv_rows] == names
    assert [row[1] for row in api] == names
    assert [row[0] for row in api] == [row[0] for row in page]  # the API keeps the keys
    for from_sheet, from_page, from_csv, from_api in zip(sheet, page, csv_rows, api, strict=True):
        for column in COUNT_COLUMNS:
            assert int(from_page[column]) == int(from_csv[column - 1]) == from_sheet[column - 1]
            assert from_api[column] == from_sheet[column - 1]
        for column in (3, 6):  # amounts in yuan
            assert Decimal(from_csv[column - 1]) == Decimal(from_api[column])
            assert Decimal(from_api[column]) == from_sheet[column - 1]
