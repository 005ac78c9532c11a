"""Sign-ins end on the server: a captured session or remember cookie, replayed after sign-out,
a password change or "sign out everywhere", reaches only the sign-in page. Cookies and the
CSRF token are new at every sign-in, and signed-in pages are never cached."""

from __future__ import annotations

import re

import pytest

from finplatform.models import Role
from tests.factories import Factory
from tests.route_world import build_world, protected_routes, url_for_rule

HOME = "/enterprise/"
NEW_PASSWORD = "Another-passw0rd-9"


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": Factory.PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302
    return response


def _cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found is not None else None


def _replay(app, cookies: dict):
    """A fresh browser holding only the captured cookies: where does the home page send it?"""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get(HOME)


def _reaches_home(response) -> bool:
    return response.status_code == 200


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


@pytest.fixture
def firm_user(make):
    return make.user(Role.ENTERPRISE)


def _captured(client, firm_user, remember=False) -> dict:
    _sign_in(client, firm_user, remember=remember)
    names = ("session", "remember_token") if remember else ("session",)
    return {name: _cookie(client, name) for name in names}


def test_a_captured_session_works_until_sign_out_then_never(app, client, firm_user):
    stolen = _captured(client, firm_user)
    assert _reaches_home(_replay(app, stolen))
    client.post("/auth/logout")
    assert _sent_to_sign_in(_replay(app, stolen))


def test_a_captured_remember_cookie_dies_at_sign_out(app, client, firm_user):
    stolen = _captured(client, firm_user, remember=True)
    remember_only = {"remember_token": stolen["remember_token"]}
    assert _reaches_home(_replay(app, remember_only))
    client.post("/auth/logout")
    assert _sent_to_sign_in(_replay(app, remember_only))
    assert _sent_to_sign_in(_replay(app, stolen))


def test_the_remember_cookie_is_new_at_every_sign_in(app, firm_user):
    values = set()
    for _ in range(3):
        browser = app.test_client()
        values.add(_captured(browser, firm_user, remember=True)["remember_token"])
    assert len(values) == 3


def test_a_password_change_ends_every_other_sign_in(app, client, firm_user):
    other_device = app.test_client()
    stolen = _captured(other_device, firm_user, remember=True)
    _sign_in(client, firm_user)
    response = client.post(
        "/auth/password",
        data={
            "current_password": Factory.PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert _sent_to_sign_in(other_device.get(HOME))
    assert _sent_to_sign_in(_replay(app, stolen))
    assert _sent_to_sign_in(_replay(app, {"remember_token": stolen["remember_token"]}))
    # The device that changed it stays signed in.
    assert _reaches_home(client.get(HOME))


def test_sign_out_everywhere_ends_every_sign_in(app, client, firm_user):
    devices = [app.test_client() for _ in range(2)]
    stolen = [_captured(device, firm_user, remember=True) for device in devices]
    _sign_in(client, firm_user)
    response = client.post("/auth/sign-out-everywhere")
    assert _sent_to_sign_in(response)
    assert _sent_to_sign_in(client.get(HOME))
    for device, cookies in zip(devices, stolen, strict=True):
        assert _sent_to_sign_in(device.get(HOME))
        assert _sent_to_sign_in(_replay(app, {"remember_token": cookies["remember_token"]}))


def _csrf_token(client) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_session_and_csrf_token_are_new_after_sign_in(app, firm_user):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        browser = app.test_client()
        before = _csrf_token(browser)
        session_before = _cookie(browser, "session")
        response = browser.post(
            "/auth/login",
            data={"email": firm_user.email, "password": Factory.PASSWORD, "csrf_token": before},
        )
        assert response.status_code == 302
        assert _cookie(browser, "session") != session_before
        page = browser.get("/auth/password").get_data(as_text=True)
        after = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        # The token signed for the anonymous session no longer passes.
        refused = browser.post("/auth/logout", data={"csrf_token": before})
        assert refused.status_code == 400
        assert after != before
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_page_is_no_store(app, client, login, make, db, role):
    world = build_world(make, db)
    login(world["users"][role])
    for rule, _method, roles in protected_routes(app):
        if role not in roles or "GET" not in rule.methods:
            continue
        response = client.get(url_for_rule(rule, world))
        assert response.headers.get("Cache-Control") == "no-store", rule.rule


def test_anonymous_pages_stay_cacheable(client):
    assert client.get("/").headers.get("Cache-Control") != "no-store"
