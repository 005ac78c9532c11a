"""Profile versions: one stored whenever an input changes; a past day shows the version stored
then, whatever was loaded or learned later; scorecards learn only outcomes known by their day."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pytest
import sqlalchemy as sa

from finplatform.credit import scorecards
from finplatform.credit.cli import credit_cli
from finplatform.credit.inputs import LabelledLoan, labelled_loans
from finplatform.credit.profile import credit_profile
from finplatform.credit.records import load_records
from finplatform.credit.scorecard import observe
from finplatform.credit.versions import profiles_scored_at, refresh_profiles, scores_at
from finplatform.models import CreditBatchChannel, CreditProfileVersion, ModelStatus


def _load(firm, *rows):
    load_records(
        [
            {"enterprise_id": firm.id, "kind": kind, "as_of": day, "source": "税务", **values}
            for kind, day, values in rows
        ],
        source="测试",
        channel=CreditBatchChannel.IMPORT,
        actor=None,
    )


def _versions(db, firm):
    query = sa.select(CreditProfileVersion).where(CreditProfileVersion.enterprise_id == firm.id)
    return list(db.session.scalars(query.order_by(CreditProfileVersion.id)))


def test_a_version_is_stored_when_records_change_and_a_past_day_shows_it(db, make, pin_today):
    firm = make.enterprise()
    pin_today(date(2014, 3, 1))
    _load(firm, ("tax_grade", date(2013, 12, 31), {"grade": "A"}))
    db.session.commit()
    first = credit_profile(firm, date(2014, 3, 1))
    assert (first["score"], first["grade"], first["valid_from"]) == (75, "A", "2014-03-01")
    # The same records again: nothing changed, no new version.
    pin_today(date(2014, 4, 1))
    _load(firm, ("tax_grade", date(2013, 12, 31), {"grade": "A"}))
    db.session.commit()
    assert len(_versions(db, firm)) == 1
    # A court judgement dated back in February, loaded in May: a new version from May.
    pin_today(date(2014, 5, 10))
    _load(firm, ("court_judgement", date(2014, 2, 1), {"reference": "(2014)津01民初9号"}))
    db.session.commit()
    assert [v.valid_from for v in _versions(db, firm)] == [date(2014, 3, 1), date(2014, 5, 10)]
    assert credit_profile(firm, date(2014, 4, 30)) == first | {"as_of": "2014-04-30"}
    assert credit_profile(firm, date(2014, 5, 10))["score"] == 75 - 6
    # Before any version: computed from the records dated by then (none in 2013-06).
    early = credit_profile(firm, date(2013, 6, 30))
    assert (early["stored"], early["score"], early["factors"]) == (False, 60, [])


def test_a_change_of_revenue_stores_a_version(db, make, pin_today):
    firm = make.enterprise(revenue_yuan=Decimal("5000000"))
    pin_today(date(2014, 3, 1))
    _load(firm, ("tax_grade", date(2013, 12, 31), {"grade": "B"}))
    db.session.commit()
    pin_today(date(2014, 6, 1))
    firm.revenue_yuan = Decimal("9000000")
    db.session.commit()
    versions = _versions(db, firm)
    assert [v.valid_from for v in versions] == [date(2014, 3, 1), date(2014, 6, 1)]
    # Under rules-v1 revenue earns no points: same score, a new version all the same.
    assert versions[0].score == versions[1].score == 65


def test_the_command_prints_the_version_of_a_past_day(app, db, make, pin_today):
    firm = make.enterprise()
    pin_today(date(2014, 3, 1))
    _load(firm, ("tax_grade", date(2013, 12, 31), {"grade": "D"}))
    db.session.commit()
    pin_today(date(2014, 9, 1))
    _load(firm, ("tax_grade", date(2014, 6, 30), {"grade": "A"}))
    db.session.commit()
    result = app.test_cli_runner().invoke(
        credit_cli, ["profile", firm.credit_code, "--as-of", "2014-08-31", "--json"]
    )
    printed = json.loads(result.output)
    assert (printed["score"], printed["grade"], printed["as_of"]) == (30, "E", "2014-08-31")
    assert printed["factors"][0] | {"label": ""} == {
        "name": "tax_grade",
        "label": "",
        "value": "D",
        "contribution": -30,
        "source": "税务",
        "as_of": "2013-12-31",
    }
    assert scores_at([(firm.id, date(2014, 2, 28)), (firm.id, date(2014, 9, 1))])[1] == (75, "A")


def test_a_loan_is_learned_from_only_twelve_months_after_disbursement(db, disburse, pin_today):
    loan = disburse(on=date(2013, 1, 10))  # nothing is ever repaid
    assert labelled_loans(date(2014, 1, 9)) == []
    pin_today(date(2014, 1, 10))
    (row,) = labelled_loans(date(2014, 1, 10))
    assert (row.loan_id, row.disbursed_on, row.defaulted) == (loan.id, date(2013, 1, 10), True)


def _rows(n, seed):
    """Loans whose firms all hold tax grade B (rules-v1 cannot tell them apart) and default
    less the more revenue they have (which the learned scorecard can see)."""
    rng = np.random.default_rng(seed)
    tax = SimpleNamespace(
        kind="tax_grade", as_of=date(2013, 1, 1), grade="B", source="税务", valid_until=None
    )
    rows = []
    for i in range(n):
        revenue = (1e6, 1e7, 1e8)[i % 3]
        seen = observe([tax], {"revenue_yuan": revenue, "employees": 10}, date(2013, 6, 1))
        bad = rng.random() < {1e6: 0.4, 1e7: 0.1, 1e8: 0.02}[revenue]
        rows.append(LabelledLoan(i + 1, 1, date(2013, 1, 1), seen, bad))
    return rows


def test_a_later_scorecard_leaves_earlier_versions_as_they_were(db, make, pin_today, monkeypatch):
    firm = make.enterprise()
    pin_today(date(2014, 3, 1))
    _load(firm, ("tax_grade", date(2013, 12, 31), {"grade": "C"}))
    db.session.commit()
    before = credit_profile(firm, date(2014, 3, 1))
    assert before["scorecard"] == "rules-v1"
    monkeypatch.setattr(scorecards, "labelled_loans", lambda day: _rows(400, 1))
    pin_today(date(2014, 9, 1))
    version = scorecards.train_scorecard(date(2014, 9, 1))
    assert version.status == ModelStatus.CURRENT  # beats rules-v1 on the held-out loans
    assert version.metrics["held_out_loans"] == 120
    assert scorecards.train_scorecard(date(2014, 9, 1)).id == version.id  # same data, same
    assert refresh_profiles([firm.id]) == 1
    db.session.commit()
    after = credit_profile(firm, date(2014, 9, 1))
    assert after["scorecard"] == version.version
    assert credit_profile(firm, date(2014, 3, 1)) == before


def test_the_ranking_adapter_offers_the_version_valid_when_a_request_was_posted(
    db, make, pin_today
):
    from datetime import UTC, datetime

    from finplatform.ranking.tables import (
        categories,
        credit_profile_columns,
        load_requests,
        requests_table,
    )

    firm = make.enterprise()
    pin_today(date(2014, 3, 1))
    _load(firm, ("tax_grade", date(2013, 12, 31), {"grade": "A"}))
    db.session.commit()
    pin_today(date(2014, 9, 1))
    _load(firm, ("dishonest_debtor", date(2014, 8, 1), {"reference": "(2014)津执1号"}))
    db.session.commit()
    posted = [datetime(2014, 2, 1, 2, tzinfo=UTC), datetime(2014, 5, 1, 2, tzinfo=UTC)]
    ids = [make.financing_request(firm, created_at=at).id for at in posted]
    ids.append(make.financing_request(firm, created_at=datetime(2014, 10, 1, 2, tzinfo=UTC)).id)
    db.session.commit()
    table = requests_table(load_requests(ids), categories(), {}, as_posted=True)
    columns = credit_profile_columns(table)
    # February: no version yet; May: the March version (75, A); October: 75 − 40 = 35, E.
    assert np.isnan(columns["credit_score"][0])
    assert columns["credit_score"][1:].tolist() == [75.0, 35.0]
    assert columns["credit_grade"].tolist() == ["", "A", "E"]


def test_too_little_history_is_refused_in_words(app, db, monkeypatch):
    from finplatform.exceptions import DomainError

    monkeypatch.setattr(scorecards, "labelled_loans", lambda day: _rows(12, 1))
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with pytest.raises(DomainError) as refused:
            scorecards.train_scorecard(date(2014, 9, 1))
        assert "两者各需至少 5 笔" in str(refused.value)
    assert scorecards.current_scorecard() is None


def test_many_firms_and_days_read_at_once_as_each_profile_shows_them(db, make, pin_today):
    # From the rule (rules-v1): base 60 is grade C; a tax grade A adds 15, 75 is grade A.
    # One firm has a version stored on 2014-03-01, one has none; before its version the
    # first reads as computed from its records.
    stored, plain = make.enterprise(), make.enterprise()
    pin_today(date(2014, 3, 1))
    _load(stored, ("tax_grade", date(2013, 12, 31), {"grade": "A"}))
    db.session.commit()
    pairs = [
        (stored.id, date(2014, 6, 30)),
        (plain.id, date(2014, 6, 30)),
        (stored.id, date(2014, 1, 15)),
        (plain.id, date(2013, 6, 30)),
    ]
    assert profiles_scored_at(pairs) == [(75.0, "A"), (60.0, "C"), (75.0, "A"), (60.0, "C")]
    assert [(v, d) for v, d in zip(scores_at(pairs), pairs, strict=True) if v[1]] == [
        ((75.0, "A"), pairs[0])
    ]
