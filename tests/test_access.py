"""The access rule: each role reaches its own pages, and only its own organisation's records.

Routes are read from the app's URL map, so a new page is covered the day it is added: it must
either declare its roles with `role_required` or be listed here as public or sign-in-only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.deals.disbursements import record_disbursement
from finplatform.models import ApplicationStatus, Offer, Role, Target
from finplatform.notifications.services import notify

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
        **_deals(make, db, users, own_firm, other_firm, own_bank, other_bank),
    }


def _deals(make, db, users, own_firm, other_firm, own_bank, other_bank) -> dict:
    """A product, request, application and offer on each side, a disbursement of the other
    bank and a notification of the enterprise user, for the deal pages."""
    records = {}
    for side, firm, bank in (("own", own_firm, own_bank), ("other", other_firm, other_bank)):
        product = make.product(bank)
        request = make.financing_request(firm)
        application = make.application(request, product)
        approved = make.application(
            make.financing_request(firm),
            product,
            status=ApplicationStatus.APPROVED,
            decided_at=datetime.now(UTC),
            approved_amount_yuan=Decimal("1000000"),
            approved_rate=Decimal("5"),
            approved_term_months=12,
        )
        offer = Offer(
            request_id=request.id,
            product_id=product.id,
            institution_id=bank.id,
            amount_yuan=Decimal("1000000"),
            rate=Decimal("5"),
            term_months=12,
        )
        db.session.add(offer)
        db.session.flush()
        records.update(
            {
                f"{side}_product": product,
                f"{side}_request": request,
                f"{side}_application": application,
                f"{side}_offer": offer,
            }
        )
    records["other_disbursement"], _ = record_disbursement(
        approved,  # the loop ended on the other side: other_bank's approved application
        amount_yuan="100000",
        rate="5",
        term_months=12,
        disbursed_on=date.today(),
        actor=users[Role.ADMIN],
        idempotency_key=None,
    )
    records["notification"] = notify(users[Role.ENTERPRISE], "offer.made", {}, "/enterprise/")
    db.session.commit()
    records["target"] = db.session.scalars(sa.select(Target)).first()
    return records


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


DEAL_ARGUMENTS = {
    "request_id": "own_request",
    "application_id": "own_application",
    "product_id": "own_product",
    "offer_id": "own_offer",
    "disbursement_id": "other_disbursement",
    "notification_id": "notification",
    "target_id": "target",
}


def _url(rule, world) -> str:
    values = {}
    for argument in rule.arguments:
        if argument == "enterprise_id":
            values[argument] = world["own_firm"].id
        elif argument == "institution_id":
            values[argument] = world["own_bank"].id
        elif argument == "action":
            values[argument] = "approve"
        elif argument in {"token_id", "batch_id", "version_id"}:  # none exists: owners get 404
            values[argument] = 1
        elif argument == "user_id":
            values[argument] = world["users"][Role.ENTERPRISE].id
        elif argument in DEAL_ARGUMENTS:
            values[argument] = world[DEAL_ARGUMENTS[argument]].id
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
