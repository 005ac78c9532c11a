"""Consent: an institution sees the firm's credit profile and documents only while the firm
authorises it (for an application, until 30 days after the decision; or standing until a
date); revoking ends it at once; every look is in the firm's consent log."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.api.tokens import create_token
from finplatform.credit import consent
from finplatform.deals import services as deal_services
from finplatform.documents.services import upload_document
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db as _db
from finplatform.models import CreditConsent, CreditView, Document
from tests.api.conftest import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def application(db, world, post_request):
    found = deal_services.submit_application(post_request(), world.credit_loan, world.firm_user)
    upload_document(
        world.firm,
        world.firm_user,
        kind="business_licence",
        file=io.BytesIO(PDF),
        filename="营业执照.pdf",
        application=found,
    )
    db.session.commit()
    return found


def _bank_sees(client, login, world, application) -> tuple[bool, int]:
    """(the profile is on the application page, the document's download status)."""
    client.post("/auth/logout")
    login(world.bank_user)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    download = client.get(f"/documents/{application_document_id(application)}/download")
    return 'id="credit-profile"' in page, download.status_code


def application_document_id(application) -> int:
    """The id of the document attached to the application."""
    attached = sa.select(Document.id).where(Document.application_id == application.id)
    return _db.session.scalar(attached)


def test_without_consent_the_bank_sees_neither_profile_nor_document(
    db, world, application, client, login
):
    assert _bank_sees(client, login, world, application) == (False, 404)


def test_grant_for_the_application_then_revoke(db, world, application, client, login):
    login(world.firm_user)
    client.post(f"/applications/{application.id}/consent")
    assert _bank_sees(client, login, world, application) == (True, 200)

    given = consent.has_consent(world.firm.id, world.bank.id)
    assert given
    (row,) = consent_rows(db, world)
    consent.revoke(row, world.firm_user)
    db.session.commit()
    assert _bank_sees(client, login, world, application) == (False, 404)
    with pytest.raises(Conflict):
        consent.revoke(row, world.firm_user)


def consent_rows(db, world):
    return db.session.scalars(
        sa.select(CreditConsent).where(CreditConsent.enterprise_id == world.firm.id)
    ).all()


def test_an_application_consent_ends_thirty_days_after_the_decision(
    db, world, application, pin_today
):
    consent.grant_for_application(application, world.firm_user)
    deal_services.take_into_review(application, world.bank_user)
    deal_services.reject_application(application, world.bank_user, reason="credit_history")
    db.session.commit()
    today = clock.today()
    pin_today(today + timedelta(days=29))
    assert consent.has_consent(world.firm.id, world.bank.id)
    pin_today(today + timedelta(days=31))
    assert not consent.has_consent(world.firm.id, world.bank.id)


def test_a_standing_consent_lasts_until_its_date(db, world, application, pin_today):
    with pytest.raises(DomainError):
        consent.grant_standing(world.firm, world.bank, world.firm_user, days=0)
    consent.grant_standing(world.firm, world.bank, world.firm_user, days=10)
    db.session.commit()
    today = clock.today()
    pin_today(today + timedelta(days=10))
    assert consent.has_consent(world.firm.id, world.bank.id)
    pin_today(today + timedelta(days=11))
    assert not consent.has_consent(world.firm.id, world.bank.id)
    assert not consent.has_consent(world.firm.id, world.other_bank.id)


def test_every_look_is_in_the_firms_log_and_the_api_obeys_too(
    db, world, application, client, login
):
    consent.grant_standing(world.firm, world.bank, world.firm_user, days=30)
    db.session.commit()
    _bank_sees(client, login, world, application)
    token = create_token(world.bank_user, "bank")[1]
    db.session.commit()
    document_id = application_document_id(application)
    api = client.get(f"/api/v1/documents/{document_id}/content", headers=bearer(token))
    assert api.status_code == 200
    looks = db.session.scalars(sa.select(CreditView.what).order_by(CreditView.id)).all()
    assert looks == ["profile", "document", "document"]
    client.post("/auth/logout")
    login(world.firm_user)
    log = client.get("/enterprise/consents").get_data(as_text=True)
    assert log.count(world.bank.name) >= 3

    (row,) = consent_rows(db, world)
    consent.revoke(row, world.firm_user)
    db.session.commit()
    again = client.get(f"/api/v1/documents/{document_id}/content", headers=bearer(token))
    assert again.status_code == 404
