"""The request page names the product kinds the request accepts, in the page's language."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.models import ProductKind, Role


def _kinds(db, *codes):
    return list(db.session.scalars(sa.select(ProductKind).where(ProductKind.code.in_(codes))))


def test_accepted_kinds_are_named_in_english_and_chinese(db, make, client, login):
    firm_user = make.user(Role.ENTERPRISE)
    request = make.financing_request(
        firm_user.enterprise, accepted_kinds=_kinds(db, "credit_loan", "ip_pledge")
    )
    db.session.commit()
    login(firm_user)
    client.get("/lang/en")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Credit loan (no collateral)" in page
    assert "Intellectual-property pledge loan" in page
    assert "Any kind" not in page
    client.get("/lang/zh_Hans_CN")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "信用贷款" in page and "知识产权质押贷款" in page


def test_a_request_open_to_every_kind_says_so(db, make, client, login):
    firm_user = make.user(Role.ENTERPRISE)
    request = make.financing_request(firm_user.enterprise)
    db.session.commit()
    login(firm_user)
    client.get("/lang/en")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Any kind" in page


def test_another_firms_request_is_not_found(db, make, client, login):
    request = make.financing_request()
    db.session.commit()
    login(make.user(Role.ENTERPRISE))
    assert client.get(f"/requests/{request.id}").status_code == 404
