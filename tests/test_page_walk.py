"""Every page a person reaches from the menus and lists, as every role, on the small demo world,
reads in Chinese: no code (snake_case) and no English word in the visible text."""

from __future__ import annotations

from datetime import date

import pytest

from finplatform.models import Role
from finplatform.reports.refresh import refresh_rollups
from seeds.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from seeds.loader import load_world
from seeds.world import generate_world, world_password_hash
from tests.page_walk import walk

HASH = world_password_hash("scrypt:1024:8:1", 0)
WORLD_END = date(2014, 12, 31)


@pytest.fixture
def demo_world(db, pin_today):
    """The small world with its demo accounts and rollups, seen as of its last day."""
    load_world(db.session.connection(), generate_world("small", 2014, HASH))
    db.session.commit()
    create_demo_accounts()
    refresh_rollups()
    db.session.commit()
    pin_today(WORLD_END)
    return db


def _sign_in(client, role: Role):
    account = next(account for account in DEMO_ACCOUNTS if account.role == role)
    client.post("/auth/logout")
    response = client.post(
        "/auth/login", data={"email": account.email, "password": account.password}
    )
    assert response.status_code == 302, role


def walk_every_role(app, client) -> dict[Role, object]:
    walks = {}
    for role in Role:
        _sign_in(client, role)
        walks[role] = walk(app, client)
    return walks


def test_every_page_of_every_role_reads_in_chinese(app, client, demo_world):
    walks = walk_every_role(app, client)
    for role, seen in walks.items():
        assert len(seen.pages) > 5, role
    findings = {
        (role.value, url): words
        for role, seen in walks.items()
        for url, words in seen.findings().items()
    }
    broken = {
        (role.value, url): code for role, seen in walks.items() for url, code in seen.broken.items()
    }
    assert findings == {}
    assert broken == {}
