"""Walk a signed-in user's pages as a person would: from the home page, every link and every
choice of a filter form, one page per URL rule, tab and filter state.

`walk()` returns the pages seen, with the foreign words (`tests/visible_text.py`) on each, and
the files the pages link to (exports), for the export test to open.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from werkzeug.exceptions import HTTPException

from tests.visible_text import foreign_words, visible_text

# Links that leave the walk: signing out, switching language, static files, the API itself.
SKIPPED = re.compile(r"^/(static/|auth/logout|lang/|api/v1/|api/docs/|metrics)")
_CODE_VALUE = re.compile(r"^[a-z][a-z_]*$")


@dataclass
class Walk:
    """What a walk saw: page URL → foreign words, broken links, exports linked to."""

    pages: dict[str, list[str]] = field(default_factory=dict)
    broken: dict[str, int] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # URL → the page that links to it

    def findings(self) -> dict[str, list[str]]:
        return {url: words for url, words in self.pages.items() if words}


class _Links(HTMLParser):
    """The links of a page: anchors, and one URL per option of each GET form's drop-downs."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.urls: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.urls.append(urljoin(self.base, attrs["href"]))
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            action = urljoin(self.base, attrs.get("action") or self.base)
            self._form = {"action": action.split("?")[0], "fields": {}, "choices": {}}
        elif self._form is None:
            return
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form["choices"][self._select] = []
        elif tag == "option" and self._select:
            self._form["choices"][self._select].append(attrs.get("value") or "")
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in {"submit"}:
            self._form["fields"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            defaults = {**form["fields"], **dict.fromkeys(form["choices"], "")}
            self.urls.append(_with_query(form["action"], defaults))
            for name, values in form["choices"].items():
                for value in values:
                    self.urls.append(_with_query(form["action"], {**defaults, name: value}))


def _with_query(action: str, values: dict) -> str:
    query = urlencode({k: v for k, v in values.items() if v != ""})
    return f"{action}?{query}" if query else action


def page_state(app, url: str) -> tuple:
    """The walk visits one page per URL rule and state: record ids, numbers, months and free
    text collapse to one state; tab and filter codes (`?status=open`) stay apart."""
    parts = urlsplit(url)
    try:
        endpoint, _ = app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        endpoint = parts.path
    query = tuple(
        sorted(
            (key, value if _CODE_VALUE.match(value) else "*")
            for key, value in parse_qsl(parts.query)
            if key != "page"
        )
    )
    return endpoint, query


def walk(app, client, start: str = "/", allowed: frozenset = frozenset()) -> Walk:
    """Visit every page reachable from `start` by the signed-in client, once per state."""
    result = Walk()
    queue = deque([start])
    states = {page_state(app, start)}
    while queue:
        url = queue.popleft()
        response = client.get(url, follow_redirects=True)
        response.close()  # a file download streams from an open file until closed
        if response.status_code != 200:
            result.broken[url] = response.status_code
            continue
        if response.mimetype != "text/html":
            result.exports.setdefault(url, url)
            continue
        html = response.get_data(as_text=True)
        result.pages[url] = foreign_words(visible_text(html), allowed)
        links = _Links(response.request.path)
        links.feed(html)
        for link in links.urls:
            parts = urlsplit(link)
            if parts.netloc not in {"", "localhost"} or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIPPED.match(parts.path):
                continue
            state = page_state(app, target)
            if state not in states:
                states.add(state)
                queue.append(target)
    return result
