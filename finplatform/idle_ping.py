"""Pooled database connections are checked for life only after they sat idle.

SQLAlchemy's `pool_pre_ping` pings the server on every checkout: one more round trip for every
request that touches the database, which for the API's busiest call (a cached ranking: one
short SELECT) was as many round trips as the work itself. A connection handed back a moment
ago by another request of the same worker is as alive as the server, so it is pinged only when
it sat in the pool for more than DATABASE_PING_IDLE_SECONDS (a restarted server or a firewall
that dropped idle connections is noticed there, before the request uses it). A server lost
while connections are busy fails the statement that meets it: the request answers 503
(`finplatform.errors`) and SQLAlchemy discards every connection of the pool opened before.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

_RETURNED = "finplatform_returned_at"


def install(engine: sa.Engine, idle_seconds: float) -> None:
    """Ping `engine`'s connections on checkout when idle for more than `idle_seconds`."""
    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_RETURNED] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned <= idle_seconds:
            return  # just opened, or just used
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool drops this connection and checks out another.
                raise sa.exc.DisconnectionError() from error
            raise
        if alive is False:
            raise sa.exc.DisconnectionError()
