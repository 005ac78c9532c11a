"""Every page a person reaches from the menus and lists, as every role, on the small demo world,
reads in Chinese: no code (snake_case) and no English word in the visible text. The walk can
fail: an enumeration value without a label, or a label without a translation, is caught."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from finplatform.labels import ENUMERATIONS
from finplatform.models import Application, ApplicationStatus, Role
from seeds.demo_accounts import DEMO_ACCOUNTS
from tests.page_walk import page_state, walk
from tests.route_world import protected_routes
from tests.walk_world import WORLD_END, load_walk_world

# Pages no menu or list leads to on this world, and why.
NOT_LINKED = {
    # An enterprise compares offers from a request with two or more open offers.
    (Role.ENTERPRISE, "deals.compare"),
    (Role.SPECIALIST, "deals.compare"),
    # The institution's own profile and members pages, and a firm's page, open from records
    # this world does not give the demo bank (referrals, community members).
    (Role.ENTERPRISE, "enterprise.detail"),
    (Role.ENTERPRISE, "institution.detail"),
    (Role.INSTITUTION, "enterprise.detail"),
    (Role.INSTITUTION, "institution.detail"),
    (Role.INSTITUTION, "institution.members"),
    (Role.SPECIALIST, "institution.detail"),
    # Files generated in the background, and the job page of a report being generated.
    (Role.COMMISSION, "reports.generated"),
    (Role.ADMIN, "reports.generated"),
    (Role.ADMIN, "reports.job"),
    # A training or re-ranking job's progress, read as JSON by the model page while it runs.
    (Role.ADMIN, "admin.models.job"),
    # The admin reads deals from the firm's page, not from a list of its own.
    (Role.ADMIN, "deals.application_detail"),
    (Role.ADMIN, "deals.request_detail"),
    # The demo bank and the demo specialist's firms hold no credit loan in this world.
    (Role.INSTITUTION, "loans.detail"),
    (Role.SPECIALIST, "loans.detail"),
    # The commission's targets page: the admin edits targets on its own page.
    (Role.ADMIN, "targets.index"),
    # A document opens as the file itself (PDF, image, workbook), not a page with words to read;
    # who may open it is tested in tests/journeys/test_documents.py.
    (Role.ENTERPRISE, "documents.download"),
    (Role.INSTITUTION, "documents.download"),
    (Role.SPECIALIST, "documents.download"),
}


@pytest.fixture
def walk_world(db, pin_today):
    """The small world with a person's work on it, seen as of its last day."""
    load_walk_world(db)
    pin_today(WORLD_END)
    return db


def _sign_in(client, role: Role):
    account = next(account for account in DEMO_ACCOUNTS if account.role == role)
    client.post("/auth/logout")
    response = client.post(
        "/auth/login", data={"email": account.email, "password": account.password}
    )
    assert response.status_code == 302, role


def walk_every_role(app, client) -> dict:
    walks = {}
    for role in Role:
        _sign_in(client, role)
        walks[role] = walk(app, client)
    return walks


def _not_visited(app, role: Role, seen) -> list[str]:
    visited = {page_state(app, url)[0] for url in [*seen.pages, *seen.exports]}
    return sorted(
        rule.endpoint
        for rule, method, roles in protected_routes(app)
        if method == "GET"
        and role in roles
        and rule.endpoint not in visited
        and (role, rule.endpoint) not in NOT_LINKED
    )


def test_every_page_of_every_role_reads_in_chinese(app, client, walk_world):
    walks = walk_every_role(app, client)
    findings = {
        (role.value, url): words
        for role, seen in walks.items()
        for url, words in seen.findings().items()
    }
    broken = {
        (role.value, url): status
        for role, seen in walks.items()
        for url, status in seen.broken.items()
    }
    assert findings == {}
    assert broken == {}
    # Every page a role may open is reached from its menus and lists (or listed above).
    assert {role.value: _not_visited(app, role, seen) for role, seen in walks.items()} == {
        role.value: [] for role in Role
    }


def _walk_as(app, client, role: Role) -> dict:
    _sign_in(client, role)
    return walk(app, client).findings()


def test_the_walk_catches_a_value_without_a_label(app, client, walk_world, db):
    # A rejection reason no label knows, as a new code would be before it is labelled.
    db.session.execute(
        sa.update(Application)
        .where(Application.status == ApplicationStatus.REJECTED)
        .values(reject_reason="test_only_reason")
    )
    db.session.commit()
    findings = _walk_as(app, client, Role.SPECIALIST)
    assert any("test_only_reason" in words for words in findings.values()), findings


def test_the_walk_catches_a_label_without_a_translation(app, client, walk_world, monkeypatch):
    monkeypatch.setitem(ENUMERATIONS["request_status"], "open", "Test only: still open")
    findings = _walk_as(app, client, Role.ENTERPRISE)
    pages = [url for url, words in findings.items() if "Test" in words and "still" in words]
    assert pages, findings


def test_in_english_no_page_shows_a_code(app, client, walk_world):
    codes = {}
    for role in Role:
        _sign_in(client, role)
        client.get("/lang/en")
        assert '<html lang="en">' in client.get("/", follow_redirects=True).get_data(as_text=True)
        for url, words in walk(app, client).findings().items():
            found = [word for word in words if "_" in word]
            if found:
                codes[(role.value, url)] = found
    assert codes == {}
