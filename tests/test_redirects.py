"""Every `next` goes through one helper that keeps the browser on this site, however the
target is disguised (tabs, line breaks, backslashes, schemes)."""

from __future__ import annotations

import pytest

from finplatform.models import Role
from finplatform.redirects import safe_next
from tests.factories import Factory

LEAVING = [
    "//evil.example",
    "/\t/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\r\n/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /x",
    "/\x00/evil.example",
    "/x\x1b",
    "///evil.example",
    "/\\/evil.example",
]
# A NUL anywhere in a request is refused before any view (finplatform/input_guard.py).
THROUGH_VIEWS = [target for target in LEAVING if "\x00" not in target]
STAYING = {
    "/auth/login": "/auth/login",
    "/enterprise/requests?status=open": "/enterprise/requests?status=open",
    "/a/b#c": "/a/b#c",
    "/x\ty": "/xy",
}


@pytest.mark.parametrize("target", LEAVING)
def test_targets_leaving_the_site_give_the_default(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize(("target", "followed"), STAYING.items())
def test_paths_on_the_site_are_followed(target, followed):
    assert safe_next(target, "/home") == followed


@pytest.mark.parametrize("target", THROUGH_VIEWS)
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", THROUGH_VIEWS)
def test_sign_in_never_leaves_the_site(client, make, target):
    user = make.user(Role.ENTERPRISE)
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"email": user.email, "password": Factory.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/enterprise/"


def test_the_raw_probe_of_the_report_is_closed(client):
    response = client.get("/lang/en?next=/%09/evil.example")
    assert response.headers["Location"] == "/"


def test_a_line_break_in_next_neither_fails_nor_splits_the_header(client):
    response = client.get("/lang/en", query_string={"next": "/ok\r\nSet-Cookie: x=1"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/ok") and "\n" not in location and "\r" not in location
