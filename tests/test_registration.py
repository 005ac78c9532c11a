"""Registration confirmed by e-mail, through a real local SMTP server (aiosmtpd): the form
answers the same whether or not the e-mail or the credit code is registered; the account opens
only through the signed, expiring link mailed to the address."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from finplatform.auth import registration
from finplatform.models import (
    Enterprise,
    Institution,
    InstitutionStatus,
    PendingRegistration,
    Role,
    User,
)

HUAWEI = "914403001922038216"
ZTE = "9144030027939873X7"
PASSWORD = "Haihe-river-2049"
SENT = "请点击邮件中的链接完成注册"
CONFIRM = "/auth/register/confirm/"


def firm_form(**values) -> dict:
    form = {
        "credit_code": HUAWEI,
        "company_name": "华为技术有限公司",
        "district": "120116",
        "industry": "39",
        "contact_name": "张三",
        "phone": "13800000000",
        "email": "zhang@example.cn",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    form.update(values)
    return form


def institution_form(**values) -> dict:
    form = {
        "name": "天津银行科技支行",
        "kind": "tech_branch",
        "district": "120116",
        "credit_code": "",
        "contact_name": "李四",
        "phone": "022-12345678",
        "email": "li@bank.example.cn",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    form.update(values)
    return form


def register_and_confirm(client, inbox, path: str, form: dict):
    """File a registration, follow the mailed link and press its button; the last answer."""
    filed = client.post(path, data=form)
    assert filed.headers["Location"] == "/auth/login"
    link = inbox.link(path=CONFIRM)
    assert "确认" in client.get(link).get_data(as_text=True)
    return client.post(link)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_firm_opens_its_account_only_through_the_mailed_link(client, db, inbox):
    page = client.post("/auth/register/enterprise", data=firm_form(), follow_redirects=True)
    assert SENT in page.get_data(as_text=True)
    assert _count(db, Enterprise) == 0 and _count(db, User) == 0
    assert client.get("/enterprise/").status_code == 302  # not signed in
    assert inbox.messages[0]["To"] == "zhang@example.cn"
    assert "确认注册" in inbox.messages[0]["Subject"]
    assert "华为技术有限公司" in inbox.body()
    link = inbox.link(path=CONFIRM)
    assert "华为技术有限公司" in client.get(link).get_data(as_text=True)
    assert _count(db, User) == 0  # opening the link (a mail scanner) creates nothing
    response = client.post(link)
    assert response.headers["Location"] == "/enterprise/"
    assert "华为技术有限公司" in client.get("/enterprise/").get_data(as_text=True)
    user = db.session.scalar(sa.select(User))
    assert user.email == "zhang@example.cn" and user.enterprise.credit_code == HUAWEI
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )
    again = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "链接已过期或已被使用" in again
    assert _count(db, Enterprise) == 1 and _count(db, PendingRegistration) == 0


def test_an_institution_opens_pending_until_the_commission_approves(client, db, inbox):
    response = register_and_confirm(client, inbox, "/auth/register/institution", institution_form())
    assert response.headers["Location"] == "/institution/"
    institution = db.session.scalar(sa.select(Institution))
    assert institution.status == InstitutionStatus.PENDING
    assert "贵机构尚未通过科委审核" in client.get("/institution/").get_data(as_text=True)


def _answer(app, path: str, form: dict) -> tuple:
    """Everything a stranger sees, from a fresh browser, minus CSRF tokens."""
    response = app.test_client().post(path, data=form, follow_redirects=True)
    body = re.sub(
        r'(csrf[_-]token"?[^>]*?(value|content)=")[^"]*', r"\1", response.get_data(as_text=True)
    )
    return response.status_code, [r.headers.get("Location") for r in response.history], body


@pytest.mark.parametrize(
    "path, form, taken",
    [
        ("/auth/register/enterprise", firm_form, "email"),
        ("/auth/register/enterprise", firm_form, "credit_code"),
        ("/auth/register/institution", institution_form, "email"),
        ("/auth/register/institution", institution_form, "credit_code"),
    ],
)
def test_the_answer_is_the_same_whether_or_not_it_is_registered(
    app, db, make, inbox, path, form, taken
):
    kind = "enterprise" if "enterprise" in path else "institution"
    existing = (
        make.enterprise(credit_code=HUAWEI)
        if kind == "enterprise"
        else make.institution(credit_code=HUAWEI)
    )
    holder = make.user(Role.SPECIALIST, email="owner@example.cn")
    values = {"credit_code": ZTE, "email": "new@example.cn"}
    fresh = _answer(app, path, form(**values, name="天津新机构"))
    if taken == "email":
        values["email"] = holder.email
    else:
        values["credit_code"] = existing.credit_code
        values["email"] = "other@example.cn"
    known = _answer(app, path, form(**values, name="天津另一机构"))
    assert known == fresh
    assert fresh[0] == 200 and fresh[1] == ["/auth/login"] and SENT in fresh[2]
    assert len(inbox.messages) == 2
    mail = inbox.messages[1]
    assert mail["To"] == values["email"]
    body = inbox.body(1)
    if taken == "email":
        assert "有人尝试用此邮箱" in mail["Subject"]
        assert "/auth/login" in body and "/auth/reset" in body and CONFIRM not in body
    else:
        assert "已注册" in mail["Subject"] and HUAWEI in body
        assert app.config["REGISTRATION_CONTACT"] in body and CONFIRM not in body
    assert _count(db, PendingRegistration) == 1  # only the new one waits


def test_each_answer_costs_one_password_hash_and_one_message(app, make, inbox, monkeypatch):
    hashed = []
    real = registration.generate_password_hash
    monkeypatch.setattr(
        registration, "generate_password_hash", lambda *a, **k: hashed.append(1) or real(*a, **k)
    )
    make.enterprise(credit_code=ZTE)
    holder = make.user(Role.SPECIALIST, email="owner@example.cn")
    for values in ({}, {"email": holder.email}, {"credit_code": ZTE, "email": "x@example.cn"}):
        app.test_client().post("/auth/register/enterprise", data=firm_form(**values))
    assert len(hashed) == 3 and len(inbox.messages) == 3


def test_registering_again_resends_and_only_the_latest_link_works(client, db, inbox):
    client.post("/auth/register/enterprise", data=firm_form())
    first = inbox.link(path=CONFIRM)
    client.post(
        "/auth/register/enterprise", data=firm_form(company_name="华为技术（天津）有限公司")
    )
    assert len(inbox.messages) == 2
    second = inbox.link(path=CONFIRM)
    assert client.post(first).headers["Location"] == "/auth/login"
    assert client.post(second).headers["Location"] == "/enterprise/"
    assert db.session.scalar(sa.select(Enterprise.name)) == "华为技术（天津）有限公司"


def test_an_unconfirmed_registration_expires(app, client, db, inbox):
    client.post("/auth/register/enterprise", data=firm_form())
    app.config["REGISTRATION_MAX_AGE"] = -1
    try:
        page = client.post(inbox.link(path=CONFIRM), follow_redirects=True).get_data(as_text=True)
        assert "链接已过期或已被使用" in page
        client.post("/auth/register/enterprise", data=firm_form(email="late@example.cn"))
        # Filing purges what expired; the late one is kept until it expires in turn.
        assert db.session.scalars(sa.select(PendingRegistration.email)).all() == ["late@example.cn"]
    finally:
        app.config["REGISTRATION_MAX_AGE"] = 2 * 24 * 3600
    assert _count(db, User) == 0


def test_a_tampered_link_is_refused(client, db, inbox):
    client.post("/auth/register/enterprise", data=firm_form())
    link = inbox.link(path=CONFIRM)
    assert client.post(link[:-3] + "xyz").headers["Location"] == "/auth/login"
    assert _count(db, User) == 0


def test_a_credit_code_registered_meanwhile_opens_nothing(app, db, inbox):
    first, second = app.test_client(), app.test_client()
    first.post("/auth/register/enterprise", data=firm_form())
    first_link = inbox.link(path=CONFIRM)
    second.post("/auth/register/enterprise", data=firm_form(email="other@example.cn"))
    second_link = inbox.link(path=CONFIRM)
    assert first.post(first_link).headers["Location"] == "/enterprise/"
    page = second.post(second_link, follow_redirects=True).get_data(as_text=True)
    assert "该统一社会信用代码已在此期间注册" in page
    assert db.session.scalars(sa.select(User.email)).all() == ["zhang@example.cn"]
    assert _count(db, PendingRegistration) == 0


def test_registrations_are_limited_per_network_address(client, inbox):
    statuses = [
        client.post(
            "/auth/register/enterprise", data=firm_form(email=f"x{n}@example.cn")
        ).status_code
        for n in range(registration.PER_ADDRESS + 1)
    ]
    assert statuses[:-1] == [302] * registration.PER_ADDRESS and statuses[-1] == 429


def test_what_the_form_alone_decides_is_still_said_on_its_field(client, db, inbox):
    page = client.post(
        "/auth/register/enterprise", data=firm_form(credit_code="914403001922038217")
    ).get_data(as_text=True)
    assert "校验码错误：第18位应为“6”，当前为“7”" in page
    assert 'value="华为技术有限公司"' in page
    assert inbox.messages == [] and _count(db, PendingRegistration) == 0
