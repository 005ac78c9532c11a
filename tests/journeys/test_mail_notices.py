"""Notices by e-mail for what a user must not miss, through a real local SMTP server (aiosmtpd):
a decision on an application, an overdue answer, a requested document; each user chooses which
in their settings; a page never fails because the SMTP server is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from rq import Queue, SimpleWorker

from finplatform import clock, jobs, mail
from finplatform.deals import services
from finplatform.deals.deadlines import flag_overdue
from finplatform.models import ApplicationStatus, Notification

APPROVE = {"amount_wan": "180", "rate": "4.8", "term_months": "12"}


def _submitted(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    return application


def _decide(client, login, world, application, **data):
    login(world.bank_user)
    client.post(f"/institution/applications/{application.id}/review")
    return client.post(f"/institution/applications/{application.id}/approve", data=data or APPROVE)


def test_the_firm_receives_the_decision_by_mail(client, login, db, world, post_request, inbox):
    application = _submitted(db, world, post_request)
    assert _decide(client, login, world, application).status_code == 302
    [message] = inbox.messages
    assert message["To"] == world.firm_user.email
    assert message["Subject"] == "平台通知：申请的审批结果"
    body = inbox.body()
    assert "滨海科技支行 已批准您对 科技信用贷 的融资申请。" in body
    assert f"http://localhost/applications/{application.id}" in body
    assert "http://localhost/settings/notices" in body


def test_a_user_who_turned_decisions_off_gets_no_mail_but_still_the_notification(
    client, login, db, world, post_request, inbox
):
    login(world.firm_user)
    page = client.get("/settings/notices").get_data(as_text=True)
    assert page.count('type="checkbox"') == 3 and page.count("checked") == 3
    saved = client.post("/settings/notices", data={"topics": ["overdue", "document"]})
    assert saved.headers["Location"] == "/settings/notices"
    page = client.get("/settings/notices").get_data(as_text=True)
    assert "通知设置已保存" in page and page.count("checked") == 2
    client.post("/auth/logout")
    application = _submitted(db, world, post_request)
    _decide(client, login, world, application)
    assert inbox.messages == []
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == world.firm_user.id)
    ).all()
    assert "application.approved" in kinds


def test_an_unknown_choice_is_refused(client, login, world, db):
    login(world.firm_user)
    page = client.post("/settings/notices", data={"topics": ["decision", "everything"]})
    assert page.status_code == 200 and "通知设置已保存" not in page.get_data(as_text=True)
    db.session.refresh(world.firm_user)
    assert world.firm_user.mail_notices == ["decision", "overdue", "document"]


def test_overdue_applications_are_mailed_to_the_firm_and_its_specialist(
    db, world, post_request, inbox
):
    application = _submitted(db, world, post_request)
    application.respond_by = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    assert flag_overdue() == 1
    db.session.commit()
    received = {m["To"]: m["Subject"] for m in inbox.messages}
    assert received == {
        world.firm_user.email: "平台通知：申请超过答复期限",
        world.specialist.email: "平台通知：申请超过答复期限",
    }


def test_a_requested_document_is_mailed_to_the_firm(client, login, db, world, post_request, inbox):
    application = _submitted(db, world, post_request)
    login(world.bank_user)
    due = (clock.today() + timedelta(days=5)).isoformat()
    response = client.post(
        f"/applications/{application.id}/document-requests",
        data={"kind": "financial_statements", "due_on": due, "note": ""},
    )
    assert response.status_code == 302
    [message] = inbox.messages
    assert message["To"] == world.firm_user.email
    assert message["Subject"] == "平台通知：要求补充材料"
    assert "滨海科技支行" in inbox.body()


def test_the_decision_is_recorded_when_the_smtp_server_is_down(
    app, client, login, db, world, post_request, free_tcp_port
):
    state = app.extensions["mail"]
    kept = (state.server, state.port, state.suppress)
    state.server, state.port, state.suppress = "127.0.0.1", free_tcp_port, False  # nobody there
    try:
        application = _submitted(db, world, post_request)
        assert _decide(client, login, world, application).status_code == 302
    finally:
        state.server, state.port, state.suppress = kept
    db.session.refresh(application)
    assert application.status == ApplicationStatus.APPROVED


def test_without_an_smtp_server_mail_is_written_to_files(app, tmp_path):
    kept = app.config["REDIS_URL"]
    app.config["MAIL_FILE_DIR"], app.config["REDIS_URL"] = str(tmp_path / "mail"), None
    try:
        mail.deliver("firm@example.cn", "平台通知：申请的审批结果", "正文")
    finally:
        app.config["MAIL_FILE_DIR"], app.config["REDIS_URL"] = None, kept
    [written] = list((tmp_path / "mail").glob("*.eml"))
    text = written.read_text()
    assert "To: firm@example.cn" in text and "Subject:" in text


@pytest.mark.redis
def test_with_redis_a_refused_message_is_retried_until_it_arrives(
    app, client, login, db, world, post_request, inbox, free_tcp_port_factory
):
    connection = jobs.redis_connection()
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    state = app.extensions["mail"]
    working_port, state.port = state.port, free_tcp_port_factory()  # nobody listens there
    application = _submitted(db, world, post_request)
    assert _decide(client, login, world, application).status_code == 302
    [job] = queue.get_jobs()
    SimpleWorker([queue], connection=connection).work(burst=True, max_jobs=1)
    job.refresh()
    assert job.retries_left == 1 and job.get_status() == "queued"  # refused, queued again
    state.port = working_port
    [message] = inbox.messages  # the retry reaches the server
    assert message["To"] == world.firm_user.email


def test_make_run_without_an_smtp_server_writes_to_instance_mail(monkeypatch, tmp_path):
    from config import DevelopmentConfig

    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.setenv("FINPLATFORM_INSTANCE_DIR", str(tmp_path))
    assert str(tmp_path / "mail") == DevelopmentConfig().MAIL_FILE_DIR
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.cn")
    assert DevelopmentConfig().MAIL_FILE_DIR is None
