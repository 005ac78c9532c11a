"""Registration, sign-in, remember-me, sign-out and password change, as a visitor sees them."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.models import AuditEvent, Enterprise, Institution, InstitutionStatus, Role, User
from tests.test_registration import firm_form as _enterprise_form
from tests.test_registration import register_and_confirm

HUAWEI = "914403001922038216"


def test_enterprise_registers_and_lands_on_its_home(client, db, inbox):
    response = register_and_confirm(client, inbox, "/auth/register/enterprise", _enterprise_form())
    assert response.headers["Location"] == "/enterprise/"
    enterprise = db.session.scalar(sa.select(Enterprise))
    assert enterprise.credit_code == HUAWEI
    user = db.session.scalar(sa.select(User).where(User.email == "zhang@example.cn"))
    assert user.role == Role.ENTERPRISE and user.enterprise_id == enterprise.id
    assert user.password_hash.startswith("scrypt:")
    home = client.get("/enterprise/")
    assert "华为技术有限公司" in home.get_data(as_text=True)


def test_credit_code_with_wrong_check_character_is_refused_with_the_reason(client, db):
    response = client.post(
        "/auth/register/enterprise", data=_enterprise_form(credit_code="914403001922038217")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "校验码错误：第18位应为“6”，当前为“7”" in page
    assert 'value="华为技术有限公司"' in page  # what the user typed is kept
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == 0


def test_forbidden_character_and_length_have_their_own_messages(client):
    page = client.post(
        "/auth/register/enterprise", data=_enterprise_form(credit_code="91440300192203821O")
    ).get_data(as_text=True)
    assert "第18位字符“O”不允许出现在统一社会信用代码中" in page
    page = client.post(
        "/auth/register/enterprise", data=_enterprise_form(credit_code="91440300192203821")
    ).get_data(as_text=True)
    assert "统一社会信用代码应为18位，当前为17位" in page


def test_credit_code_message_in_english_when_switched(client):
    client.get("/lang/en")
    page = client.post(
        "/auth/register/enterprise", data=_enterprise_form(credit_code="914403001922038217")
    ).get_data(as_text=True)
    assert "Check character mismatch: character 18 should be “6” but is “7”." in page


def test_same_credit_code_cannot_register_twice(client, db, inbox):
    register_and_confirm(client, inbox, "/auth/register/enterprise", _enterprise_form())
    client.post("/auth/logout")
    client.post("/auth/register/enterprise", data=_enterprise_form(email="other@example.cn"))
    assert "该统一社会信用代码已注册" in inbox.messages[-1]["Subject"]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_weak_password_and_mismatch_are_explained(client):
    page = client.post(
        "/auth/register/enterprise", data=_enterprise_form(password="short1", confirm="short1")
    ).get_data(as_text=True)
    assert "密码至少需要 10 位" in page
    page = client.post(
        "/auth/register/enterprise", data=_enterprise_form(confirm="Different123")
    ).get_data(as_text=True)
    assert "两次输入的密码不一致" in page


def test_institution_registers_pending_until_admin_approves(client, db, make, login, inbox):
    response = register_and_confirm(
        client,
        inbox,
        "/auth/register/institution",
        {
            "name": "天津银行科技支行",
            "kind": "tech_branch",
            "district": "120116",
            "credit_code": "",
            "contact_name": "李四",
            "phone": "022-12345678",
            "email": "li@bank.example.cn",
            "password": "Haihe-river-2049",
            "confirm": "Haihe-river-2049",
        },
    )
    assert response.headers["Location"] == "/institution/"
    institution = db.session.scalar(sa.select(Institution))
    assert institution.status == InstitutionStatus.PENDING
    assert "贵机构尚未通过科委审核" in client.get("/institution/").get_data(as_text=True)
    client.post("/auth/logout")

    admin = make.user(Role.ADMIN)
    login(admin)
    assert "天津银行科技支行" in client.get("/admin/").get_data(as_text=True)
    response = client.post(f"/admin/institutions/{institution.id}/approve")
    assert response.status_code == 302
    db.session.refresh(institution)
    assert institution.status == InstitutionStatus.APPROVED
    assert institution.approved_by_id == admin.id
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "institution.approved" in actions


def test_login_wrong_password_is_refused_and_audited(client, make, db):
    user = make.user(Role.SPECIALIST)
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong-pass1"})
    assert "电子邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/specialist/").status_code == 302
    failed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "login.failed")
    ).all()
    assert [event.object_id for event in failed] == [user.id]


def test_login_is_case_insensitive_on_email_and_follows_next(client, make):
    user = make.user(Role.SPECIALIST, email="Wang@Example.cn")
    response = client.post(
        "/auth/login?next=/specialist/",
        data={"email": "WANG@example.CN", "password": make.PASSWORD},
    )
    assert response.headers["Location"] == "/specialist/"
    assert user.email == "wang@example.cn"


def test_login_never_redirects_to_another_host(client, make, login):
    user = make.user(Role.SPECIALIST)
    response = client.post(
        "/auth/login?next=//evil.example.com/",
        data={"email": user.email, "password": make.PASSWORD},
    )
    assert response.headers["Location"] == "/specialist/"


def test_deactivated_user_cannot_sign_in(client, make, db, login):
    user = make.user(Role.SPECIALIST)
    user.active = False
    db.session.commit()
    login(user)
    assert client.get("/specialist/").status_code == 302


def test_remember_me_sets_a_lasting_cookie(client, make, login):
    user = make.user(Role.SPECIALIST)
    login(user, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only
    assert cookie.expires is not None


def test_logout_ends_the_session(client, make, login):
    login(make.user(Role.SPECIALIST))
    assert client.get("/specialist/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/specialist/").status_code == 302


def test_password_change_needs_the_current_password(client, make, login, db):
    user = make.user(Role.SPECIALIST)
    login(user)
    page = client.post(
        "/auth/password",
        data={
            "current_password": "nope",
            "new_password": "Haihe-bridge-7731",
            "confirm": "Haihe-bridge-7731",
        },
    ).get_data(as_text=True)
    assert "当前密码不正确" in page
    response = client.post(
        "/auth/password",
        data={
            "current_password": make.PASSWORD,
            "new_password": "Haihe-bridge-7731",
            "confirm": "Haihe-bridge-7731",
        },
    )
    assert response.status_code == 302
    client.post("/auth/logout")
    assert login(user).status_code == 200  # old password no longer works: the form comes back
    assert login(user, password="Haihe-bridge-7731").status_code == 302
