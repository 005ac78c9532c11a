"""One demo account per role, for `make run` and the README (never in production)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from finplatform.auth import services
from finplatform.credit_code import make_credit_code
from finplatform.extensions import db
from finplatform.models import Enterprise, Institution, InstitutionStatus, Role, User, utcnow

DEMO_PASSWORD = "Demo2014pass"
DEMO_ENTERPRISE_CODE = make_credit_code("91120116MA0512345")
DEMO_INSTITUTION_NAME = "滨海新区科技支行（演示）"


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
)


def _demo_enterprise() -> Enterprise:
    enterprise = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == DEMO_ENTERPRISE_CODE)
    )
    if enterprise is None:
        enterprise = Enterprise(
            credit_code=DEMO_ENTERPRISE_CODE,
            name="天津滨海智能传感科技有限公司（演示）",
            district_code="120116",
            industry_code="39",
            employees=86,
            patents=12,
            is_high_tech=True,
            contact_name="张经理",
            contact_phone="022-66000000",
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
    if enterprise.specialist_id is None:
        enterprise.specialist_id = by_role[Role.SPECIALIST].id
    db.session.flush()
    return created
