"""The access rule: each role reaches its own pages, and only its own organisation's records.

Routes are read from the app's URL map, so a new page is covered the day it is added: it must
either declare its roles with `role_required` or be listed here as public or sign-in-only.
"""

from __future__ import annotations

import pytest

from finplatform.models import Role

PUBLIC = {
    "static",
    "bootstrap.static",
    "set_language",
    "main.index",
    "main.home",
    "auth.login",
    "auth.register_enterprise",
    "auth.register_institution",
    "health.healthz",
    "health.readyz",
    "api_docs.docs",
    "api_docs.asset",
    "api-docs.openapi_json",
}
# The API signs in by token, never by session: its routes are checked for that instead.
API_PREFIX = "/api/v1/"
SIGNED_IN_ANY_ROLE = {"auth.logout", "auth.change_password"}


@pytest.fixture
def world(make, db):
    """Two of each organisation; a specialist with one assigned firm; one user per role."""
    own_firm, other_firm = make.enterprise(), make.enterprise()
    own_bank, other_bank = make.institution(), make.institution()
    users = {
        Role.ENTERPRISE: make.user(Role.ENTERPRISE, enterprise=own_firm),
        Role.INSTITUTION: make.user(Role.INSTITUTION, institution=own_bank),
        Role.SPECIALIST: make.user(Role.SPECIALIST),
        Role.COMMISSION: make.user(Role.COMMISSION),
        Role.ADMIN: make.user(Role.ADMIN),
    }
    own_firm.specialist_id = users[Role.SPECIALIST].id
    db.session.commit()
    return {
        "users": users,
        "own_firm": own_firm,
        "other_firm": other_firm,
        "own_bank": own_bank,
        "other_bank": other_bank,
    }


def _protected_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if roles is None:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        routes.append((rule, method, set(roles)))
    return routes


def _url(rule, world) -> str:
    values = {}
    for argument in rule.arguments:
        if argument == "enterprise_id":
            values[argument] = world["own_firm"].id
        elif argument == "institution_id":
            values[argument] = world["own_bank"].id
        elif argument == "action":
            values[argument] = "approve"
        elif argument == "token_id":
            values[argument] = 1
        elif argument == "user_id":
            values[argument] = world["users"][Role.ENTERPRISE].id
        else:
            raise AssertionError(f"test_access does not know how to fill <{argument}>")
    return rule.build(values)[1]


def test_every_route_declares_who_may_reach_it(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC | SIGNED_IN_ANY_ROLE
        and not rule.rule.startswith(API_PREFIX)
        and not hasattr(app.view_functions[rule.endpoint], "allowed_roles")
    ]
    assert undeclared == []


def test_every_api_route_refuses_requests_without_a_token(app, client, make, login, world):
    login(world["users"][Role.ADMIN])  # a browser session grants nothing on the API
    api_rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX) and rule.endpoint not in PUBLIC
    ]
    assert api_rules
    for rule in api_rules:
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        values = dict.fromkeys(rule.arguments, 1)
        response = client.open(rule.build(values)[1], method=method)
        assert response.status_code == 401, rule.rule


def test_anonymous_visitors_are_sent_to_sign_in(app, client, world):
    routes = _protected_routes(app) + [
        (rule, "POST" if "POST" in rule.methods else "GET", set())
        for rule in app.url_map.iter_rules()
        if rule.endpoint in SIGNED_IN_ANY_ROLE
    ]
    assert routes
    for rule, method, _roles in routes:
        response = client.open(_url(rule, world), method=method)
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/auth/login"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_only_its_pages(app, client, login, world, role):
    login(world["users"][role])
    for rule, method, roles in _protected_routes(app):
        status = client.open(_url(rule, world), method=method).status_code
        if role in roles:
            # Record pages may answer 404 for a record outside the role's scope (tested below).
            assert status in {200, 302, 404}, (role, rule.rule, status)
        else:
            assert status == 403, (role, rule.rule, status)


@pytest.mark.parametrize(
    ("role", "path", "expected"),
    [
        (Role.ENTERPRISE, "/enterprises/{own_firm}", 200),
        (Role.ENTERPRISE, "/enterprises/{other_firm}", 404),
        (Role.SPECIALIST, "/enterprises/{own_firm}", 200),
        (Role.SPECIALIST, "/enterprises/{other_firm}", 404),
        (Role.INSTITUTION, "/enterprises/{own_firm}", 404),
        (Role.ADMIN, "/enterprises/{other_firm}", 200),
        (Role.COMMISSION, "/enterprises/{own_firm}", 403),
        (Role.INSTITUTION, "/institutions/{own_bank}", 200),
        (Role.INSTITUTION, "/institutions/{other_bank}", 404),
        (Role.ENTERPRISE, "/institutions/{other_bank}", 200),
        (Role.ADMIN, "/institutions/{other_bank}", 200),
        (Role.ENTERPRISE, "/enterprises/999999", 404),
    ],
)
def test_changing_an_id_in_the_url_shows_no_other_organisation(
    client, login, world, role, path, expected
):
    login(world["users"][role])
    ids = {key: world[key].id for key in ("own_firm", "other_firm", "own_bank", "other_bank")}
    response = client.get(path.format(**ids))
    assert response.status_code == expected
    if expected == 404:
        page = response.get_data(as_text=True)
        assert world["other_firm"].name not in page
        assert world["other_bank"].name not in page


def test_pending_institution_is_hidden_from_enterprises(client, login, make, world):
    pending = make.institution(status="pending")
    login(world["users"][Role.ENTERPRISE])
    assert client.get(f"/institutions/{pending.id}").status_code == 404


def test_specialist_portfolio_lists_only_assigned_firms(client, login, world):
    login(world["users"][Role.SPECIALIST])
    page = client.get("/specialist/").get_data(as_text=True)
    assert world["own_firm"].name in page
    assert world["other_firm"].name not in page
