"""The access rule: each role reaches its own pages, and only its own organisation's records.

Routes are read from the app's URL map, so a new page is covered the day it is added: it must
either declare its roles with `role_required` or be listed here as public or sign-in-only.
"""

from __future__ import annotations

import pytest

from finplatform.models import Role
from tests.route_world import build_world, protected_routes, url_for_rule

PUBLIC = {
    "static",
    "bootstrap.static",
    "set_language",
    "main.index",
    "main.home",
    "main.favicon",
    "auth.login",
    "auth.register_enterprise",
    "auth.register_institution",
    "auth.confirm_registration",
    "auth.request_reset",
    "auth.reset_password",
    "health.healthz",
    "health.readyz",
    "api_docs.docs",
    "api_docs.asset",
    "api-docs.openapi_json",
    # No user session: the metrics token or an allowed network (tests/test_observability.py).
    "observability.metrics",
}
# The API signs in by token, never by session: its routes are checked for that instead.
API_PREFIX = "/api/v1/"
SIGNED_IN_ANY_ROLE = {"auth.logout", "auth.change_password", "auth.sign_out_everywhere"}


@pytest.fixture
def world(make, db):
    return build_world(make, db)


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
    routes = protected_routes(app) + [
        (rule, "POST" if "POST" in rule.methods else "GET", set())
        for rule in app.url_map.iter_rules()
        if rule.endpoint in SIGNED_IN_ANY_ROLE
    ]
    assert routes
    for rule, method, _roles in routes:
        response = client.open(url_for_rule(rule, world), method=method)
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/auth/login"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_only_its_pages(app, client, login, world, role):
    login(world["users"][role])
    for rule, method, roles in protected_routes(app):
        status = client.open(url_for_rule(rule, world), method=method).status_code
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
        (Role.INSTITUTION, "/enterprises/{other_firm}", 404),
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


def test_an_institution_sees_the_firms_that_applied_to_it(client, login, world):
    login(world["users"][Role.INSTITUTION])
    assert client.get(f"/enterprises/{world['own_firm'].id}").status_code == 200


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"),
    [
        (Role.ENTERPRISE, "GET", "/requests/{own_request}", 200),
        (Role.ENTERPRISE, "GET", "/requests/{other_request}", 404),
        (Role.ENTERPRISE, "GET", "/applications/{own_application}", 200),
        (Role.ENTERPRISE, "GET", "/applications/{other_application}", 404),
        (Role.ENTERPRISE, "GET", "/requests/{other_request}/compare", 404),
        (Role.ENTERPRISE, "POST", "/enterprise/offers/{other_offer}/accept", 404),
        (Role.ENTERPRISE, "POST", "/enterprise/applications/{other_application}/withdraw", 404),
        (Role.ENTERPRISE, "POST", "/enterprise/requests/{other_request}/withdraw", 404),
        (Role.INSTITUTION, "GET", "/applications/{own_application}", 200),
        (Role.INSTITUTION, "GET", "/applications/{other_application}", 404),
        (Role.INSTITUTION, "POST", "/institution/applications/{other_application}/review", 404),
        (Role.INSTITUTION, "POST", "/institution/applications/{other_application}/approve", 404),
        (Role.INSTITUTION, "POST", "/institution/disbursements/{other_disbursement}/reverse", 404),
        (Role.INSTITUTION, "GET", "/institution/products/{other_product}/edit", 404),
        (Role.INSTITUTION, "POST", "/institution/offers/{other_offer}/withdraw", 404),
        (Role.SPECIALIST, "GET", "/applications/{own_application}", 200),
        (Role.SPECIALIST, "GET", "/applications/{other_application}", 404),
        (Role.SPECIALIST, "GET", "/specialist/firms/{other_firm}", 404),
        (Role.ADMIN, "GET", "/applications/{other_application}", 200),
        (Role.ADMIN, "POST", "/notifications/{notification}/open", 404),
        (Role.COMMISSION, "GET", "/requests/{own_request}", 403),
    ],
)
def test_deal_records_of_other_organisations_answer_404(
    client, login, world, db, role, method, path, expected
):
    login(world["users"][role])
    ids = {key: value.id for key, value in world.items() if hasattr(value, "id")}
    before = world["other_application"].status
    response = client.open(path.format(**ids), method=method)
    assert response.status_code == expected
    if expected == 404:
        assert world["other_firm"].name not in response.get_data(as_text=True)
    db.session.refresh(world["other_application"])
    assert world["other_application"].status == before
