"""A worker remembers API sign-ins briefly, and forgets them on any change to who may use them."""

from __future__ import annotations

import os

import pytest
import redis
import sqlalchemy as sa

from finplatform.api.signed_in import EPOCH_KEY
from finplatform.models import ApiToken, InstitutionStatus, Role, User
from tests.api.conftest import bearer

pytestmark = pytest.mark.redis


@pytest.fixture
def statements(db):
    """The SQL statements run while the test lasts."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", note)


def _token_reads(seen: list[str]) -> int:
    return sum(1 for s in seen if s.lstrip().startswith("SELECT") and "api_tokens" in s)


def test_a_token_is_looked_up_once_then_remembered(client, make, token_for, statements):
    user = make.user(Role.ENTERPRISE)
    text = token_for(user)
    statements.clear()
    assert client.get("/api/v1/me", headers=bearer(text)).json["id"] == user.id
    assert _token_reads(statements) == 1
    for _ in range(3):
        answer = client.get("/api/v1/me", headers=bearer(text))
        assert answer.status_code == 200 and answer.json["id"] == user.id
    assert _token_reads(statements) == 1


def test_a_remembered_token_is_refused_once_revoked(client, make, login, db, token_for):
    user = make.user(Role.ENTERPRISE)
    text = token_for(user)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    login(user)
    row = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 401


def test_a_suspended_institutions_remembered_token_is_refused(client, make, db, token_for):
    user = make.user(Role.INSTITUTION)
    user.institution.status = InstitutionStatus.APPROVED
    db.session.commit()
    text = token_for(user)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    user = db.session.get(User, user.id)
    user.institution.status = InstitutionStatus.SUSPENDED
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 403
    user.institution.status = InstitutionStatus.APPROVED
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200


def test_a_deactivated_users_remembered_token_is_refused(client, make, db, token_for):
    user = make.user(Role.SPECIALIST)
    text = token_for(user)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 401


def test_a_change_made_by_another_host_is_seen_from_the_next_call(client, make, db, token_for):
    user = make.user(Role.ENTERPRISE)
    text = token_for(user)
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    # Another host revokes it: its row changes there and the epoch moves in the shared Redis.
    with db.engine.begin() as connection:
        connection.execute(sa.update(ApiToken).values(revoked_at=sa.func.current_timestamp()))
    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).incr(EPOCH_KEY)
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 401


def test_last_use_is_still_recorded_for_a_remembered_token(client, make, db, token_for):
    user = make.user(Role.ENTERPRISE)
    text = token_for(user)
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    db.session.execute(sa.update(ApiToken).values(last_used_at=None))
    db.session.commit()
    db.session.expire_all()
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    db.session.expire_all()
    # Remembered as used a moment ago, so this call writes nothing; the row was cleared by
    # hand above, and the next look-up after a change marks it again.
    db.session.get(User, user.id).name = "renamed"
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None
