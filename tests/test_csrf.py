"""Every state-changing form refuses a request without its CSRF token.

The routes come from the app's URL map, so a new POST route is covered the day it is added.
The API is exempt by design (it accepts no session, only bearer tokens): checked separately.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.extensions import db as _db
from finplatform.models import Role
from seeds.reference_loader import load_reference
from tests.factories import Factory

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_REFUSAL = "did not come from this site"


@pytest.fixture
def csrf_app(tmp_path):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'csrf.db'}"
    app = create_app(config, WTF_CSRF_ENABLED=True)
    with app.app_context():
        _db.create_all()
        load_reference()
        factory = Factory(_db)
        admin = factory.user(Role.ADMIN)
        yield app, admin
        _db.session.remove()
        _db.engine.dispose()


def _fill(rule) -> str:
    values = {
        argument: 1 if isinstance(rule._converters[argument], IntegerConverter) else "x"
        for argument in rule.arguments
    }
    return rule.build(values)[1]


def test_every_state_changing_route_needs_the_csrf_token(csrf_app):
    app, admin = csrf_app
    client = app.test_client()
    client.get("/lang/en")
    # Signed in as an admin, so the role check is not what refuses the request.
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post(
        "/auth/login",
        data={"email": admin.email, "password": Factory.PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    checked = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if not methods or rule.rule.startswith("/api/v1/"):
            continue
        for method in methods:
            response = client.open(
                _fill(rule), method=method, data={"name": "x"}, headers={"Accept-Language": "en"}
            )
            assert response.status_code == 400, (method, rule.rule, response.status_code)
            assert CSRF_REFUSAL in response.get_data(as_text=True), (method, rule.rule)
            checked.append(rule.rule)
    assert "/auth/logout" in checked and "/auth/register/enterprise" in checked


def test_the_api_needs_a_token_instead(csrf_app):
    app, _admin = csrf_app
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if methods and rule.rule.startswith("/api/v1/"):
            for method in methods:
                assert client.open(_fill(rule), method=method, json={}).status_code == 401
