"""Search and filter fields tried with injection strings: SQL, template, path and markup.

The fields come from the app itself, so a new one is covered the day it is added: the names of
every GET form on every page a role can open, the query parameters every view reads
(`request.args…` in the source) and the query parameters of every API operation in the
OpenAPI document. Whatever is sent, the answer is never a server error, nothing is run
(no markup, no template expression, no SQL), and no stored row is lost.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from finplatform.api.tokens import create_token
from finplatform.extensions import db as _db
from finplatform.models import Role
from tests.route_world import build_world, protected_routes, url_for_rule

SCRIPT = "<script>alert('injected')</script>"
TEMPLATE = "{{ 7*7919 }}"  # rendered, it would print 55433
INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE enterprises; --",
    "0 UNION SELECT password_hash FROM users --",
    "%' AND 1=1 --",
    "%_\\",
    TEMPLATE,
    "${jndi:ldap://127.0.0.1/x}",
    SCRIPT,
    "../../../../etc/passwd",
    "9" * 40,
    "-1",
    "2014-13-45",
    "天津'; --",
]
SOURCE = Path(__file__).resolve().parent.parent / "finplatform"
READ_ARGUMENT = re.compile(r"request\.args\.get(?:list)?\(\s*\"(\w+)\"")


def _arguments_read_by_views() -> set[str]:
    names = set()
    for path in SOURCE.rglob("*.py"):
        names.update(READ_ARGUMENT.findall(path.read_text(encoding="utf-8")))
    return names


class _GetFormFields(HTMLParser):
    """Names of the fields inside `<form method="get">` elements."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif (
            self._in_get_form and tag in {"input", "select", "textarea"} and attributes.get("name")
        ):
            self.names.add(attributes["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _form_fields(html: str) -> set[str]:
    parser = _GetFormFields()
    parser.feed(html)
    return parser.names


# The report's facts follow the base tables (a request's first ranking, recorded when its page
# is first viewed, adds to its month's funnel): the base tables' counts say whether anything
# was written.
DERIVED = {"report_facts", "report_firm_months"}


def _row_counts() -> dict[str, int]:
    return {
        table.name: _db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        for table in _db.metadata.sorted_tables
        if table.name not in DERIVED
    }


def _assert_harmless(response, url: str) -> None:
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert SCRIPT not in html, f"{url} shows the markup unescaped"
        assert "55433" not in html, f"{url} ran a template expression"


@pytest.fixture
def world(make, db):
    return build_world(make, db)


def test_form_fields_are_found_on_the_pages(app, client, login, world):
    """The walk below is only as good as the fields it finds: the filter forms are seen."""
    login(world["users"][Role.ADMIN])
    assert {"action", "actor"} <= _form_fields(client.get("/admin/audit").get_data(as_text=True))
    assert {"status", "page", "district", "industry"} <= _arguments_read_by_views()


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_page_filter_survives_injection_strings(app, client, login, world, role, db):
    login(world["users"][role])
    counts = _row_counts()
    read_by_views = _arguments_read_by_views()
    pages = 0
    for rule, method, roles in protected_routes(app):
        if method != "GET" or role not in roles:
            continue
        url = url_for_rule(rule, world)
        first = client.get(url)
        if first.status_code != 200:
            continue  # a record this role may not open: the access tests cover it
        pages += 1
        own_fields = (
            _form_fields(first.get_data(as_text=True)) if first.mimetype == "text/html" else set()
        )
        for text in INJECTIONS:
            # Every name at once, then each of the page's own fields alone (so an early refusal of
            # one field cannot hide what another does with the text).
            queries = [dict.fromkeys(read_by_views | own_fields, text)]
            queries += [{name: text} for name in sorted(own_fields)]
            for query in queries:
                target = f"{url}?{urlencode(query)}"
                _assert_harmless(client.get(target), target)
    assert pages > 0
    db.session.rollback()
    assert _row_counts() == counts


API_PATH_ARGUMENTS = {
    "request_id": "own_request",
    "application_id": "own_application",
    "product_id": "own_product",
    "offer_id": "own_offer",
    "disbursement_id": "other_disbursement",
    "institution_id": "own_bank",
}


def _api_get_operations(client) -> list[tuple[str, list[str]]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = []
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        parameters = item.get("parameters", []) + item["get"].get("parameters", [])
        query = [p["name"] for p in parameters if p["in"] == "query"]
        operations.append((path, query))
    return operations


def _fill_api_path(path: str, world: dict) -> str | None:
    def replace(match: re.Match) -> str:
        if match.group(1) == "credit_code":
            return world["own_firm"].credit_code
        key = API_PATH_ARGUMENTS.get(match.group(1))
        if key is None:
            raise KeyError(match.group(1))
        return str(world[key].id)

    try:
        return re.sub(r"\{(\w+)\}", replace, path)
    except KeyError:
        return None


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_api_query_parameter_survives_injection_strings(app, client, world, role, db):
    token = create_token(world["users"][role], "injection test")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    counts = _row_counts()
    operations = _api_get_operations(client)
    with_parameters = [(path, query) for path, query in operations if query]
    assert with_parameters, "the API documents no query parameters: the walk would test nothing"
    for path, query in with_parameters:
        url = _fill_api_path(path, world)
        assert url is not None, f"tests/test_injection.py cannot fill the arguments of {path}"
        for text in INJECTIONS:
            for name in query:
                target = f"{url}?{urlencode({name: text})}"
                response = client.get(target, headers=headers)
                assert response.status_code < 500, f"{target} answered {response.status_code}"
                if response.status_code >= 400:
                    assert response.mimetype == "application/problem+json", target
    db.session.rollback()
    assert _row_counts() == counts
