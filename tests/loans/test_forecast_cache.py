"""The pool page keeps its forecast until the rows it is made from change (in Redis when one
is configured, else in the process)."""

from __future__ import annotations

from datetime import date

import pytest

from finplatform.jobs import redis_connection
from finplatform.loans import forecast_cache
from finplatform.loans.cover import register_cover
from finplatform.loans.forecast_cache import cached_forecast
from finplatform.loans.services import record_repayment, reverse_repayment
from finplatform.models import Role


@pytest.fixture
def computed(app, monkeypatch):
    """The forecasts actually computed (not answered from the cache), in order."""
    connection = redis_connection()
    if connection is not None:  # forget forecasts an earlier run kept
        for key in connection.scan_iter(forecast_cache.KEY_PREFIX + "*"):
            connection.delete(key)
    made = []
    compute = forecast_cache.forecast_pools

    def counting(*args, **kwargs):
        result = compute(*args, **kwargs)
        made.append(result.book)
        return result

    monkeypatch.setattr(forecast_cache, "forecast_pools", counting)
    return made


def test_a_repayment_or_its_reversal_makes_the_page_forecast_again(
    db, client, login, make, pool, disburse, bank_user, pin_today, computed
):
    # 100,000 disbursed 2014-03-20 (first due 2014-04-21): current on 2014-03-31.
    loan = disburse(amount="100000", on=date(2014, 3, 20), rate="0", term=10)
    pin_today(date(2014, 3, 31))
    register_cover(loan, bank_user, date(2014, 3, 31))
    db.session.commit()
    day = date(2014, 3, 31)
    assert cached_forecast(2014, day).book == [100000.0, 0.0, 0.0]
    assert cached_forecast(2014, day).book == [100000.0, 0.0, 0.0]
    assert computed == [[100000.0, 0.0, 0.0]]  # the second answer came from the cache
    # A prepayment of 10,000 shrinks the book: the forecast is made again.
    repayment, _ = record_repayment(loan, amount_yuan="10000", paid_on=day, actor=bank_user)
    db.session.commit()
    assert cached_forecast(2014, day).book == [90000.0, 0.0, 0.0]
    # Its reversal restores it, and the page (signed in as the commission) shows it.
    reverse_repayment(repayment, bank_user, "重复登记")
    db.session.commit()
    assert cached_forecast(2014, day).book == [100000.0, 0.0, 0.0]
    assert len(computed) == 3
    # The page asks for the measured forecast (kept above) and the stressed one (made once):
    # a second view computes nothing.
    login(make.user(Role.COMMISSION))
    assert client.get("/pool/?year=2014").status_code == 200
    assert len(computed) == 4
    assert client.get("/pool/?year=2014").status_code == 200
    assert len(computed) == 4
