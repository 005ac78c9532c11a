"""While PostgreSQL is down, every signed-in page answers 503 with Retry-After, in the user's
language, and the error page itself never reaches for the database."""

from __future__ import annotations

import pytest

from finplatform.extensions import db as _db
from finplatform.models import Role
from tests.factories import Factory
from tests.route_world import build_world, protected_routes, url_for_rule

pytestmark = pytest.mark.slow


def test_every_signed_in_page_answers_503_while_the_database_is_down(server, server_app):
    app = server_app
    with app.app_context():
        world = build_world(Factory(_db), _db)
        users = {role: user.email for role, user in world["users"].items()}
        routes = {
            role: [
                url_for_rule(rule, world)
                for rule, _method, roles in protected_routes(app)
                if role in roles and "GET" in rule.methods
            ]
            for role in users
        }
        _db.session.remove()
    clients = {}
    for role, email in users.items():
        clients[role] = app.test_client()
        signed_in = clients[role].post(
            "/auth/login", data={"email": email, "password": Factory.PASSWORD}
        )
        assert signed_in.status_code == 302, role

    server.stop()
    for role, client in clients.items():
        for url in routes[role]:
            response = client.get(url)
            assert response.status_code == 503, (role, url, response.status_code)
            assert int(response.headers["Retry-After"]) > 0
            assert "服务暂时不可用" in response.get_data(as_text=True)
    home = clients[Role.ENTERPRISE].get("/")
    assert home.status_code == 503 and "Retry-After" in home.headers

    server.start()
    assert clients[Role.ENTERPRISE].get("/enterprise/").status_code == 200
    with app.app_context():
        _db.engine.dispose()
