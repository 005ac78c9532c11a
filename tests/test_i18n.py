"""Chinese by default, English on request, and every UI string translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from finplatform.models import Role

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "finplatform/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_home_page_speaks_chinese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "科技金融对接服务平台" in page
    assert "English" in page  # the switch is offered


def test_english_switch_is_remembered_across_pages(client):
    response = client.get("/lang/en?next=/auth/login")
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page and "登录" not in page
    assert "中文" in page  # and the way back
    client.get("/lang/zh_Hans_CN")
    assert "登录" in client.get("/auth/login").get_data(as_text=True)


def test_signed_in_users_keep_their_language(client, make, login, db):
    user = make.user(Role.SPECIALIST)
    login(user)
    client.get("/lang/en")
    db.session.refresh(user)
    assert user.locale == "en"


def test_unknown_language_and_foreign_next_are_ignored(client):
    response = client.get("/lang/fr?next=https://evil.example.com/")
    assert response.headers["Location"] == "/"
    assert "科技金融对接服务平台" in client.get("/").get_data(as_text=True)


def test_every_message_in_the_code_has_a_chinese_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    method_map = [
        ("finplatform/**.py", "python"),
        ("finplatform/templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    in_code = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(ROOT, method_map, keywords=keywords)
    }
    missing = sorted(in_code - translated)
    assert missing == [], f"untranslated: {missing} (run make extract-messages, then translate)"
