"""Confirmed flags: a claimed 科技小巨人 / 高新技术企业 / tech-SME status counts only while a
public-credit record (a designation, certificate or registration valid that day) confirms it;
the confirmation is kept in the attribute history, eligibility and ranking read it, and an
unconfirmed claim shows as 未核实 to the firm and to institutions."""

from __future__ import annotations

from datetime import date

from finplatform import history
from finplatform.credit import confirmation
from finplatform.credit.cli import credit_cli
from finplatform.credit.records import load_records
from finplatform.models import CreditBatchChannel, Role
from finplatform.ranking.service import rank_products_for_request
from tests.reports.conftest import bj


def _flags(db, firm, when) -> tuple[bool, bool, bool]:
    seen = history.firm_attributes_at(db.session, firm.id, when)[firm.id]
    return seen.little_giant_confirmed, seen.high_tech_confirmed, seen.tech_sme_confirmed


def _load(db, firm, *rows) -> None:
    load_records(
        [
            {"enterprise_id": firm.id, "kind": kind, "as_of": day, "source": "市科委"}
            | {"reference": reference, "valid_until": until}
            for kind, day, reference, until in rows
        ],
        source="市科委",
        channel=CreditBatchChannel.IMPORT,
        actor=None,
    )
    db.session.commit()


def test_a_claim_counts_only_while_the_public_credit_records_confirm_it(
    db, make, pin_today, client, login, app
):
    pin_today(date(2014, 3, 1))
    firm = make.enterprise(name="津门小巨人科技有限公司", is_little_giant=True, is_high_tech=True)
    bank = make.institution()
    giants_only = make.product(bank, name="小巨人贷", little_giant_only=True)
    request = make.financing_request(firm)
    # The bank sees the firm that applied to it.
    make.application(request, make.product(bank, name="科技贷"))
    db.session.commit()
    bank_user = make.user(Role.INSTITUTION, institution=bank)

    # Claimed, not confirmed: the product reserved for little giants is not offered, and both
    # the firm's profile and an institution's view of it say 未核实.
    assert giants_only.id not in [item.product.id for item in rank_products_for_request(request)]
    login(bank_user)
    response = client.get(f"/enterprises/{firm.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("未核实") == 3
    client.post("/auth/logout")

    # On 10 March the commission loads the designation (to the year's end), the 高新
    # certificate (to 30 June) and the tech-SME registration (no end).
    pin_today(date(2014, 3, 10))
    _load(
        db,
        firm,
        ("little_giant", date(2014, 3, 5), "XJR-2014-017", date(2014, 12, 31)),
        ("high_tech", date(2014, 3, 5), "GR201412000456", date(2014, 6, 30)),
        ("tech_sme", date(2014, 3, 5), "2014120000000321", None),
    )
    assert giants_only.id in [item.product.id for item in rank_products_for_request(request)]
    owner = make.user(Role.ENTERPRISE, enterprise=firm)
    login(owner)
    own = client.get("/enterprise/").get_data(as_text=True)
    assert "已核实" in own and "未核实" not in own
    client.post("/auth/logout")

    # The daily run on 1 July lets the 高新 certificate lapse; the designation still holds.
    pin_today(date(2014, 7, 1))
    result = app.test_cli_runner().invoke(credit_cli, ["confirm"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (firm.little_giant_confirmed, firm.high_tech_confirmed) == (True, False)

    # The history keeps each state from when the platform learned it.
    assert _flags(db, firm, bj(2014, 3, 5)) == (False, False, False)
    assert _flags(db, firm, bj(2014, 4, 1)) == (True, True, True)
    assert _flags(db, firm, bj(2014, 7, 2)) == (True, False, True)

    # A claim withdrawn is no longer confirmed, whatever the records say.
    firm.is_little_giant = False
    confirmation.confirm([firm], date(2014, 7, 1))
    db.session.commit()
    assert _flags(db, firm, bj(2014, 7, 3)) == (False, False, True)
