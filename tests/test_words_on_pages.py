"""The words the first Chinese reading of the platform found wrong, each on its page: the target
form, notification links, names of people and of things, the audit log, import statuses."""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa

from finplatform import jobs
from finplatform.auth.reset import request_reset
from finplatform.mail import mail
from finplatform.models import AuditEvent, ImportBatch, Role, Target
from finplatform.notifications.messages import MESSAGES
from finplatform.notifications.services import notify
from tests.visible_text import foreign_words, visible_text

ROOT = Path(__file__).resolve().parent.parent


def _page(client, path: str) -> str:
    return visible_text(client.get(path).get_data(as_text=True))


def test_target_form_shows_the_target_in_chinese_and_its_number_as_written(client, login, make, db):
    login(make.user(Role.ADMIN, name="管理员"))
    target = db.session.scalar(sa.select(Target).where(Target.metric == "firms_served"))
    html = client.get(f"/admin/targets/{target.id}").get_data(as_text=True)
    text = visible_text(html)
    assert "服务企业" in text and "力争服务企业达到15000家" in text
    assert 'value="15000"' in html and "15000.0000" not in html
    assert foreign_words(text) == []
    client.get("/lang/en")
    assert "Enterprises served" in _page(client, f"/admin/targets/{target.id}")


def test_notification_links_read_view(client, login, make, db):
    user = make.user(Role.ENTERPRISE, enterprise=make.enterprise())
    notify(user, "assignment.assigned", {"count": 2}, "/enterprise/")
    db.session.commit()
    login(user)
    text = _page(client, "/notifications/")
    assert "查看" in text and "进行中" not in text


def test_people_have_full_names_and_things_have_names(client, login, make):
    login(make.user(Role.ADMIN, name="管理员"))
    assert "姓名" in _page(client, "/admin/staff")
    tokens = _page(client, "/settings/tokens")
    assert "名称" in tokens and "姓名" not in tokens


def test_audit_log_reads_as_sentences_not_json(client, login, make, db):
    admin = make.user(Role.ADMIN, name="管理员")
    db.session.add(
        AuditEvent(
            action="application.rejected",
            object_type="Application",
            object_id=7,
            actor_id=admin.id,
            detail={"from": "in_review", "to": "rejected", "note": "材料不全"},
        )
    )
    db.session.commit()
    login(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    table = visible_text(html.split('id="audit"')[1])
    assert "融资申请被拒" in table
    assert "变更前：审核中" in table and "变更后：已拒绝" in table and "备注：材料不全" in table
    assert "{" not in table and foreign_words(table) == []


def test_import_statuses_are_words(client, login, make, db):
    admin = make.user(Role.ADMIN, name="管理员")
    for status in ("finished", "rejected"):
        db.session.add(
            ImportBatch(
                kind="enterprises", filename="名单.csv", status=status, created_by_id=admin.id
            )
        )
    db.session.commit()
    login(admin)
    text = _page(client, "/admin/imports/")
    assert "已导入" in text and "未导入任何数据" in text
    assert foreign_words(text) == []


def test_every_notification_the_code_sends_has_its_sentence():
    kinds = set()
    for path in (ROOT / "finplatform").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(getattr(node, "func", None), "id", "")
            if isinstance(node, ast.Call) and name.startswith("notify") and len(node.args) > 1:
                kind = node.args[1]
                if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                    kinds.add(kind.value)
    assert {"offer.made", "disbursement.recorded", "application.overdue_firm"} <= kinds
    assert sorted(kinds - set(MESSAGES)) == []


def test_the_password_reset_mail_reads_in_chinese(app, make, db, monkeypatch):
    # The mail is sent inline here, as without Redis: no worker runs during the test.
    monkeypatch.setattr(jobs, "redis_connection", lambda: None)
    user = make.user(Role.SPECIALIST, name="王专员")
    with app.test_request_context("/auth/reset"), mail.record_messages() as outbox:
        request_reset(user.email)
    assert len(outbox) == 1
    message = outbox[0]
    assert "重置" in message.subject and "王专员" in message.body
    assert foreign_words(message.subject) == [] and foreign_words(message.body) == []
