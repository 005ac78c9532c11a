"""Pooled connections are pinged only after sitting idle, and a dead one is replaced then."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from finplatform import idle_ping


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'pool.db'}", poolclass=sa.QueuePool)
    yield engine
    engine.dispose()


def _kill_pooled_connection(engine) -> None:
    """Close the pooled connection behind the pool's back, as a restarted server would."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
        pooled = connection.connection.dbapi_connection
    pooled.close()


def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced_when_dead(engine):
    idle_ping.install(engine, idle_seconds=0.05)
    _kill_pooled_connection(engine)
    time.sleep(0.1)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1


def test_a_connection_used_a_moment_ago_is_not_pinged(engine):
    pings = []
    idle_ping.install(engine, idle_seconds=60)
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or original(dbapi_connection)
    for _ in range(3):
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    assert pings == []
    # So a dead connection handed out again at once fails the statement that meets it.
    _kill_pooled_connection(engine)
    with pytest.raises(sa.exc.ProgrammingError), engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
