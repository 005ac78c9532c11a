"""The breakdown by confirmed designation (科技小巨人 / 高新技术企业 / 科技型中小企业 / 未认定):
confirmed flags only, one designation per firm (the highest it holds), as at the event."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal as D

from openpyxl import load_workbook

from finplatform.api.tokens import create_token
from finplatform.models import ApplicationStatus, Role
from finplatform.reports import facts
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from tests.reports.conftest import WorldBuilder, bj

MAY, JUNE, AUGUST = Month(2015, 5), Month(2015, 6), Month(2015, 8)


def _by(report: dict, measure: str) -> dict:
    rows = report["breakdowns"][measure]["designation"]
    return {row["key"]: (row["count"], D(row["amount"])) for row in rows}


def _small_world(db, make, pin_today) -> WorldBuilder:
    """Five firms: one of each designation, one that only claims to be a little giant, and one
    (MID) confirmed as a little giant on 1 July 2015."""
    pin_today(date(2015, 1, 2))
    builder = WorldBuilder(db, make)
    world = builder.world
    firms = {
        "LG": {"little_giant_confirmed": True, "high_tech_confirmed": True},
        "HT": {"high_tech_confirmed": True, "tech_sme_confirmed": True},
        "SME": {"tech_sme_confirmed": True},
        "CLAIM": {"is_little_giant": True, "is_high_tech": True},
        "MID": {"tech_sme_confirmed": True},
    }
    for key, flags in firms.items():
        world.enterprises[key] = make.enterprise(name=f"认定测试{key}科技有限公司", **flags)
    world.products["P"] = make.product(make.institution(name="认定测试科技支行"))
    for key, amount in (
        ("LG", "1000000"),
        ("HT", "2000000"),
        ("SME", "3000000"),
        ("CLAIM", "400000"),
        ("MID", "500000"),
    ):
        builder.request(f"R{key}", key, amount, bj(2015, 5, 10))
    builder.apply(
        "AMID",
        "RMID",
        "P",
        bj(2015, 5, 11),
        status=ApplicationStatus.DISBURSED,
        decided_at=bj(2015, 5, 20),
        approved_amount_yuan=D("500000"),
        approved_rate=D("5.0"),
        approved_term_months=12,
        respond_by=bj(2015, 5, 20),
    )
    builder.disburse("first", "AMID", "300000", date(2015, 6, 20), created_at=bj(2015, 6, 20))
    db.session.commit()
    # Confirmed a little giant from 1 July: what it does from then on is counted as one.
    pin_today(date(2015, 7, 1))
    world.enterprises["MID"].little_giant_confirmed = True
    db.session.commit()
    builder.request("RMID2", "MID", "600000", bj(2015, 8, 5))
    builder.disburse("second", "AMID", "200000", date(2015, 8, 6), created_at=bj(2015, 8, 6))
    db.session.commit()
    pin_today(date(2015, 9, 15))
    return builder


def test_designation_breakdowns_use_confirmed_flags_as_at_the_event(db, make, pin_today):
    _small_world(db, make, pin_today)
    may = build_report(MAY)
    # The highest confirmed designation of each firm; a claim alone is 未认定; MID was a
    # tech SME when it posted in May.
    assert _by(may, "requests") == {
        "little_giant": (1, D("1000000")),
        "high_tech": (1, D("2000000")),
        "tech_sme": (2, D("3500000")),
        "unconfirmed": (1, D("400000")),
    }
    # One designation per firm: the rows add up to the month's total.
    assert may["totals"]["requests"] == {"count": 5, "amount": "6900000.00"}
    assert _by(may, "applications") == {"tech_sme": (1, D("500000"))}
    assert _by(may, "approvals") == {"tech_sme": (1, D("500000"))}
    # Disbursed in June as a tech SME, in August as a little giant.
    assert _by(build_report(JUNE), "disbursements") == {"tech_sme": (1, D("300000"))}
    august = build_report(AUGUST)
    assert _by(august, "disbursements") == {"little_giant": (1, D("200000"))}
    assert _by(august, "requests") == {"little_giant": (1, D("600000"))}

    # Later changes of the flags do not move past months; a rebuild gives the same facts.
    kept = facts.all_facts()
    facts.rebuild()
    assert facts.all_facts() == kept
    assert _by(build_report(MAY), "requests") == _by(may, "requests")


def test_the_designation_table_reads_the_same_on_every_output(client, db, login, make, pin_today):
    _small_world(db, make, pin_today)
    viewer = make.user(Role.COMMISSION)
    _row, token = create_token(viewer, "report reader")
    db.session.commit()
    login(viewer)

    page = client.get("/reports/?month=2015-05").get_data(as_text=True)
    table = page.split('id="by-designation"', 1)[1].split("</table>", 1)[0]
    keys = re.findall(r'<tr data-key="([^"]*)">', table)
    book = load_workbook(io.BytesIO(client.get("/reports/xlsx?month=2015-05").data))
    sheet = [list(row) for row in book["按认定类型"].iter_rows(values_only=True)]
    text = client.get("/reports/csv?month=2015-05&table=by_designation").get_data(as_text=True)
    csv_rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    answer = client.get(
        "/api/v1/reports/monthly/2015-05", headers={"Authorization": f"Bearer {token}"}
    ).json
    api = next(t for t in answer["tables"] if t["name"] == "by_designation")

    # May: MID's application and approval (500,000), as a tech SME; no disbursement.
    assert keys == ["tech_sme"]
    assert sheet[0][0] == "认定类型"
    assert sheet[1:] == [["科技型中小企业", 0, 0, 1, 1, 500000]]
    assert csv_rows[1:] == [["科技型中小企业", "0", "0", "1", "1", "500000.00"]]
    assert api["rows"] == [["tech_sme", "科技型中小企业", 0, "0", 1, 1, "500000.00"]]
