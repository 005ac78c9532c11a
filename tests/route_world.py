"""A small world of every organisation, role and deal record, and the app's routes filled from
it: what the access and input tests walk, so a new route is covered the day it is added."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform import clock
from finplatform.deals.disbursements import record_disbursement
from finplatform.documents.services import upload_document
from finplatform.loans.services import loan_for
from finplatform.models import (
    ApplicationStatus,
    Claim,
    CoverRegistration,
    GuaranteePool,
    Offer,
    PoolMember,
    Role,
    Target,
)
from finplatform.notifications.services import notify


def build_world(make, db) -> dict:
    """Two of each organisation; a specialist with one assigned firm; one user per role."""
    own_firm, other_firm = make.enterprise(), make.enterprise()
    own_bank, other_bank = make.institution(), make.institution()
    users = {
        Role.ENTERPRISE: make.user(Role.ENTERPRISE, enterprise=own_firm),
        Role.INSTITUTION: make.user(Role.INSTITUTION, institution=own_bank),
        Role.SPECIALIST: make.user(Role.SPECIALIST),
        Role.COMMISSION: make.user(Role.COMMISSION),
        Role.ADMIN: make.user(Role.ADMIN),
        Role.DATA_PROVIDER: make.user(Role.DATA_PROVIDER),
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
        disbursed_on=clock.today(),
        actor=users[Role.ADMIN],
        idempotency_key=None,
    )
    records["other_loan"] = loan_for(records["other_disbursement"])
    records["claim"] = _claim(db, records["other_loan"])
    records["notification"] = notify(users[Role.ENTERPRISE], "offer.made", {}, "/enterprise/")
    for side, firm in (("own", own_firm), ("other", other_firm)):
        application = records[f"{side}_application"]
        records[f"{side}_document"] = upload_document(
            firm,
            users[Role.ADMIN],
            kind="business_licence",
            file=io.BytesIO(f"%PDF-1.4\n{side} licence\n%%EOF\n".encode()),
            filename="营业执照.pdf",
            application=application,
        )
    db.session.commit()
    records["target"] = db.session.scalars(sa.select(Target)).first()
    return records


def _claim(db, loan) -> Claim:
    """A claim filed on the loan, registered in a pool its bank was admitted to (rows only)."""
    today = clock.today()
    pool = GuaranteePool(year=today.year, name="风险保证金")
    db.session.add(pool)
    db.session.flush()
    member = PoolMember(
        pool_id=pool.id,
        institution_id=loan.institution_id,
        cover_ratio=Decimal("0.5"),
        per_loan_cap_yuan=Decimal("1000000"),
        quota_yuan=Decimal("1000000"),
        admitted_on=today,
    )
    db.session.add(member)
    db.session.flush()
    registration = CoverRegistration(
        loan_id=loan.id,
        pool_id=pool.id,
        member_id=member.id,
        covered_principal_yuan=loan.principal_yuan,
        registered_on=today,
    )
    db.session.add(registration)
    db.session.flush()
    claim = Claim(
        registration_id=registration.id,
        pool_id=pool.id,
        filed_on=today,
        days_past_due=90,
        outstanding_principal_yuan=loan.principal_yuan,
        claimed_yuan=loan.principal_yuan / 2,
    )
    db.session.add(claim)
    db.session.flush()
    return claim


def protected_routes(app) -> list:
    """(rule, method, roles) for every route that declares its roles."""
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
    "document_id": "own_document",
    "loan_id": "other_loan",
    "claim_id": "claim",
}


def url_for_rule(rule, world: dict) -> str:
    """The rule's URL with its arguments filled from `world` (own records where it matters)."""
    values = {}
    for argument in rule.arguments:
        if argument == "enterprise_id":
            values[argument] = world["own_firm"].id
        elif argument == "institution_id":
            values[argument] = world["own_bank"].id
        elif argument == "action":
            values[argument] = "approve"
        elif argument in {"token_id", "batch_id", "version_id", "consent_id", "job_id"}:
            # None exists: owners get 404.
            values[argument] = 1
        elif argument == "day":  # a calendar day nobody entered: admins get a message
            values[argument] = "2027-01-01"
        elif argument == "year":
            values[argument] = 2027
        elif argument == "user_id":
            values[argument] = world["users"][Role.ENTERPRISE].id
        elif argument in DEAL_ARGUMENTS:
            values[argument] = world[DEAL_ARGUMENTS[argument]].id
        else:
            raise AssertionError(f"tests/route_world.py does not know how to fill <{argument}>")
    return rule.build(values)[1]
