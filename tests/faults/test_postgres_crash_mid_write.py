"""PostgreSQL dies in the middle of writing an application or a disbursement: the caller gets a
503, nothing of the half-done work is stored, and the same call made again records it once."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from finplatform.api.tokens import create_token
from finplatform.extensions import db as _db
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Disbursement,
    IdempotencyRecord,
    Role,
)
from tests.factories import Factory
from tests.faults.private_postgres import PrivatePostgres

pytestmark = pytest.mark.slow


@contextmanager
def crash_before_commit(server: PrivatePostgres):
    """Kill the server when the request's unit of work commits: its rows are already sent."""

    def crash(session):
        session.flush()  # every statement reaches the server, inside the open transaction
        server.crash()

    sa.event.listen(Session, "before_commit", crash, once=True)
    try:
        yield
    finally:
        if sa.event.contains(Session, "before_commit", crash):
            sa.event.remove(Session, "before_commit", crash)


def _count(app, model, *conditions) -> int:
    with app.app_context():
        statement = sa.select(sa.func.count()).select_from(model).where(*conditions)
        found = _db.session.scalar(statement)
        _db.session.remove()
        return found


def _assert_outage_answer(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"


def test_an_application_cut_off_mid_write_is_not_stored_and_a_retry_stores_it_once(
    server, server_app
):
    app = server_app
    with app.app_context():
        make = Factory(_db)
        user = make.user(Role.ENTERPRISE)
        product = make.product()
        request = make.financing_request(user.enterprise)
        token = create_token(user, "crash")[1]
        _db.session.commit()
        body = {"request_id": request.id, "product_id": product.id}
        request_id = request.id
        _db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    with crash_before_commit(server):
        _assert_outage_answer(client.post("/api/v1/applications", json=body, headers=headers))
    server.start()
    mine = Application.request_id == request_id
    assert _count(app, Application, mine) == 0
    assert _count(app, ApplicationEvent) == 0

    again = client.post("/api/v1/applications", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json["status"] == "submitted"
    assert _count(app, Application, mine) == 1
    assert _count(app, ApplicationEvent) == 1


def test_a_disbursement_cut_off_mid_write_is_not_stored_and_its_retry_records_once(
    server, server_app
):
    app = server_app
    with app.app_context():
        make = Factory(_db)
        application = make.application()
        application.status = ApplicationStatus.APPROVED
        application.approved_amount_yuan = Decimal("2000000")
        application.approved_rate = Decimal("5.6")
        application.approved_term_months = 12
        application.decided_at = datetime(2014, 6, 3, 9, 30, tzinfo=UTC)
        user = make.user(Role.INSTITUTION, institution=application.institution)
        token = create_token(user, "crash")[1]
        _db.session.commit()
        application_id = application.id
        _db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "loan-2014-06-30-0001"}
    url = f"/api/v1/applications/{application_id}/disbursements"
    body = {
        "amount_yuan": "1500000.00",
        "rate": "5.6",
        "term_months": 12,
        "disbursed_on": "2014-06-30",
    }

    with crash_before_commit(server):
        _assert_outage_answer(client.post(url, json=body, headers=headers))
    server.start()
    assert _count(app, Disbursement) == 0
    assert _count(app, IdempotencyRecord) == 0  # the key was not spent on a lost write
    assert _count(app, ApplicationEvent, ApplicationEvent.application_id == application_id) == 0
    with app.app_context():
        assert _db.session.get(Application, application_id).status == ApplicationStatus.APPROVED
        _db.session.remove()

    first = client.post(url, json=body, headers=headers)
    replay = client.post(url, json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert _count(app, Disbursement) == 1
    with app.app_context():
        stored = _db.session.scalars(sa.select(Disbursement)).one()
        assert stored.amount_yuan == Decimal("1500000.00")
        assert _db.session.get(Application, application_id).status == ApplicationStatus.DISBURSED
        _db.session.remove()
