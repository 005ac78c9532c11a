"""The API's match body: the request's ranking as JSON bytes, cached whole beside the items.

The match endpoint is the API's busiest call. On a cache hit it reads only the request's id,
its change times and its first ranking time (one row of plain values, no ORM object), on
PostgreSQL outside any transaction when the request has opened none (no BEGIN and COMMIT round
trips for one SELECT); the request with its firm and accepted kinds is read (one statement)
only when the ranking must be computed.
The first ranking time is written by one UPDATE that keeps an earlier one; the report's fact
for the funnel's matched step is added in the same transaction when it wrote a row.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import NamedTuple

import redis
import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.orm import Session

from finplatform import clock
from finplatform.extensions import db
from finplatform.jobs import redis_connection
from finplatform.models import FinancingRequest
from finplatform.observability import metrics
from finplatform.ranking import result_cache
from finplatform.ranking.served_request import served_request_table
from finplatform.ranking.service import ServingCatalogue, computed_items, serving_catalogue
from finplatform.reports import facts


class RequestStamp(NamedTuple):
    """What a cached ranking is looked up by: the request's id and change times."""

    id: int
    created_at: datetime | None
    updated_at: datetime | None
    first_ranked_at: datetime | None


STAMP_COLUMNS = (
    FinancingRequest.id,
    FinancingRequest.created_at,
    FinancingRequest.updated_at,
    FinancingRequest.first_ranked_at,
)


_CONNECTED = "finplatform_connected"
# The environ key of a stamp read for the caller before Flask saw the call.
PREREAD_STAMP = "finplatform.match_stamp"


@sa.event.listens_for(Session, "after_begin")
def _note_connected(session: Session, _transaction, _connection) -> None:
    # The session holds a connection now: what it wrote is seen only through it.
    session.info[_CONNECTED] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _note_released(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED, None)


def read_stamp(request_id: int, visible_to: sa.ColumnElement[bool]) -> RequestStamp | None:
    """The stamp of the request `request_id` if `visible_to` holds for it, else None; taken
    as read for the same caller in front of Flask (`finplatform.api.fast_matches`) if it was."""
    preread = request.environ.get(PREREAD_STAMP)
    if preread is not None and preread.id == request_id:
        return preread
    statement = sa.select(*STAMP_COLUMNS).where(FinancingRequest.id == request_id, visible_to)
    session = db.session()
    engine = session.get_bind()
    if engine.dialect.name != "postgresql" or session.info.get(_CONNECTED):
        row = session.execute(statement).first()
    else:
        # A single read needs no transaction of its own; a write later in the request (the
        # first ranking time) opens the session's as usual.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            row = connection.execute(statement).first()
    return RequestStamp(*row) if row is not None else None


def note_first_ranking(stamp: RequestStamp) -> bool:
    """Write the request's first ranking time unless it has one, with the funnel's fact; True
    when the request had none when read (the caller's transaction commits it)."""
    if stamp.first_ranked_at is not None:
        return False
    stamped = db.session.scalars(
        sa.update(FinancingRequest)
        .where(FinancingRequest.id == stamp.id, FinancingRequest.first_ranked_at.is_(None))
        .values(first_ranked_at=clock.now())
        .returning(FinancingRequest.id)
    ).all()
    if stamped:  # a concurrent call that stamped it first wrote the fact
        facts.bulk_write(db.session, facts.FIRST_RANKED, 1, ids=stamped)
    return True


def match_body(stamp: RequestStamp, top_k: int = 10) -> tuple[bytes, bool]:
    """The request's ranking as the API's JSON body of match objects (MatchSchema's fields),
    best first, byte for byte what `jsonify` makes of them; and whether the request's first
    ranking time was written (to be committed).

    The request with its firm is read (one statement) only when the ranking is computed.
    Product names and institutions come from the worker's catalogue. With Redis the body is
    cached beside the ranked items, under the same key and for as long: one MGET finds either;
    a call that finds the body sends it as it is.
    """
    served = serving_catalogue()
    key = result_cache.key(stamp, served.key, top_k, set())
    body_key = key + ":api"
    connection = redis_connection()
    found = [None, None]
    if connection is not None:
        with contextlib.suppress(redis.RedisError):
            found = connection.mget(body_key, key)
    if found[0] is not None:
        metrics.RANKINGS.labels("hit").inc()
        # "[]\n" is an empty ranking, which proposes nothing.
        return found[0], len(found[0]) > 3 and note_first_ranking(stamp)
    if found[1] is not None:
        metrics.RANKINGS.labels("hit").inc()
        items = json.loads(found[1])
    else:
        metrics.RANKINGS.labels("miss").inc()
        table = served_request_table(stamp.id, served.cats, served.communities)
        items = computed_items(table, served, top_k, set())
    body = (current_app.json.dumps(_match_rows(items, served)) + "\n").encode()
    seconds = current_app.config["MATCH_CACHE_SECONDS"]
    if connection is not None and seconds > 0:
        pipeline = connection.pipeline(transaction=False)
        if found[1] is None:
            pipeline.set(key, json.dumps(items), ex=seconds)
        pipeline.set(body_key, body, ex=seconds)
        with contextlib.suppress(redis.RedisError):
            pipeline.execute()
    return body, bool(items) and note_first_ranking(stamp)


def _match_rows(items: list[dict], served: ServingCatalogue) -> list[dict]:
    rows = []
    for item in items:
        card = served.cards.get(item["product_id"])
        if card is None:
            continue
        probability = item["probability"]
        rows.append(
            {
                "rank": len(rows) + 1,
                "product_id": item["product_id"],
                "product_name": card[0],
                "institution_id": card[1],
                "score": item["score"],
                "reasons": item["reasons"],
                "source": item["source"],
                "probability": None if probability is None else round(probability * 100.0, 1),
            }
        )
    return rows
