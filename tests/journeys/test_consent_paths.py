"""The consent rule on every path an institution can read a firm's credit information by: the
application page (profile), the document download page, the API's credit profile, the API's
document content and the API's document list. Each state of an authorisation — none, for the
application while undecided, 29 and 31 days after the decision, standing on its last day and
the day after, revoked, given to another bank — gives the same answer on every path.

Expected answers come from the rule (issue 13): an application's authorisation lasts until 30
days after the institution's decision, a standing one until its date, either ends when revoked.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from finplatform import clock
from finplatform.api.tokens import create_token
from finplatform.credit import consent
from finplatform.deals import services as deal_services
from finplatform.documents.services import upload_document
from finplatform.models import CreditConsent, Role
from tests.api.conftest import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def api_token(db):
    """An API token for a user, committed."""

    def make_token(user) -> str:
        text = create_token(user, "bank system")[1]
        db.session.commit()
        return text

    return make_token


@pytest.fixture
def case(db, world, post_request, api_token):
    """An application to the bank with a document attached, and the bank's API token."""
    application = deal_services.submit_application(
        post_request(), world.credit_loan, world.firm_user
    )
    document = upload_document(
        world.firm,
        world.firm_user,
        kind="business_licence",
        file=io.BytesIO(PDF),
        filename="营业执照.pdf",
        application=application,
    )
    db.session.commit()
    return {
        "application": application,
        "document_id": document.id,
        "token": api_token(world.bank_user),
    }


def _decide(world, application) -> None:
    deal_services.take_into_review(application, world.bank_user)
    deal_services.reject_application(application, world.bank_user, reason="credit_history")


def _later(pin_today, days: int) -> None:
    pin_today(clock.today() + timedelta(days=days))


def _none(db, world, application, pin_today):
    pass


def _undecided(db, world, application, pin_today):
    consent.grant_for_application(application, world.firm_user)


def _decided_29_days_ago(db, world, application, pin_today):
    consent.grant_for_application(application, world.firm_user)
    _decide(world, application)
    db.session.commit()
    _later(pin_today, 29)


def _decided_31_days_ago(db, world, application, pin_today):
    consent.grant_for_application(application, world.firm_user)
    _decide(world, application)
    db.session.commit()
    _later(pin_today, 31)


def _standing_last_day(db, world, application, pin_today):
    consent.grant_standing(world.firm, world.bank, world.firm_user, days=10)
    db.session.commit()
    _later(pin_today, 10)


def _standing_day_after(db, world, application, pin_today):
    consent.grant_standing(world.firm, world.bank, world.firm_user, days=10)
    db.session.commit()
    _later(pin_today, 11)


def _application_revoked(db, world, application, pin_today):
    consent.revoke(consent.grant_for_application(application, world.firm_user), world.firm_user)


def _standing_revoked(db, world, application, pin_today):
    given = consent.grant_standing(world.firm, world.bank, world.firm_user, days=90)
    consent.revoke(given, world.firm_user)


def _other_bank_only(db, world, application, pin_today):
    deal_services.submit_application(application.request, world.other_loan, world.firm_user)
    consent.grant_standing(world.firm, world.other_bank, world.firm_user, days=90)


STATES = [
    (_none, False),
    (_undecided, True),
    (_decided_29_days_ago, True),
    (_decided_31_days_ago, False),
    (_standing_last_day, True),
    (_standing_day_after, False),
    (_application_revoked, False),
    (_standing_revoked, False),
    (_other_bank_only, False),
]


def _page_profile(client, world, case) -> bool:
    page = client.get(f"/applications/{case['application'].id}")
    assert page.status_code == 200
    return 'id="credit-profile"' in page.get_data(as_text=True)


def _page_download(client, world, case) -> bool:
    status = client.get(f"/documents/{case['document_id']}/download").status_code
    assert status in {200, 404}
    return status == 200


def _api_profile(client, world, case) -> bool:
    response = client.get(
        f"/api/v1/credit-profiles/{world.firm.credit_code}", headers=bearer(case["token"])
    )
    assert response.status_code in {200, 404}
    return response.status_code == 200


def _api_document(client, world, case) -> bool:
    response = client.get(
        f"/api/v1/documents/{case['document_id']}/content", headers=bearer(case["token"])
    )
    assert response.status_code in {200, 404}
    return response.status_code == 200


def _api_document_list(client, world, case) -> bool:
    response = client.get(
        f"/api/v1/documents?application_id={case['application'].id}",
        headers=bearer(case["token"]),
    )
    assert response.status_code == 200
    return response.get_json()["total"] == 1


PATHS = [_page_profile, _page_download, _api_profile, _api_document, _api_document_list]


@pytest.mark.parametrize(("state", "sees"), STATES, ids=[s.__name__.strip("_") for s, _ in STATES])
def test_every_path_follows_the_consent_rule(
    db, world, case, client, login, pin_today, state, sees
):
    state(db, world, case["application"], pin_today)
    db.session.commit()
    login(world.bank_user)
    answers = {path.__name__.strip("_"): path(client, world, case) for path in PATHS}
    assert answers == dict.fromkeys(answers, sees)


def test_the_firm_sees_its_own_profile_and_no_other_role_reads_one_over_the_api(
    db, world, case, make, api_token, client
):
    own = client.get(
        f"/api/v1/credit-profiles/{world.firm.credit_code}",
        headers=bearer(api_token(world.firm_user)),
    )
    assert own.status_code == 200
    assert own.get_json()["credit_code"] == world.firm.credit_code
    other_firm = make.enterprise()
    db.session.commit()
    theirs = client.get(
        f"/api/v1/credit-profiles/{other_firm.credit_code}",
        headers=bearer(api_token(world.firm_user)),
    )
    assert theirs.status_code == 404
    # Commission staff see profiles only as statistics; specialists, admins and data providers
    # read none either.
    for role in (Role.COMMISSION, Role.SPECIALIST, Role.ADMIN, Role.DATA_PROVIDER):
        response = client.get(
            f"/api/v1/credit-profiles/{world.firm.credit_code}",
            headers=bearer(api_token(make.user(role))),
        )
        assert response.status_code == 403, role


