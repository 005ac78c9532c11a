"""Failed sign-ins are throttled per account (lock-out, admin unlock) and per address."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.auth import throttle
from finplatform.extensions import db as _db
from finplatform.models import AuditEvent, Role
from seeds.reference_loader import load_reference
from tests.factories import Factory


def _fail(client, email: str, times: int):
    return [
        client.post("/auth/login", data={"email": email, "password": "wrong-pass-1"})
        for _ in range(times)
    ]


def test_repeated_failures_lock_the_account_until_an_admin_unlocks_it(app, client, make, login, db):
    user = make.user(Role.ENTERPRISE)
    client.get("/lang/en")
    responses = _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"])
    assert "locked" in responses[-1].get_data(as_text=True)
    assert "not correct" in responses[0].get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_at is not None
    # Even the right password is refused now.
    page = login(user).get_data(as_text=True)
    assert "locked" in page
    assert client.get("/enterprise/").status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("login.failed") == app.config["LOGIN_MAX_FAILURES"]
    assert "user.locked" in actions and "login.refused_locked" in actions

    admin_client = app.test_client()
    admin = make.user(Role.ADMIN)
    admin_client.post("/auth/login", data={"email": admin.email, "password": make.PASSWORD})
    assert user.email in admin_client.get("/auth/locked").get_data(as_text=True)
    assert admin_client.post(f"/auth/locked/{user.id}/unlock").status_code == 302
    db.session.refresh(user)
    assert user.locked_at is None
    assert login(user).status_code == 302
    assert "user.unlocked" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_failures_for_unknown_emails_lock_nothing_but_count_for_the_address(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    try:
        responses = _fail(client, "nobody@example.cn", 5)
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 30
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]


def test_a_success_resets_the_account_count(app, client, make, login, db):
    user = make.user(Role.SPECIALIST)
    _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"] - 1)
    assert login(user).status_code == 302
    client.post("/auth/logout")
    _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"] - 1)
    db.session.refresh(user)
    assert user.locked_at is None


def test_only_admins_see_and_unlock_locked_accounts(client, make, login):
    login(make.user(Role.COMMISSION))
    assert client.get("/auth/locked").status_code == 403


def _app_with_limits_storage(tmp_path, storage: str):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'throttle.db'}"
    app = create_app(config, RATELIMIT_STORAGE_URI=storage)
    with app.app_context():
        _db.create_all()
    return app


def test_sign_in_still_works_when_the_throttle_storage_is_down(tmp_path):
    app = _app_with_limits_storage(tmp_path, "redis://127.0.0.1:1/0")
    with app.app_context():
        load_reference()
        user = Factory(_db).user(Role.SPECIALIST)
        email = user.email
        _db.session.remove()
    client = app.test_client()
    assert _fail(client, email, 1)[0].status_code == 200
    response = client.post("/auth/login", data={"email": email, "password": Factory.PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        _db.engine.dispose()


@pytest.mark.redis
def test_counts_are_shared_by_workers_through_redis(tmp_path):
    storage = os.environ["TEST_REDIS_URL"]
    first = _app_with_limits_storage(tmp_path, storage)
    second = _app_with_limits_storage(tmp_path, storage)
    for each in (first, second):
        each.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    with first.app_context():
        throttle.storage().reset()
    try:
        statuses = [r.status_code for r in _fail(first.test_client(), "x@example.cn", 2)]
        statuses += [r.status_code for r in _fail(second.test_client(), "y@example.cn", 3)]
        assert statuses == [200, 200, 200, 200, 429]
    finally:
        with first.app_context():
            throttle.storage().reset()
            _db.engine.dispose()
