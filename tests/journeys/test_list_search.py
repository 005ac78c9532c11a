"""Work lists open on the work to do and find a firm or a product by name: the bank's inbox
shows what waits for an answer, nearest deadline first; inbox, assignments, portfolio and
products search by name (firms also by credit code), and page links keep the search."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from finplatform.models import ApplicationStatus, Role
from tests.factories import Factory


@pytest.fixture
def inbox(make, db):
    """A bank with four applications: two waiting (due in 5 and 2 days), one approved and one
    rejected with earlier deadlines."""
    bank = make.institution()
    user = make.user(Role.INSTITUTION, institution=bank)
    product = make.product(bank)
    now = datetime.now(UTC)
    names = ("华新光电科技有限公司", "津南智造有限公司", "滨海芯片有限公司", "武清生物有限公司")
    firms = {name: make.enterprise(name=name) for name in names}

    def application(firm, status, due_in_days):
        return make.application(
            make.financing_request(firms[firm]),
            product,
            status=status,
            respond_by=now + timedelta(days=due_in_days),
        )

    apps = {
        "later": application("华新光电科技有限公司", ApplicationStatus.SUBMITTED, 5),
        "sooner": application("津南智造有限公司", ApplicationStatus.IN_REVIEW, 2),
        "approved": application("滨海芯片有限公司", ApplicationStatus.APPROVED, -30),
        "rejected": application("武清生物有限公司", ApplicationStatus.REJECTED, -60),
    }
    db.session.commit()
    return {"user": user, "apps": apps, "firms": firms}


def _rows(html: str) -> list[int]:
    table = html.split('id="inbox"')[1].split("</table>")[0]
    return [int(n) for n in re.findall(r"/applications/(\d+)\"", table)]


def test_the_inbox_opens_on_open_work_nearest_deadline_first(client, login, inbox):
    login(inbox["user"])
    apps = inbox["apps"]
    html = client.get("/institution/inbox").get_data(as_text=True)
    assert _rows(html) == [apps["sooner"].id, apps["later"].id]
    every = client.get("/institution/inbox?status=all").get_data(as_text=True)
    assert _rows(every) == [apps[k].id for k in ("rejected", "approved", "sooner", "later")]
    approved = client.get("/institution/inbox?status=approved").get_data(as_text=True)
    assert _rows(approved) == [apps["approved"].id]


def test_the_inbox_finds_a_firm_by_name_or_credit_code(client, login, inbox):
    login(inbox["user"])
    apps, firms = inbox["apps"], inbox["firms"]
    by_name = client.get("/institution/inbox?q=光电").get_data(as_text=True)
    assert _rows(by_name) == [apps["later"].id]
    assert 'value="光电"' in by_name
    code = firms["滨海芯片有限公司"].credit_code
    by_code = client.get(f"/institution/inbox?status=all&q={code.lower()}").get_data(as_text=True)
    assert _rows(by_code) == [apps["approved"].id]
    # A wildcard typed in the box is a character, not a pattern.
    assert _rows(client.get("/institution/inbox?q=%25").get_data(as_text=True)) == []


def test_assignments_portfolio_and_products_search_by_name(client, login, make, db, app):
    admin = make.user(Role.ADMIN)
    specialist = make.user(Role.SPECIALIST)
    for number in range(3):
        make.enterprise(name=f"甲科技{number}号有限公司", specialist_id=specialist.id)
    make.enterprise(name="乙材料有限公司", specialist_id=specialist.id)
    db.session.commit()
    login(admin)
    page = client.get("/admin/assignments?q=乙材料").get_data(as_text=True)
    assert "乙材料有限公司" in page and "甲科技0号有限公司" not in page
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get("/admin/assignments?q=甲科技").get_data(as_text=True)
        assert "page=2" in first and "q=%E7%94%B2" in first  # the next page keeps the search
    finally:
        app.config["PAGE_SIZE"] = 20
    client.post("/auth/logout")

    login(specialist)
    page = client.get("/specialist/?q=甲科技1").get_data(as_text=True)
    assert "甲科技1号有限公司" in page and "乙材料有限公司" not in page
    client.post("/auth/logout")

    bank = make.institution()
    make.product(bank, name="知识产权质押贷")
    make.product(bank, name="科创信用贷")
    db.session.commit()
    login(make.user(Role.INSTITUTION, institution=bank))
    page = client.get("/institution/products/?q=质押").get_data(as_text=True)
    assert "知识产权质押贷" in page and "科创信用贷" not in page


@pytest.mark.browser
def test_the_inbox_in_the_browser_opens_on_open_work_and_searches(
    inbox, live_server, page, artifacts_dir
):
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(inbox["user"].email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(live_server + "/institution/inbox")
    rows = page.locator("#inbox tbody tr")
    assert rows.count() == 2
    assert "津南智造有限公司" in rows.nth(0).inner_text()
    assert "华新光电科技有限公司" in rows.nth(1).inner_text()
    page.screenshot(path=str(artifacts_dir / "inbox-default.png"), full_page=True)
    page.get_by_label("企业名称或统一社会信用代码").fill("光电")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert "q=" in page.url
    assert rows.count() == 1 and "华新光电科技有限公司" in rows.nth(0).inner_text()
    page.screenshot(path=str(artifacts_dir / "inbox-search.png"), full_page=True)