def test_the_firm_grants_lists_and_revokes_over_the_api_and_reads_who_looked(
    db, world, case, api_token, client
):
    firm = bearer(api_token(world.firm_user))
    bank = bearer(case["token"])
    application_id = case["application"].id
    refused = client.post("/api/v1/consents", json={"institution_id": world.bank.id}, headers=firm)
    assert refused.status_code == 422
    not_applied = client.post(
        "/api/v1/consents", json={"institution_id": world.other_bank.id, "days": 30}, headers=firm
    )
    assert not_applied.status_code == 422
    granted = client.post("/api/v1/consents", json={"application_id": application_id}, headers=firm)
    assert granted.status_code == 201
    body = granted.get_json()
    assert (body["application_id"], body["in_force"]) == (application_id, True)
    again = client.post("/api/v1/consents", json={"application_id": application_id}, headers=firm)
    assert again.get_json()["id"] == body["id"]  # one authorisation per application in force

    content = client.get(f"/api/v1/documents/{case['document_id']}/content", headers=bank)
    assert content.status_code == 200
    seen = client.get(f"/api/v1/credit-profiles/{world.firm.credit_code}", headers=bank)
    assert seen.status_code == 200
    listed = client.get("/api/v1/consents", headers=bank).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]

    revoked = client.post(f"/api/v1/consents/{body['id']}/revoke", headers=firm)
    assert (revoked.status_code, revoked.get_json()["in_force"]) == (200, False)
    assert client.post(f"/api/v1/consents/{body['id']}/revoke", headers=firm).status_code == 409
    assert client.post(f"/api/v1/consents/{body['id']}/revoke", headers=bank).status_code == 403
    profile = client.get(f"/api/v1/credit-profiles/{world.firm.credit_code}", headers=bank)
    assert profile.status_code == 404

    standing = client.post(
        "/api/v1/consents", json={"institution_id": world.bank.id, "days": 30}, headers=firm
    )
    assert standing.get_json()["valid_until"] == (clock.today() + timedelta(days=30)).isoformat()
    views = client.get("/api/v1/consents/views", headers=firm).get_json()["items"]
    assert [(view["institution_name"], view["what"]) for view in views] == [
        (world.bank.name, "profile"),
        (world.bank.name, "document"),
    ]
    assert client.get("/api/v1/consents/views", headers=bank).status_code == 403
    rows = db.session.scalars(sa.select(CreditConsent.id)).all()
    assert len(rows) == 2


def test_commission_staff_reach_no_firms_profile_by_page_api_or_export(
    db, world, case, make, api_token, client, login
):
    consent.grant_standing(world.firm, world.bank, world.firm_user, days=90)
    commission = make.user(Role.COMMISSION)
    db.session.commit()
    login(commission)
    application_id = case["application"].id
    pages = {
        path: client.get(path).status_code
        for path in (
            f"/applications/{application_id}",
            f"/documents/{case['document_id']}/download",
            "/enterprise/consents",
            f"/enterprises/{world.firm.id}",
        )
    }
    assert pages == dict.fromkeys(pages, 403)
    token = bearer(api_token(commission))
    api = {
        path: client.get(path, headers=token).status_code
        for path in (
            f"/api/v1/credit-profiles/{world.firm.credit_code}",
            "/api/v1/consents",
            "/api/v1/consents/views",
        )
    }
    assert api == dict.fromkeys(api, 403)
    content = client.get(f"/api/v1/documents/{case['document_id']}/content", headers=token)
    assert content.status_code == 404
    # The commission's exports are statistics: no firm's name, credit code or grade in them.
    month = clock.today().strftime("%Y-%m")
    export = client.get(f"/reports/xlsx?month={month}")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.get_data()))
    cells = " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert world.firm.name not in cells and world.firm.credit_code not in cells
    assert "信用画像" not in cells and "信用等级" not in cells


def test_the_consent_box_when_applying_authorises_for_that_application_only(
    db, world, post_request, client, login, api_token
):
    financing_request = post_request()
    db.session.commit()
    login(world.firm_user)
    applied = client.post(
        f"/enterprise/requests/{financing_request.id}/apply",
        data={"product_id": [world.credit_loan.id, world.other_loan.id], "share_credit": "y"},
    )
    assert applied.status_code == 302
    given = db.session.scalars(sa.select(CreditConsent).order_by(CreditConsent.id)).all()
    assert [(c.institution_id, c.valid_until) for c in given] == [
        (world.bank.id, None),
        (world.other_bank.id, None),
    ]
    assert all(c.application_id is not None for c in given)

    # Over the API, without the box: the application goes, no authorisation with it.
    other_request = post_request(purpose="流动资金周转")
    db.session.commit()
    response = client.post(
        "/api/v1/applications",
        json={"request_id": other_request.id, "product_id": world.ip_loan.id},
        headers=bearer(api_token(world.firm_user)),
    )
    assert response.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditConsent)) == 2
    response = client.post(
        "/api/v1/applications",
        json={
            "request_id": other_request.id,
            "product_id": world.credit_loan.id,
            "share_credit": True,
        },
        headers=bearer(api_token(world.firm_user)),
    )
    assert response.status_code == 201
    latest = db.session.scalars(sa.select(CreditConsent).order_by(CreditConsent.id.desc())).first()
    assert latest.application_id == response.get_json()["id"]
