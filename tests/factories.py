"""Factories that build valid records with sensible defaults; every argument can be overridden."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from finplatform.auth import services
from finplatform.credit_code import make_credit_code
from finplatform.models import (
    Application,
    ApplicationStatus,
    Enterprise,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Product,
    RequestStatus,
    Role,
    User,
)


class Factory:
    """Builds records in the current session and flushes them."""

    PASSWORD = "Passw0rd-long"

    def __init__(self, db) -> None:
        self.db = db
        self._seq = itertools.count(1)

    def credit_code(self) -> str:
        """A valid, unique unified social credit code."""
        return make_credit_code(f"9112011{next(self._seq):010d}")

    def enterprise(self, **values) -> Enterprise:
        """A tech SME in 滨海新区, computer and electronics industry."""
        number = next(self._seq)
        values.setdefault("credit_code", self.credit_code())
        values.setdefault("name", f"测试科技有限公司{number}")
        values.setdefault("district_code", "120116")
        values.setdefault("industry_code", "39")
        enterprise = Enterprise(**values)
        self.db.session.add(enterprise)
        self.db.session.flush()
        return enterprise

    def institution(self, **values) -> Institution:
        """An approved tech branch."""
        values.setdefault("name", f"测试银行科技支行{next(self._seq)}")
        values.setdefault("kind_code", "tech_branch")
        values.setdefault("district_code", "120116")
        values.setdefault("status", InstitutionStatus.APPROVED)
        institution = Institution(**values)
        self.db.session.add(institution)
        self.db.session.flush()
        return institution

    def product(self, institution: Institution | None = None, **values) -> Product:
        """A credit loan of 50万–500万元, 6–36 months, 4.35–6.5%."""
        values.setdefault("name", f"科技贷{next(self._seq)}")
        values.setdefault("kind_code", "credit_loan")
        values.setdefault("amount_min_yuan", Decimal("500000"))
        values.setdefault("amount_max_yuan", Decimal("5000000"))
        values.setdefault("term_min_months", 6)
        values.setdefault("term_max_months", 36)
        values.setdefault("rate_min", Decimal("4.35"))
        values.setdefault("rate_max", Decimal("6.5"))
        product = Product(institution=institution or self.institution(), **values)
        self.db.session.add(product)
        self.db.session.flush()
        return product

    def user(self, role: Role, **values) -> User:
        """A user of the role; enterprise and institution users get an organisation."""
        number = next(self._seq)
        if role == Role.ENTERPRISE and "enterprise" not in values:
            values["enterprise"] = self.enterprise()
        if role == Role.INSTITUTION and "institution" not in values:
            values["institution"] = self.institution()
        user = services.create_user(
            role=role,
            email=values.pop("email", f"{role.value}{number}@example.cn"),
            name=values.pop("name", f"{role.value} {number}"),
            password=values.pop("password", self.PASSWORD),
            **values,
        )
        self.db.session.commit()
        return user

    def financing_request(self, enterprise: Enterprise | None = None, **values):
        """An open request of 200万元 over 12 months, any product kind."""
        values.setdefault("amount_yuan", Decimal("2000000"))
        values.setdefault("term_months", 12)
        values.setdefault("purpose", "研发设备采购")
        values.setdefault("status", RequestStatus.OPEN)
        request = FinancingRequest(enterprise=enterprise or self.enterprise(), **values)
        self.db.session.add(request)
        self.db.session.flush()
        return request

    def application(self, request=None, product: Product | None = None, **values):
        """A submitted application of `request` to `product`, due in three days."""
        request = request or self.financing_request()
        product = product or self.product()
        now = datetime.now(UTC)
        values.setdefault("status", ApplicationStatus.SUBMITTED)
        values.setdefault("submitted_at", now)
        values.setdefault("respond_by", now + timedelta(days=3))
        application = Application(
            request_id=request.id,
            product_id=product.id,
            enterprise_id=request.enterprise_id,
            institution_id=product.institution_id,
            product_kind_code=product.kind_code,
            **values,
        )
        self.db.session.add(application)
        self.db.session.flush()
        return application
