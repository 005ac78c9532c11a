"""NUL characters are refused with a clear 400 on pages and the API, never a 500."""

from __future__ import annotations

from finplatform.models import Role
from tests.api.conftest import bearer


def test_a_form_with_a_nul_character_is_refused(client):
    client.get("/lang/en")
    response = client.post("/auth/login", data={"email": "a\x00@b.cn", "password": "x"})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_api_query_and_json_with_nul_are_refused(client, make, token_for):
    token = token_for(make.user(Role.ENTERPRISE))
    query = client.get("/api/v1/institutions?kind=a%00b", headers=bearer(token))
    assert query.status_code == 400
    assert query.mimetype == "application/problem+json"
    body = client.post(
        "/api/v1/requests",
        data='{"amount_yuan": "1", "term_months": 1, "purpose": "a\\u0000b"}',
        headers=bearer(token, **{"Content-Type": "application/json"}),
    )
    assert body.status_code == 400
