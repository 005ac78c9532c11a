"""Definition 5c: the 10亿元 risk-pool target measures the pool, so the report shows beside its
funds the covered book they back, as it stood at the month's end, the same rows on the page (in
万元/亿元), in the workbook, in the CSV and over the API (in yuan).

The world, by hand: 3亿元 contributed on 2 January; a 500万元 loan (15 January) and a 300万元
loan (10 March) registered for cover at 50 %; the first never pays, its claim (filed 20 May for
250万元) is approved at 200万元 and paid on 1 June, and 150万元 is recovered on 20 June, of which
the pool's share is 200/500 = 40 %, 60万元. The second repays 25万元 on 10 April. After June: 1亿元
more contributed and another 25万元 repaid on 10 July, which the June report must not show.

As of 30 June: funds 3亿元; 2 covered loans, 800万元 covered principal; covered outstanding
300 − 25 = 275万元 (the paid claim's loan has left the book); claims paid 200万元; recoveries
60万元; balance 3亿 − 200万 + 60万 = 2.986亿元 (298,600,000 yuan).
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from finplatform.api.tokens import create_token
from finplatform.loans import pool as funds
from finplatform.loans.claims import decide_claim, file_claim, pay_claim, record_recovery
from finplatform.loans.cover import register_cover
from finplatform.loans.figures import pools_of
from finplatform.loans.services import record_repayment
from finplatform.models import Role
from finplatform.reports.closing import close_months_through
from finplatform.reports.periods import Month

EXPECTED = [
    # label, as of, count, yuan
    ["到位资金", "2014-06-30", None, 300_000_000],
    ["备案贷款（备案本金）", "2014-06-30", 2, 8_000_000],
    ["备案贷款未偿本金", "2014-06-30", None, 2_750_000],
    ["代偿金额", "2014-06-30", None, 2_000_000],
    ["追偿回收（返还风险保证金部分）", "2014-06-30", None, 600_000],
    ["风险保证金余额", "2014-06-30", None, 298_600_000],
]
ON_THE_PAGE = ["3亿元", "800万元", "275万元", "200万元", "60万元", "2.986亿元"]


def _pool_world(db, make, pin_today, bank, disburse):
    admin = make.user(Role.ADMIN)
    pool = funds.create_pool(2014, "2014年科技型中小企业信用贷款风险保证金")
    funds.contribute(pool, "天津市科委", "300000000", date(2014, 1, 2))
    funds.admit(
        pool,
        bank.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="5000000",
        quota_yuan="10000000",
        on=date(2014, 1, 2),
    )

    bad = disburse(amount="5000000", on=date(2014, 1, 15), rate="0", term=10)
    bad_cover = register_cover(bad, bank, date(2014, 1, 20))
    good = disburse(amount="3000000", on=date(2014, 3, 10), rate="0", term=12)
    register_cover(good, bank, date(2014, 3, 12))
    pin_today(date(2014, 4, 10))
    record_repayment(good, amount_yuan="250000", paid_on=date(2014, 4, 10), actor=bank)
    pin_today(date(2014, 5, 20))
    claim = file_claim(bad_cover, bank, "逾期九十天以上，已起诉", date(2014, 5, 20))
    assert claim.claimed_yuan == Decimal("2500000.00")  # 500万 outstanding × 50 %
    decide_claim(claim, admin, "approve_less", "2000000", "贷款合同约定的担保物可部分受偿")
    pin_today(date(2014, 6, 20))
    pay_claim(claim, admin, date(2014, 6, 1))
    record_recovery(claim, bank, "1500000", date(2014, 6, 20))
    # After the month's end: neither may move June's figures.
    pin_today(date(2014, 8, 1))
    funds.contribute(pool, "滨海新区", "100000000", date(2014, 7, 10))
    record_repayment(good, amount_yuan="250000", paid_on=date(2014, 7, 10), actor=bank)
    db.session.commit()


def _page_rows(page: str) -> list[list[str]]:
    table = page.split('id="risk-pool"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = []
    for cells in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        found = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        texts = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]
        exact = re.search(r'title="¥([^"]+)"', found[2]).group(1).replace(",", "")
        rows.append([*texts, Decimal(exact)])
    return rows


def test_the_pool_target_shows_the_covered_book_the_same_everywhere(
    client, db, login, make, pin_today, bank_user, disburse
):
    _pool_world(db, make, pin_today, bank_user, disburse)
    viewer = make.user(Role.COMMISSION)
    _row, token = create_token(viewer, "report reader")
    db.session.commit()
    login(viewer)

    page = client.get("/reports/?month=2014-06").get_data(as_text=True)
    assert "截至 2014-06-30" in page
    shown = _page_rows(page)
    assert [row[0] for row in shown] == [row[0] for row in EXPECTED]
    assert [row[1] for row in shown] == ["", "2", "", "", "", ""]
    assert [row[2] for row in shown] == ON_THE_PAGE
    assert [row[3] for row in shown] == [Decimal(row[3]) for row in EXPECTED]

    book = load_workbook(io.BytesIO(client.get("/reports/xlsx?month=2014-06").data))
    sheet = [list(row) for row in book["风险保证金"].iter_rows(values_only=True)]
    assert sheet[0] == ["统计项", "截至日期", "笔数", "金额（元）"]
    assert sheet[1:] == EXPECTED

    text = client.get("/reports/csv?month=2014-06&table=risk_pool").get_data(as_text=True)
    files = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    assert files == [
        [name, day, "" if count is None else str(count), f"{amount}.00"]
        for name, day, count, amount in EXPECTED
    ]
    answer = client.get(
        "/api/v1/reports/monthly/2014-06", headers={"Authorization": f"Bearer {token}"}
    ).json
    api = next(t for t in answer["tables"] if t["name"] == "risk_pool")["rows"]
    assert api == [[name, day, count, f"{amount}.00"] for name, day, count, amount in EXPECTED]
    # No internal codes on the page or in the workbook.
    for code in ("covered_outstanding", "funds_yuan", "risk_pool"):
        assert code not in repr(shown) and code not in repr(sheet)


def test_a_closed_month_keeps_the_pool_as_it_stood(
    client, db, login, make, pin_today, bank_user, disburse
):
    _pool_world(db, make, pin_today, bank_user, disburse)
    admin = make.user(Role.ADMIN)
    close_months_through(Month(2014, 6), admin)
    db.session.commit()
    # A contribution dated in June recorded after the closing: the frozen June keeps 3亿元.
    pool = pools_of(2014)[0]
    funds.contribute(pool, "天津市科委", "50000000", date(2014, 6, 25))
    db.session.commit()
    login(make.user(Role.COMMISSION))
    book = load_workbook(io.BytesIO(client.get("/reports/xlsx?month=2014-06").data))
    sheet = [list(row) for row in book["风险保证金"].iter_rows(min_row=2, values_only=True)]
    assert sheet == EXPECTED
