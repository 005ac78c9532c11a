"""The work lists in the order people work through them, with the names each row shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from finplatform import clock
from finplatform.models import (
    ApplicationStatus,
    ContactLog,
    InstitutionStatus,
    ProductStatus,
)


def _ids(page: str, attribute: str) -> list[int]:
    return [int(found) for found in re.findall(rf'{attribute}="(\d+)"', page)]


def test_inbox_shows_the_nearest_deadline_first_and_undated_ones_last(
    world, make, db, client, login
):
    now = datetime.now(UTC)
    later, undated, sooner = (
        make.application(product=world.credit_loan, respond_by=moment)
        for moment in (now + timedelta(days=2), None, now + timedelta(days=1))
    )
    db.session.commit()
    login(world.bank_user)
    page = client.get("/institution/inbox").get_data(as_text=True)
    links = re.findall(r'href="/applications/(\d+)"', page)
    assert [int(i) for i in links] == [sooner.id, later.id, undated.id]
    assert page.count(world.credit_loan.name) >= 3


def test_work_queue_tabs_list_the_firms_items_with_their_names(world, make, db, client, login):
    now = datetime.now(UTC)
    firm = world.firm
    overdue = make.application(
        make.financing_request(firm), world.credit_loan, respond_by=now - timedelta(hours=1)
    )
    request = make.financing_request(firm)
    rejected = make.application(
        request, world.other_loan, status=ApplicationStatus.REJECTED, decided_at=now
    )
    # A rejection of a request that another application still carries needs no re-routing.
    carried = make.financing_request(firm)
    make.application(carried, world.other_loan, status=ApplicationStatus.REJECTED, decided_at=now)
    make.application(carried, world.credit_loan, status=ApplicationStatus.IN_REVIEW)
    untouched = make.financing_request(firm)
    other_firms = make.financing_request()
    db.session.add(
        ContactLog(
            specialist_id=world.specialist.id,
            enterprise_id=firm.id,
            channel="call",
            happened_at=now,
            note="回访",
            follow_up_on=clock.today() + timedelta(days=3),
        )
    )
    db.session.commit()
    login(world.specialist)

    tab = client.get("/specialist/queue?tab=overdue").get_data(as_text=True)
    assert _ids(tab, "data-application-id") == [overdue.id]
    assert world.credit_loan.name in tab and world.bank.name in tab and firm.name in tab

    tab = client.get("/specialist/queue?tab=rejected").get_data(as_text=True)
    assert _ids(tab, "data-application-id") == [rejected.id]
    assert world.other_loan.name in tab and world.other_bank.name in tab

    tab = client.get("/specialist/queue?tab=open").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'href="/requests/(\d+)"', tab)}
    # Open requests with no live application, the rejected one's included.
    assert listed == {untouched.id, request.id} and other_firms.id not in listed
    assert firm.name in tab

    tab = client.get("/specialist/queue?tab=follow_ups").get_data(as_text=True)
    assert "回访" in tab and firm.name in tab

    # Each tab's badge counts what the tab lists (overdue, open, rejected, follow-ups).
    badges = re.findall(r'badge text-bg-secondary">(\d+)<', tab)
    assert [int(n) for n in badges] == [1, 2, 1, 1]


def test_specialist_portfolio_shows_each_firms_district_and_industry(world, client, login):
    login(world.specialist)
    client.get("/lang/en")
    page = client.get("/specialist/").get_data(as_text=True)
    assert world.firm.name in page
    assert "Binhai New Area" in page and "Manufacture of computers" in page


def test_firm_page_offers_every_live_product_to_recommend(world, make, db, client, login):
    retired = make.product(world.bank, name="已停售贷", status=ProductStatus.RETIRED)
    pending = make.institution(name="待审银行", status=InstitutionStatus.PENDING)
    unapproved = make.product(pending, name="待审产品")
    db.session.commit()
    login(world.specialist)
    page = client.get(f"/specialist/firms/{world.firm.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="recommend-product_id".*?</select>', page, re.S)
    options = dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', select.group(0)))
    for product, institution in (
        (world.credit_loan, world.bank),
        (world.ip_loan, world.bank),
        (world.other_loan, world.other_bank),
    ):
        assert options[str(product.id)] == f"{product.name} · {institution.name}"
    assert str(retired.id) not in options and str(unapproved.id) not in options


MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_names_and_text_people_typed_show_as_text_on_the_work_lists(world, make, db, client, login):
    world.firm.name = "恶意" + MARKUP
    world.credit_loan.name = "产品" + MARKUP
    make.application(
        make.financing_request(world.firm),
        world.credit_loan,
        respond_by=datetime.now(UTC) - timedelta(hours=1),
    )
    make.financing_request(world.firm, purpose="用途" + MARKUP)
    db.session.add(
        ContactLog(
            specialist_id=world.specialist.id,
            enterprise_id=world.firm.id,
            channel="call",
            happened_at=datetime.now(UTC),
            note="回访" + MARKUP,
            follow_up_on=clock.today() + timedelta(days=3),
        )
    )
    db.session.commit()

    def shown_as_text(path: str, typed: str) -> None:
        html = client.get(path).get_data(as_text=True)
        assert MARKUP not in html and "<img src=x" not in html, path
        assert typed + "&lt;script&gt;alert(" in html, path

    login(world.bank_user)
    shown_as_text("/institution/inbox", "恶意")
    shown_as_text("/institution/inbox", "产品")
    shown_as_text("/institution/pool", "用途")
    shown_as_text("/institution/products/", "产品")
    client.post("/auth/logout")
    login(world.specialist)
    shown_as_text("/specialist/queue?tab=overdue", "产品")
    shown_as_text("/specialist/queue?tab=open", "恶意")
    shown_as_text("/specialist/queue?tab=follow_ups", "回访")
