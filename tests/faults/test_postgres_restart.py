"""PostgreSQL restarts under the app: during the outage pages answer 503 and the API answers
problem+json 503; afterwards the app recovers by itself, with no restart of its own."""

from __future__ import annotations

import pytest

from finplatform.api.tokens import create_token
from finplatform.extensions import db as _db
from finplatform.models import Role
from tests.factories import Factory

pytestmark = pytest.mark.slow


def test_outage_gives_503_and_the_app_recovers_without_restart(server, server_app):
    app = server_app
    with app.app_context():
        user = Factory(_db).user(Role.ENTERPRISE)
        _row, token = create_token(user, "restart")
        _db.session.commit()
        _db.session.remove()
    client = app.test_client()
    api = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me", headers=api).status_code == 200

    server.stop()
    page = client.get("/")
    assert page.status_code == 503
    assert "服务暂时不可用" in page.get_data(as_text=True)
    problem = client.get("/api/v1/me", headers=api)
    assert problem.status_code == 503
    assert problem.mimetype == "application/problem+json"
    assert problem.json["title"] == "Service temporarily unavailable"
    assert client.get("/healthz").status_code == 200  # the process itself is alive
    assert client.get("/readyz").status_code == 503

    server.start()
    # Pooled connections died with the server; pre-ping replaces them on first use.
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me", headers=api).status_code == 200
    with app.app_context():
        _db.engine.dispose()
