"""The API's rules: tokens only (no sessions), problem+json errors, pagination, limits."""

from __future__ import annotations

import os

import pytest
import redis
import sqlalchemy as sa

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.api.tokens import create_token, hash_token
from finplatform.extensions import db as _db
from finplatform.models import ApiToken, Role
from seeds.reference_loader import load_reference
from tests.api.conftest import bearer
from tests.factories import Factory


def test_token_is_shown_once_and_stored_only_as_a_hash(client, make, login, db):
    user = make.user(Role.INSTITUTION)
    login(user)
    client.get("/lang/en")
    page = client.post("/settings/tokens", data={"name": "core banking"}).get_data(as_text=True)
    row = db.session.scalar(sa.select(ApiToken))
    start = page.index('id="new-token">') + len('id="new-token">')
    text = page[start : page.index("<", start)]
    assert text.startswith("fpt_") and len(text) > 40
    assert row.token_hash == hash_token(text) and text not in row.token_hash
    assert row.prefix == text[:12]
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert "core banking" in listing and text not in listing and row.prefix in listing
    assert "Never" in listing  # not used yet
    assert client.get("/api/v1/me", headers=bearer(text)).json["id"] == user.id
    assert "Never" not in client.get("/settings/tokens").get_data(as_text=True)


def test_a_revoked_token_is_refused(client, make, login, db, token_for):
    user = make.user(Role.ENTERPRISE)
    text = token_for(user)
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    login(user)
    row = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 302
    response = client.get("/api/v1/me", headers=bearer(text))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_user_cannot_revoke_someone_elses_token(client, make, login, token_for, db):
    owner = make.user(Role.ENTERPRISE)
    text = token_for(owner)
    login(make.user(Role.ENTERPRISE))
    row = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200


def test_a_signed_in_browser_session_is_not_accepted(client, make, login):
    login(make.user(Role.ADMIN))
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_malformed_tokens_are_refused(client):
    for header in ("Bearer fpt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "fpt_x"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_errors_follow_the_callers_language(client, make, token_for):
    text = token_for(make.user(Role.ENTERPRISE))
    zh = client.get("/api/v1/institutions/999999", headers=bearer(text))
    en = client.get(
        "/api/v1/institutions/999999", headers=bearer(text, **{"Accept-Language": "en"})
    )
    assert zh.status_code == en.status_code == 404
    assert zh.json["title"] == "页面不存在"
    assert en.json["title"] == "Page not found"


def test_validation_errors_name_the_fields(client, make, token_for):
    text = token_for(make.user(Role.ENTERPRISE))
    response = client.get("/api/v1/institutions?page=0&per_page=500", headers=bearer(text))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]["query"]) == {"page", "per_page"}


def test_lists_paginate_with_links(client, make, token_for):
    for _ in range(5):
        make.institution()
    text = token_for(make.user(Role.ENTERPRISE))
    first = client.get("/api/v1/institutions?per_page=2", headers=bearer(text)).json
    assert first["total"] == 5 and first["pages"] == 3 and len(first["items"]) == 2
    assert "prev" not in first["links"]
    second = client.get(first["links"]["next"], headers=bearer(text)).json
    assert second["page"] == 2 and "prev" in second["links"]
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


def test_an_institution_sees_no_other_institution(client, make, token_for):
    own = make.institution()
    other = make.institution()
    text = token_for(make.user(Role.INSTITUTION, institution=own))
    assert client.get(f"/api/v1/institutions/{own.id}", headers=bearer(text)).status_code == 200
    assert client.get(f"/api/v1/institutions/{other.id}", headers=bearer(text)).status_code == 404
    listed = client.get("/api/v1/institutions", headers=bearer(text)).json["items"]
    assert [item["id"] for item in listed] == [own.id]


def test_request_bodies_over_the_limit_are_refused(client, make, token_for, app):
    text = token_for(make.user(Role.ENTERPRISE))
    body = b"x" * (app.config["API_MAX_BODY_BYTES"] + 1)
    response = client.get(
        "/api/v1/me", data=body, headers=bearer(text, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 413


def test_openapi_document_and_local_docs_page(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in docs
    assert "https://" not in docs  # nothing from a CDN
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404


def _limited_client(tmp_path, storage: str):
    """A separate app with limits on (3 a minute), its own SQLite file and one token."""
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'limits.db'}"
    app = create_app(
        config,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        API_RATE_LIMIT="3 per minute",
    )
    with app.app_context():
        _db.create_all()
        load_reference()
        user = Factory(_db).user(Role.ENTERPRISE)
        _row, text = create_token(user, "limits")
        _db.session.commit()
        _db.session.remove()
    return app, text


def _assert_limited(app, text: str) -> None:
    client = app.test_client()
    statuses = [client.get("/api/v1/me", headers=bearer(text)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.get("/api/v1/me", headers=bearer(text))
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3"
    with app.app_context():
        _db.engine.dispose()


def test_rate_limit_answers_429_with_retry_after(tmp_path):
    app, text = _limited_client(tmp_path, "memory://")
    _assert_limited(app, text)


@pytest.mark.redis
def test_rate_limit_counts_in_redis_across_app_instances(tmp_path):
    storage = os.environ["TEST_REDIS_URL"]
    app, text = _limited_client(tmp_path, storage)
    redis.Redis.from_url(storage).flushdb()
    first = app.test_client()
    assert [first.get("/api/v1/me", headers=bearer(text)).status_code for _ in range(2)] == [
        200,
        200,
    ]
    # A second app (another gunicorn worker) shares the count through Redis.
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    second = create_app(
        config,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        API_RATE_LIMIT="3 per minute",
    )
    client = second.test_client()
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(text)).status_code == 429
    for each in (app, second):
        with each.app_context():
            _db.engine.dispose()
