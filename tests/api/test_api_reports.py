"""Report figures and target progress over the API: commission viewers and admins only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from finplatform.deals.disbursements import record_disbursement
from finplatform.models import ApplicationStatus, Role
from tests.api.conftest import bearer


def test_commission_reads_a_months_figures_and_target_progress(client, make, db, token_for):
    product = make.product()
    application = make.application(
        product=product,
        status=ApplicationStatus.APPROVED,
        decided_at=datetime(2014, 6, 2, 9, tzinfo=UTC),
        approved_amount_yuan=Decimal("3000000"),
        approved_rate=Decimal("5.6"),
        approved_term_months=12,
    )
    admin = make.user(Role.ADMIN)
    record_disbursement(
        application,
        amount_yuan="3000000",
        rate="5.6",
        term_months=12,
        disbursed_on=date(2014, 6, 20),
        actor=admin,
        idempotency_key="api-report-1",
    )
    db.session.commit()
    token = token_for(make.user(Role.COMMISSION))
    report = client.get("/api/v1/reports/monthly/2014-06", headers=bearer(token))
    assert report.status_code == 200
    assert report.json["month"] == "2014-06" and report.json["closed"] is False
    assert "3000000" in str(report.json["figures"])
    targets = client.get("/api/v1/reports/targets/2014-06", headers=bearer(token)).json
    facilitated = next(t for t in targets if t["metric"] == "financing_facilitated")
    assert facilitated["value"] == "200.0000" and facilitated["unit"] == "亿元"
    assert facilitated["value_yuan"] == "20000000000.00"
    assert facilitated["measured"] is True
    assert "3000000" in str(facilitated["projection"])


def test_other_roles_are_refused_and_bad_months_are_explained(client, make, token_for):
    firm = token_for(make.user(Role.ENTERPRISE))
    assert client.get("/api/v1/reports/monthly/2014-06", headers=bearer(firm)).status_code == 403
    viewer = token_for(make.user(Role.COMMISSION))
    bad = client.get(
        "/api/v1/reports/monthly/2014-13", headers=bearer(viewer, **{"Accept-Language": "en"})
    )
    assert bad.status_code == 422
    assert bad.json["errors"]["path"]["month"] == ["A month is numbered 01 to 12."]
