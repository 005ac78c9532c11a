"""Every page a role may open is reachable from its menus; the site has an icon; the English
menu bar stays on one line at 1366 px; each role's main page is photographed at 1366 and 390."""

from __future__ import annotations

import pytest

from finplatform.access import ROLE_HOME
from finplatform.models import Role
from tests.factories import Factory

# Pages reached from another page with what they need (a month, a file), not from a menu.
NOT_MENU_PAGES = {
    "reports.csv",
    "reports.xlsx",
    "reports.rows",
    "reports.job",
    "reports.generated",
    "main.index",
    "main.home",
    "main.favicon",
}
SIGNED_IN_PAGES = {"auth.change_password", "settings.api_tokens", "notifications.index"}


def _menu_pages(app, role: Role) -> set[str]:
    """The paths of every page the role may open without arguments."""
    pages = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in NOT_MENU_PAGES:
            continue
        if (roles and role in roles) or rule.endpoint in SIGNED_IN_PAGES:
            pages.add(rule.rule)
    return pages


@pytest.mark.parametrize("role", list(Role))
def test_every_page_of_a_role_is_in_its_menus(app, client, login, make, role):
    # A credit community's staff also have the member firms page.
    extra = {"institution": make.institution(kind_code="credit_community")}
    user = make.user(role, **(extra if role == Role.INSTITUTION else {}))
    login(user)
    with app.test_request_context():
        from flask import url_for

        home = url_for(ROLE_HOME[role])
    html = client.get(home).get_data(as_text=True)
    nav = html.split('<nav class="navbar')[1].split("</nav>")[0]
    missing = [path for path in sorted(_menu_pages(app, role)) if f'href="{path}"' not in nav]
    assert missing == [], missing
    assert 'href="/api/v1/docs"' in nav


def test_the_site_has_an_icon(client):
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.location.endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.data
    icon.close()


@pytest.mark.browser
def test_each_roles_menu_fits_and_main_page_is_photographed(
    app, db, make, live_server, page, artifacts_dir
):
    for role in Role:
        user = make.user(role)
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(live_server + "/lang/en?next=/auth/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(Factory.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        # One line: the bar is as tall as one link, and no link wraps inside itself.
        bar = page.locator("nav.navbar").bounding_box()
        assert bar["height"] < 70, (role, bar)
        container = page.locator("nav.navbar > div").bounding_box()
        for link in page.locator("nav.navbar .nav-link:visible").all():
            box = link.bounding_box()
            assert box["height"] < 45, (role, link.inner_text())
            assert box["x"] + box["width"] <= container["x"] + container["width"] + 1, role
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        page.screenshot(path=str(artifacts_dir / f"main-{role.value}-1366.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(artifacts_dir / f"main-{role.value}-390.png"), full_page=True)
        assert width <= 390, (role, width)
        page.get_by_role("button", name="Menu").click()
        assert page.get_by_role("button", name="Sign out").is_visible()
        page.context.clear_cookies()
