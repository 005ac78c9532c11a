"""Error pages speak the user's language; a lost database answers 503, not a traceback."""

from __future__ import annotations

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.models import Role

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def test_not_found_page_in_chinese_then_english(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    client.get("/lang/en")
    response = client.get("/no-such-page")
    assert "Page not found" in response.get_data(as_text=True)


def test_forbidden_page_explains_in_both_languages(client, make, login):
    login(make.user(Role.ENTERPRISE))
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)
    client.get("/lang/en")
    assert "Access denied" in client.get("/admin/").get_data(as_text=True)


def test_database_outage_gives_a_503_page(tmp_path):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    app = create_app(config, SQLALCHEMY_DATABASE_URI=UNREACHABLE_DB)
    response = app.test_client().get("/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "服务暂时不可用" in page
    assert "Traceback" not in page


def test_unexpected_error_gives_a_500_page_without_details(tmp_path):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    app = create_app(config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "出错了" in page
    assert "secret internals" not in page


def test_api_and_probe_errors_are_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404 and response.json["detail"]


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
