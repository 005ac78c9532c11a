"""Sign-in abuse: equal work and one answer whatever the e-mail, lock-outs that end by
themselves and never stop the owner's own device, limits on the real client address behind
the configured proxies, limits that hold with Redis gone, and no guessable passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from limits.storage import storage_from_string

from config import TestingConfig as SuiteConfig
from finplatform import clock, create_app
from finplatform.auth import services, throttle
from finplatform.extensions import db as _db
from finplatform.models import Role
from tests.factories import Factory

WRONG = "wrong-pass-1"
NEUTRAL_ZH = "电子邮箱或密码不正确，或账户因多次登录失败暂时锁定"


def _attempt(client, email: str, password: str = WRONG, **headers):
    return client.post("/auth/login", data={"email": email, "password": password}, headers=headers)


def _fail(client, email: str, times: int, **headers):
    return [_attempt(client, email, **headers) for _ in range(times)]


@pytest.fixture
def hash_checks(monkeypatch):
    calls = []
    real = services.check_password_hash

    def counting(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("known", [True, False])
def test_one_password_hash_check_whether_or_not_the_email_exists(client, make, hash_checks, known):
    user = make.user(Role.ENTERPRISE)
    _attempt(client, user.email if known else "nobody@example.cn")
    assert len(hash_checks) == 1
    # The dummy hash is of the configured method, so it costs the same work.
    assert hash_checks[0].split(":")[0] == user.password_hash.split(":")[0]


def _answer(response, email: str) -> str:
    page = response.get_data(as_text=True)
    return page.replace(email, "")


def test_every_refusal_gives_the_same_answer(app, client, make, db):
    locked, inactive, plain = (make.user(Role.ENTERPRISE) for _ in range(3))
    _fail(app.test_client(), locked.email, app.config["LOGIN_MAX_FAILURES"])
    inactive.active = False
    db.session.commit()
    answers = {
        _answer(_attempt(client, "nobody@example.cn"), "nobody@example.cn"),
        _answer(_attempt(client, plain.email), plain.email),
        _answer(_attempt(client, locked.email, Factory.PASSWORD), locked.email),
        _answer(_attempt(client, inactive.email, Factory.PASSWORD), inactive.email),
    }
    assert len(answers) == 1
    assert NEUTRAL_ZH in answers.pop()


def test_a_lock_out_ends_by_itself_and_doubles_when_it_recurs(app, client, make, db):
    user = make.user(Role.ENTERPRISE)
    limit = app.config["LOGIN_MAX_FAILURES"]
    _fail(client, user.email, limit)
    db.session.refresh(user)
    assert user.locked_until - user.locked_at == timedelta(minutes=15)
    assert _attempt(client, user.email, Factory.PASSWORD).status_code == 200  # still locked
    # Fifteen minutes later it has ended, with no admin.
    user.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    _fail(client, user.email, limit)
    db.session.refresh(user)
    assert user.locked_until - user.locked_at == timedelta(minutes=30)
    user.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert _attempt(client, user.email, Factory.PASSWORD).status_code == 302


def test_a_strangers_guesses_do_not_lock_the_owners_device_out(app, make, db):
    user = make.user(Role.ENTERPRISE)
    owner, stranger = app.test_client(), app.test_client()
    assert _attempt(owner, user.email, Factory.PASSWORD).status_code == 302
    owner.post("/auth/logout")
    _fail(stranger, user.email, app.config["LOGIN_MAX_FAILURES"] + 2)
    db.session.refresh(user)
    assert services.is_locked(user)
    # The stranger, even with the right password, stays out; the owner's device gets in.
    assert _attempt(stranger, user.email, Factory.PASSWORD).status_code == 200
    assert _attempt(owner, user.email, Factory.PASSWORD).status_code == 302


def test_a_forged_device_cookie_is_worth_nothing(app, make, db):
    user = make.user(Role.ENTERPRISE)
    client = app.test_client()
    _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"])
    client.set_cookie("finplatform_device", "1.forged.signature")
    assert _attempt(client, user.email, Factory.PASSWORD).status_code == 200


def _app(tmp_path, **overrides):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'abuse.db'}"
    app = create_app(config, **overrides)
    with app.app_context():
        _db.create_all()
    return app


def test_address_limits_count_the_client_behind_the_trusted_proxy(tmp_path):
    app = _app(tmp_path, TRUSTED_PROXIES=1, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    with app.app_context():
        client = app.test_client()
        first = _fail(client, "a@example.cn", 4, **{"X-Forwarded-For": "203.0.113.7"})
        other = _attempt(client, "b@example.cn", **{"X-Forwarded-For": "203.0.113.8"})
        assert [r.status_code for r in first] == [200, 200, 200, 429]
        assert other.status_code == 200
        _db.engine.dispose()


def test_without_trusted_proxies_the_forwarded_header_is_ignored(tmp_path):
    app = _app(tmp_path, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    with app.app_context():
        client = app.test_client()
        statuses = [
            _attempt(client, "a@example.cn", **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        _db.engine.dispose()


@pytest.fixture
def redis_gone(app):
    """The throttle's Redis is unreachable for the test."""
    kept = app.extensions["finplatform_login_throttle"]
    app.extensions["finplatform_login_throttle"] = storage_from_string("redis://127.0.0.1:1/0")
    yield
    app.extensions["finplatform_login_throttle"] = kept


def test_with_redis_gone_failures_still_lock_the_account(app, client, make, db, redis_gone):
    user = make.user(Role.ENTERPRISE)
    _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"])
    db.session.refresh(user)
    assert services.is_locked(user)
    assert _attempt(client, user.email, Factory.PASSWORD).status_code == 200


def test_with_redis_gone_one_address_is_still_limited(app, client, redis_gone):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    try:
        statuses = [r.status_code for r in _fail(client, "nobody@example.cn", 6)]
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 30
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert throttle.WINDOW_SECONDS == 15 * 60


def _register(client, password: str):
    return client.post(
        "/auth/register/enterprise",
        data={
            "credit_code": Factory(_db).credit_code(),
            "company_name": "天津测试科技有限公司",
            "district": "120116",
            "industry": "39",
            "contact_name": "张三",
            "phone": "13800000000",
            "email": "zhang@example.cn",
            "password": password,
            "confirm": password,
        },
    )


@pytest.mark.parametrize("password", ["password12", "qwerty123456", "zhang@example.cn1"])
def test_common_and_guessable_passwords_are_refused(client, password):
    response = _register(client, password)
    assert response.status_code == 200
    assert "过于常见或容易被猜到" in response.get_data(as_text=True)


def test_a_hard_to_guess_password_is_accepted(client):
    assert _register(client, "Haihe-river-2049").status_code == 302


def test_a_changed_password_is_checked_too(client, make, login):
    user = make.user(Role.SPECIALIST)
    login(user)
    page = client.post(
        "/auth/password",
        data={
            "current_password": Factory.PASSWORD,
            "new_password": "password12",
            "confirm": "password12",
        },
    ).get_data(as_text=True)
    assert "过于常见或容易被猜到" in page
