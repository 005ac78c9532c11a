"""One demo account per role, for `make run` and the README (never in production).

When the demo world is loaded (`flask seed demo`), the accounts open onto its history: the demo
enterprise and tech branch are world records (found by credit code and name), and the demo
specialist takes over the book of the world specialist who owns the demo enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from finplatform.auth import services
from finplatform.credit_code import make_credit_code
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ContactLog,
    Enterprise,
    Institution,
    InstitutionStatus,
    Referral,
    Role,
    User,
    utcnow,
)
from seeds.world.facts import DEMO_ENTERPRISE, DEMO_INSTITUTION_NAME, WORLD_PASSWORD

DEMO_PASSWORD = WORLD_PASSWORD
DEMO_ENTERPRISE_CODE = make_credit_code(DEMO_ENTERPRISE["credit_code_first17"])


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in: role, email, password, display name."""

    role: Role
    email: str
    name: str
    password: str = DEMO_PASSWORD


DEMO_ACCOUNTS = (
    DemoAccount(Role.ENTERPRISE, "enterprise@demo.local", "张经理"),
    DemoAccount(Role.INSTITUTION, "bank@demo.local", "李行长"),
    DemoAccount(Role.SPECIALIST, "specialist@demo.local", "王专员"),
    DemoAccount(Role.COMMISSION, "commission@demo.local", "赵处长"),
    DemoAccount(Role.ADMIN, "admin@demo.local", "平台管理员"),
    DemoAccount(Role.DATA_PROVIDER, "data@demo.local", "市公共信用信息中心"),
)


def _demo_enterprise() -> Enterprise:
    enterprise = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == DEMO_ENTERPRISE_CODE)
    )
    if enterprise is None:
        enterprise = Enterprise(
            credit_code=DEMO_ENTERPRISE_CODE,
            name=DEMO_ENTERPRISE["name"],
            district_code=DEMO_ENTERPRISE["district_code"],
            industry_code=DEMO_ENTERPRISE["industry_code"],
            employees=DEMO_ENTERPRISE["employees"],
            patents=DEMO_ENTERPRISE["patents"],
            is_high_tech=True,
            contact_name=DEMO_ENTERPRISE["contact_name"],
            contact_phone=DEMO_ENTERPRISE["contact_phone"],
        )
        db.session.add(enterprise)
    return enterprise


def _demo_institution() -> Institution:
    institution = db.session.scalar(
        sa.select(Institution).where(Institution.name == DEMO_INSTITUTION_NAME)
    )
    if institution is None:
        institution = Institution(
            name=DEMO_INSTITUTION_NAME,
            kind_code="tech_branch",
            district_code="120116",
            status=InstitutionStatus.APPROVED,
            approved_at=utcnow(),
        )
        db.session.add(institution)
    return institution


def create_demo_accounts() -> int:
    """Create the demo organisations and accounts that are missing; returns how many accounts."""
    created = 0
    enterprise = _demo_enterprise()
    institution = _demo_institution()
    by_role: dict[Role, User] = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == account.email))
        if user is None:
            user = services.create_user(
                role=account.role,
                email=account.email,
                name=account.name,
                password=account.password,
                enterprise=enterprise if account.role == Role.ENTERPRISE else None,
                institution=institution if account.role == Role.INSTITUTION else None,
            )
            created += 1
        by_role[account.role] = user
    _give_portfolio(by_role[Role.SPECIALIST], enterprise)
    db.session.flush()
    return created


def _give_portfolio(specialist: User, enterprise: Enterprise) -> None:
    """The demo specialist owns the demo enterprise, and with the world loaded the whole book
    (firms, brokered applications, referrals, visits) of the specialist who owned it."""
    owner = enterprise.specialist_id
    if owner == specialist.id:
        return
    if owner is None:
        enterprise.specialist_id = specialist.id
        return
    # Core updates: the world's rows are not loaded as objects, and applications carry an
    # optimistic-lock version the ORM would otherwise check row by row.
    for model in (Enterprise, Application, Referral, ContactLog):
        db.session.execute(
            sa.update(model.__table__)
            .where(model.__table__.c.specialist_id == owner)
            .values(specialist_id=specialist.id)
        )
    db.session.expire(enterprise)
