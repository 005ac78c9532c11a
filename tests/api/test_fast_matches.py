"""The match endpoint's cache hits, answered before Flask's dispatch, are the full path's
answers: same body, same headers, same refusals."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from finplatform.models import ApiToken, Enterprise, Role, User
from tests.api.conftest import bearer

pytestmark = pytest.mark.redis

# Headers whose values belong to one call: its rate limit figures.
PER_CALL = {"X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}


@pytest.fixture
def dispatched(app, monkeypatch):
    """The calls that reached Flask's dispatch (the full path), by path."""
    fast = app.wsgi_app
    seen: list[str] = []
    inner = fast.wrapped

    def counting(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(fast, "wrapped", counting)
    return seen


@pytest.fixture
def limited(app, monkeypatch):
    """API calls limited to 5 a minute, counted in the suite's Redis."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "5 per minute")


def _ranked_request(make, db, enterprise=None):
    make.product()
    request = make.financing_request(enterprise=enterprise)
    db.session.commit()
    return request.id


def _answered(client, url: str, token: str, times: int) -> None:
    """Ask `url` `times` times with `token`; each answer is 200."""
    for _ in range(times):
        assert client.get(url, headers=bearer(token)).status_code == 200


def _match_call(make, db, token_for, user, enterprise=None) -> tuple[str, str]:
    """The match endpoint's address for a request `user` may see (by default the user's own
    firm's), and a token of `user`'s."""
    request_id = _ranked_request(make, db, enterprise or user.enterprise)
    return f"/api/v1/requests/{request_id}/matches", token_for(user)


def test_a_hit_is_answered_as_the_full_path_answers_it(
    app, client, make, db, token_for, dispatched, limited
):
    user = make.user(Role.ENTERPRISE)
    request_id = _ranked_request(make, db, user.enterprise)
    text = token_for(user)
    url = f"/api/v1/requests/{request_id}/matches?top=3"
    headers = bearer(text, **{"X-Request-ID": "support-case-0001"})
    first = client.get(url, headers=headers)  # computed, cached, and its first ranking time
    app.wsgi_app.headers.clear()  # the full path's headers are forgotten: it answers again
    full = client.get(url, headers=headers)  # a hit, through Flask
    assert first.status_code == full.status_code == 200
    assert dispatched == [f"/api/v1/requests/{request_id}/matches"] * 2
    fast = client.get(url, headers=headers)
    assert len(dispatched) == 2  # answered before Flask's dispatch
    assert fast.status_code == 200
    assert fast.data == full.data == first.data
    assert fast.json[0]["rank"] == 1
    assert set(fast.headers.keys()) == set(full.headers.keys())
    for name, value in full.headers.items():
        if name not in PER_CALL:
            assert fast.headers[name] == value, name
    assert fast.headers["X-Request-ID"] == "support-case-0001"
    assert fast.headers["X-RateLimit-Limit"] == "5"
    assert full.headers["X-RateLimit-Remaining"] == "3"
    assert fast.headers["X-RateLimit-Remaining"] == "2"
    assert "frame-ancestors 'none'" in fast.headers["Content-Security-Policy"]


def test_the_fast_path_counts_toward_the_limit_and_refuses_past_it(
    app, client, make, db, token_for, dispatched, limited
):
    user = make.user(Role.ENTERPRISE)
    url, text = _match_call(make, db, token_for, user)
    statuses = [client.get(url, headers=bearer(text)).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert len(dispatched) == 1
    refused = client.get(url, headers=bearer(text))
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # Counted once: the sixth call, not a seventh.
    assert refused.headers["X-RateLimit-Limit"] == "5"


def test_a_revoked_token_is_refused_on_the_fast_path(
    app, client, make, db, token_for, login, dispatched
):
    user = make.user(Role.ENTERPRISE)
    url, text = _match_call(make, db, token_for, user)
    _answered(client, url, text, 3)
    assert len(dispatched) == 1
    login(user)
    row = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 302
    refused = client.get(url, headers=bearer(text))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"


def test_a_deactivated_users_token_is_refused_on_the_fast_path(
    app, client, make, db, token_for, dispatched
):
    user = make.user(Role.ENTERPRISE)
    url, text = _match_call(make, db, token_for, user)
    _answered(client, url, text, 3)
    assert len(dispatched) == 1
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get(url, headers=bearer(text)).status_code == 401


def test_a_reassigned_specialist_loses_sight_of_the_request_at_once(
    app, client, make, db, token_for, dispatched
):
    before = make.user(Role.SPECIALIST)
    after = make.user(Role.SPECIALIST)
    firm = make.enterprise(specialist_id=before.id)
    request_id = _ranked_request(make, db, firm)
    url = f"/api/v1/requests/{request_id}/matches"
    text, other = token_for(before), token_for(after)
    assert client.get(url, headers=bearer(other)).status_code == 404
    _answered(client, url, text, 3)
    assert len(dispatched) == 2
    db.session.get(Enterprise, firm.id).specialist_id = after.id
    db.session.commit()
    gone = client.get(url, headers=bearer(text))
    assert gone.status_code == 404
    assert gone.mimetype == "application/problem+json"
    assert client.get(url, headers=bearer(other)).status_code == 200


def test_an_institution_user_is_still_refused(app, client, make, db, token_for, dispatched):
    user = make.user(Role.INSTITUTION)
    url, text = _match_call(make, db, token_for, user)
    statuses = [client.get(url, headers=bearer(text)).status_code for _ in range(3)]
    assert statuses == [403] * 3
    assert len(dispatched) == 3


def test_a_call_the_fast_path_cannot_read_goes_to_flask(
    app, client, make, db, token_for, dispatched
):
    user = make.user(Role.ENTERPRISE)
    url, text = _match_call(make, db, token_for, user)
    _answered(client, url, text, 2)
    unknown = client.get(url + "?top=3&extra=1", headers=bearer(text))
    assert unknown.status_code == 422
    assert client.get(url + "?top=51", headers=bearer(text)).status_code == 422
    assert len(dispatched) == 3


def test_a_hit_is_answered_outside_any_app_context_as_under_gunicorn(
    app, client, make, db, token_for, dispatched, limited
):
    user = make.user(Role.ENTERPRISE)
    url, text = _match_call(make, db, token_for, user)
    first = client.get(url, headers=bearer(text))
    answers = []
    # A thread of its own starts with no app context, as a gunicorn worker's thread does.
    worker = threading.Thread(target=lambda: answers.append(client.get(url, headers=bearer(text))))
    worker.start()
    worker.join()
    assert len(dispatched) == 1
    assert answers[0].status_code == 200
    assert answers[0].data == first.data
    assert answers[0].headers["X-RateLimit-Remaining"] == "3"


def test_a_miss_passed_on_to_flask_is_counted_once_and_ranked(
    app, client, make, db, token_for, dispatched, limited
):
    user = make.user(Role.ENTERPRISE)
    url, text = _match_call(make, db, token_for, user)
    first = client.get(url, headers=bearer(text))
    assert first.headers["X-RateLimit-Remaining"] == "4"
    other = client.get(url + "?top=2", headers=bearer(text))  # not cached: Flask ranks it
    assert len(dispatched) == 2
    assert other.status_code == 200
    assert other.headers["X-RateLimit-Remaining"] == "3"
    assert other.json == first.json[:2]
