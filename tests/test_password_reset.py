"""Password reset by e-mail, through a real SMTP conversation with a local server (aiosmtpd):
a signed link that expires and works once; the same answer whether or not the address has an
account; limited per account and address; a reset ends every sign-in and lifts the lock-out."""

from __future__ import annotations

from finplatform.auth import services
from finplatform.models import Role
from tests.factories import Factory

NEW = "Haihe-bridge-7731"
SENT = "如该电子邮箱属于某个账户"


def _ask(client, address: str):
    return client.post("/auth/reset", data={"email": address}, follow_redirects=True)


def _sign_in(client, address: str, password: str):
    return client.post("/auth/login", data={"email": address, "password": password})


def _choose(client, link: str, password: str = NEW):
    return client.post(link, data={"new_password": password, "confirm": password})


def test_a_reset_link_arrives_by_mail_and_sets_the_password(client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    page = _ask(client, user.email.upper()).get_data(as_text=True)
    assert SENT in page
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == user.email
    assert "重置密码" in message["Subject"]
    response = _choose(client, inbox.link())
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    signed_in = client.post("/auth/login", data={"email": user.email, "password": NEW})
    assert signed_in.status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    known = _ask(client, user.email).get_data(as_text=True).replace(user.email, "")
    unknown = _ask(client, "nobody@example.cn").get_data(as_text=True)
    assert known == unknown.replace("nobody@example.cn", "")
    assert len(inbox.messages) == 1


def test_the_link_works_once(client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    _ask(client, user.email)
    link = inbox.link()
    assert _choose(client, link).status_code == 302
    again = _choose(client, link, "Tianjin-port-5518")
    assert again.headers["Location"] == "/auth/reset"
    assert _sign_in(client, user.email, NEW).status_code == 302


def test_the_link_expires(app, client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    _ask(client, user.email)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert _choose(client, inbox.link()).headers["Location"] == "/auth/reset"
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_a_tampered_link_is_refused(client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    _ask(client, user.email)
    link = inbox.link()
    assert _choose(client, link[:-3] + "xyz").headers["Location"] == "/auth/reset"


def test_requests_are_limited(client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    for _ in range(5):
        _ask(client, user.email)
    assert len(inbox.messages) == 3  # per account and hour
    statuses = [_ask(client, f"x{n}@example.cn").status_code for n in range(6)]
    assert statuses[-1] == 429  # per address and hour


def test_a_reset_ends_every_sign_in_and_lifts_the_lock_out(app, client, make, db, inbox):
    user = make.user(Role.ENTERPRISE)
    device = app.test_client()
    device.post("/auth/login", data={"email": user.email, "password": Factory.PASSWORD})
    assert device.get("/enterprise/").status_code == 200
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/auth/login", data={"email": user.email, "password": "wrong-pass-1"})
    db.session.refresh(user)
    assert services.is_locked(user)
    _ask(client, user.email)
    _choose(client, inbox.link())
    assert device.get("/enterprise/").status_code == 302
    db.session.refresh(user)
    assert not services.is_locked(user)
    assert _sign_in(client, user.email, NEW).status_code == 302


def test_a_guessable_new_password_is_refused(client, make, inbox):
    user = make.user(Role.ENTERPRISE)
    _ask(client, user.email)
    page = _choose(client, inbox.link(), "password12").get_data(as_text=True)
    assert "过于常见或容易被猜到" in page
