"""The demo accounts `make run` creates: one per role, each reaching its own home."""

from __future__ import annotations

import pytest
from flask import url_for

from finplatform.access import ROLE_HOME
from finplatform.models import Role
from seeds.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts


def test_demo_accounts_are_created_once(db):
    assert create_demo_accounts() == len(DEMO_ACCOUNTS)
    db.session.commit()
    assert create_demo_accounts() == 0
    assert {account.role for account in DEMO_ACCOUNTS} == set(Role)


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.role.value)
def test_each_demo_account_signs_in_and_reaches_its_home(app, client, db, account):
    create_demo_accounts()
    db.session.commit()
    response = client.post(
        "/auth/login", data={"email": account.email, "password": account.password}
    )
    assert response.status_code == 302
    with app.test_request_context():
        home = url_for(ROLE_HOME[account.role])
    assert response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert account.name in page.get_data(as_text=True)
