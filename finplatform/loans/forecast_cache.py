"""The pool page's forecasts, kept until the data they are made from changes.

A forecast reads every covered loan's schedule and repayments (about 0.4 s on the demo world,
30 s on the full one), so the page keeps it. The key is the question (pools, day, stress,
horizon) plus a fingerprint of the rows a forecast reads: counts and sums of loans, repayments,
cover registrations, claims by status, recoveries, contributions and admissions. Any repayment,
reversal, registration, withdrawal, claim decision, payout, recovery or contribution changes
the fingerprint, so a changed book is never answered from the cache; nothing has to remember
to invalidate it. The fingerprint is a handful of aggregate queries (milliseconds).

With Redis the forecast is stored there (JSON, kept a day) and shared by every worker;
without Redis, or when it does not answer, in the process (the last few questions).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from datetime import date

import redis
import sqlalchemy as sa
from flask import current_app

from finplatform.extensions import db
from finplatform.jobs import redis_connection
from finplatform.loans.figures import pools_of
from finplatform.loans.forecast import Forecast, forecast_pools
from finplatform.models import (
    Claim,
    CoverRegistration,
    Loan,
    PoolContribution,
    PoolMember,
    Recovery,
    Repayment,
)

log = logging.getLogger(__name__)

KEY_PREFIX = "finplatform:pool:forecast:"
REDIS_SECONDS = 24 * 3600
KEPT_IN_PROCESS = 16


def fingerprint() -> str:
    """A digest of the rows a forecast is made from; it moves whenever any of them changes."""
    parts = [
        db.session.execute(
            sa.select(
                sa.func.count(Loan.id),
                sa.func.max(Loan.id),
                sa.func.count(Loan.voided_on),
                sa.func.count(Loan.written_off_on),
            )
        ).one(),
        db.session.execute(
            sa.select(
                sa.func.count(Repayment.id),
                sa.func.max(Repayment.id),
                sa.func.sum(Repayment.amount_yuan),
            )
        ).one(),
        db.session.execute(
            sa.select(
                sa.func.count(CoverRegistration.id),
                sa.func.max(CoverRegistration.id),
                sa.func.count(CoverRegistration.withdrawn_on),
            )
        ).one(),
        db.session.execute(
            sa.select(Claim.status, sa.func.count(Claim.id), sa.func.sum(Claim.approved_yuan))
            .group_by(Claim.status)
            .order_by(Claim.status)
        ).all(),
        *(
            db.session.execute(
                sa.select(sa.func.count(model.id), sa.func.max(model.id), sa.func.sum(column))
            ).one()
            for model, column in (
                (Recovery, Recovery.pool_share_yuan),
                (PoolContribution, PoolContribution.amount_yuan),
                (PoolMember, PoolMember.cover_ratio),
            )
        ),
    ]
    text = repr([tuple(part) if not isinstance(part, list) else list(map(tuple, part))
                 for part in parts])  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _to_json(result: Forecast) -> str:
    values = asdict(result)
    values["as_of"] = result.as_of.isoformat()
    values["months"] = [[month.isoformat(), *rest] for month, *rest in result.months]
    return json.dumps(values)


def _from_json(text: str | bytes) -> Forecast:
    values = json.loads(text)
    values["as_of"] = date.fromisoformat(values["as_of"])
    values["months"] = [(date.fromisoformat(month), *rest) for month, *rest in values.pop("months")]
    return Forecast(**values)


def _local() -> dict[str, Forecast]:
    return current_app.extensions.setdefault("finplatform_pool_forecasts", {})


def _read(key: str) -> Forecast | None:
    connection = redis_connection()
    if connection is not None:
        try:
            stored = connection.get(key)
        except redis.RedisError as error:
            log.warning("Redis unavailable for the pool forecast (%s): kept in process", error)
        else:
            return _from_json(stored) if stored is not None else None
    return _local().get(key)


def _keep(key: str, result: Forecast) -> None:
    connection = redis_connection()
    if connection is not None:
        try:
            connection.set(key, _to_json(result), ex=REDIS_SECONDS)
            return
        except redis.RedisError as error:
            log.warning("Redis unavailable for the pool forecast (%s): kept in process", error)
    kept = _local()
    kept[key] = result
    while len(kept) > KEPT_IN_PROCESS:
        kept.pop(next(iter(kept)))


def cached_forecast(year: int, as_of: date, stress: float = 1.0, months: int = 36) -> Forecast:
    """The year's forecast as `forecast.forecast` makes it, from the cache while the rows it
    reads are unchanged."""
    pool_ids = [pool.id for pool in pools_of(year)]
    question = repr((pool_ids, as_of.isoformat(), float(stress), months, fingerprint()))
    key = KEY_PREFIX + hashlib.sha256(question.encode()).hexdigest()[:32]
    found = _read(key)
    if found is not None:
        return found
    result = forecast_pools(pool_ids, as_of, stress, months)
    _keep(key, result)
    return result
