"""An institution's standing is part of access: pending approval or suspended, it signs in,
sees its own status and prepares draft products nobody else sees, and reaches nothing else.

Every route of the app, each of its methods, pages and API, is walked as such an institution,
so a page added tomorrow is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from finplatform.access import visible
from finplatform.api.tokens import create_token
from finplatform.models import (
    CommunityMembership,
    Enterprise,
    InstitutionStatus,
    Product,
    ProductStatus,
    Role,
)
from tests.api.conftest import bearer
from tests.route_world import build_world, url_for_rule
from tests.test_access import API_PREFIX, PUBLIC, SIGNED_IN_ANY_ROLE

# What a pending or suspended institution may still open: its home (its status), its profile
# and its products, where it prepares drafts.
OPEN_WHILE_UNAPPROVED = {
    "institution.home",
    "institution.detail",
    "products.index",
    "products.new",
    "products.edit",
    "products.retire",
    "products.reactivate",
}
STANDINGS = [InstitutionStatus.PENDING, InstitutionStatus.SUSPENDED]


@pytest.fixture
def world(make, db):
    return build_world(make, db)


def _unapproved(world, db, standing):
    world["own_bank"].status = standing
    db.session.commit()
    return world["users"][Role.INSTITUTION]


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@pytest.mark.parametrize("standing", STANDINGS)
def test_every_page_but_its_status_and_drafts_is_closed(app, client, login, world, db, standing):
    login(_unapproved(world, db, standing))
    firms = [world["own_firm"].name, world["other_firm"].name]
    opened = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC | SIGNED_IN_ANY_ROLE or rule.rule.startswith(API_PREFIX):
            continue
        for method in _methods(rule):
            response = client.open(url_for_rule(rule, world), method=method)
            if rule.endpoint in OPEN_WHILE_UNAPPROVED:
                opened.add(rule.endpoint)
                assert response.status_code in {200, 302, 404}, (rule.rule, method)
                page = response.get_data(as_text=True)
                assert not any(name in page for name in firms), (rule.rule, method)
            else:
                assert response.status_code == 403, (rule.rule, method, response.status_code)
    assert opened == OPEN_WHILE_UNAPPROVED


@pytest.mark.parametrize("standing", STANDINGS)
def test_every_api_route_refuses_its_token(app, client, world, db, standing):
    _row, token = create_token(_unapproved(world, db, standing), "back office")
    db.session.commit()
    headers = bearer(token)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX) or rule.endpoint in PUBLIC:
            continue
        for method in _methods(rule):
            values = dict.fromkeys(rule.arguments, 1)
            response = client.open(rule.build(values)[1], method=method, headers=headers, json={})
            assert response.status_code == 403, (rule.rule, method, response.status_code)


@pytest.mark.parametrize("standing", STANDINGS)
def test_it_sees_no_firm_and_no_deal(world, db, standing):
    user = _unapproved(world, db, standing)
    assert db.session.scalars(sa.select(Enterprise).where(visible(Enterprise, user))).all() == []
    assert world["own_firm"].id  # the firm that applied to it is there, just not visible


def test_its_home_shows_its_status_and_nothing_of_its_work(client, login, world, db):
    login(_unapproved(world, db, InstitutionStatus.SUSPENDED))
    page = client.get("/institution/").get_data(as_text=True)
    assert "已暂停" in page or "暂停" in page
    assert "/institution/inbox" not in page


def _product_form(**values) -> dict:
    return {
        "name": "草稿贷",
        "kind_code": "credit_loan",
        "amount_min_wan": "0.005",
        "amount_max_wan": "0.05",
        "term_min_months": "6",
        "term_max_months": "36",
        "rate_min": "4",
        "rate_max": "6",
        **values,
    }


def test_a_pending_institution_prepares_a_draft_nobody_else_sees(client, login, make, db, world):
    pending = make.institution(status=InstitutionStatus.PENDING)
    user = make.user(Role.INSTITUTION, institution=pending)
    login(user)
    response = client.post("/institution/products/new", data=_product_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    draft = db.session.scalar(sa.select(Product).where(Product.institution_id == pending.id))
    assert draft.status == ProductStatus.DRAFT
    assert "草稿" in client.get("/institution/products/").get_data(as_text=True)
    # It cannot publish it while pending.
    client.post(f"/institution/products/{draft.id}/reactivate")
    db.session.refresh(draft)
    assert draft.status == ProductStatus.DRAFT
    for role in (Role.ENTERPRISE, Role.SPECIALIST):
        reader = world["users"][role]
        seen = db.session.scalars(sa.select(Product.id).where(visible(Product, reader))).all()
        assert draft.id not in seen


@pytest.fixture
def community(make, db):
    institution = make.institution(kind_code="credit_community")
    return make.user(Role.INSTITUTION, institution=institution)


def _member_ids(db, community_user) -> list[int]:
    return db.session.scalars(
        sa.select(CommunityMembership.enterprise_id).where(
            CommunityMembership.community_id == community_user.institution_id
        )
    ).all()


def test_a_credit_code_asks_the_firm_and_imposes_nothing(client, login, make, db, community):
    firm = make.enterprise()
    db.session.commit()
    login(community)
    client.post("/institution/members", data={"credit_code": firm.credit_code})
    assert _member_ids(db, community) == []
    assert client.get(f"/enterprises/{firm.id}").status_code == 404


def test_the_form_does_not_tell_registered_codes_apart(client, login, make, db, community):
    member, stranger = make.enterprise(), make.enterprise()
    joined = CommunityMembership(community_id=community.institution_id, enterprise_id=member.id)
    db.session.add(joined)
    registered = make.enterprise().credit_code
    unregistered = make.credit_code()
    db.session.commit()
    login(community)
    answers = []
    for code in (registered, unregistered, member.credit_code, registered):
        response = client.post("/institution/members", data={"credit_code": code})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        page = page.replace(member.name, "").replace(member.credit_code, "")
        # CSRF tokens carry the second they were signed in.
        answers.append(re.sub(r'name="csrf_token"[^>]*>', "", page))
    assert len(set(answers)) == 1
    assert stranger.name not in answers[0]


@pytest.mark.parametrize("answering", [Role.ENTERPRISE, Role.COMMISSION])
def test_the_firm_or_the_commission_confirms(client, login, make, db, community, answering):
    firm = make.enterprise()
    firm_user = make.user(Role.ENTERPRISE, enterprise=firm)
    login(community)
    client.post("/institution/members", data={"credit_code": firm.credit_code})
    client.post("/auth/logout")
    login(firm_user if answering == Role.ENTERPRISE else make.user(Role.COMMISSION))
    assert firm.name in client.get("/memberships").get_data(as_text=True)
    url = f"/memberships/{community.institution_id}/{firm.id}/approve"
    assert client.post(url).status_code == 302
    assert _member_ids(db, community) == [firm.id]
    client.post("/auth/logout")
    login(community)
    assert client.get(f"/enterprises/{firm.id}").status_code == 200


def test_another_firm_cannot_answer_for_one(client, login, make, db, community):
    firm, other = make.enterprise(), make.user(Role.ENTERPRISE)
    login(community)
    client.post("/institution/members", data={"credit_code": firm.credit_code})
    client.post("/auth/logout")
    login(other)
    url = f"/memberships/{community.institution_id}/{firm.id}/approve"
    assert client.post(url).status_code == 404
    assert _member_ids(db, community) == []


def test_a_declined_request_leaves_no_membership(client, login, make, db, community):
    firm = make.enterprise()
    firm_user = make.user(Role.ENTERPRISE, enterprise=firm)
    login(community)
    client.post("/institution/members", data={"credit_code": firm.credit_code})
    client.post("/auth/logout")
    login(firm_user)
    client.post(f"/memberships/{community.institution_id}/{firm.id}/decline")
    assert "测试" not in client.get("/memberships").get_data(as_text=True).split("<tbody>")[1]
    assert _member_ids(db, community) == []
