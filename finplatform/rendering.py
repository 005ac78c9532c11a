"""Cheaper template helpers for the busiest pages, with the same output as Flask-Babel's.

Profiling the work lists showed two per-call costs that add up on a page of 20 rows:

- each `_()` in a template asked Flask-Babel for the request's translations afresh (three
  context lookups and a domain lookup, about 25 µs), and a page makes 40-80 such calls. The
  translations are looked up once per request and locale here instead;
- `|datetimeformat('yyyy-MM-dd HH:mm')` went through Babel's pattern formatter (about 55 µs).
  The numeric patterns the templates use are formatted with strftime after the same
  conversion to the user's time zone; any other pattern still goes to Flask-Babel;
- the role's main menu (a dozen macro calls, each with `url_for` and `_()`) was rendered on
  every page. It depends only on the role, an institution's standing and kind, the language,
  the page's endpoint and the application's root, so each worker renders it once per such key
  (`main_menu`);
- the confirmation dialog with its list of confirmed routes (`_confirm_dialog.html`, every route
  pattern and its text) was built on every page from the whole URL map. It depends only on
  the language and the application's root, so it too is rendered once per worker and key
  (`confirm_dialog`);
- an application's or request's status badge (a macro building its colour table and asking
  Flask-Babel for the label) is made once per worker, status and language (`status_badge`);
- a 20-row table built the same link with `url_for` on every row (about 15 µs each, two or
  three links a row). `id_url` builds it once per page and puts each row's id in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app, g, render_template, request, url_for
from flask_babel import (
    format_datetime,
    get_locale,
    get_timezone,
    get_translations,
    to_user_timezone,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape

from finplatform import clock
from finplatform.i18n import is_english
from finplatform.labels import label

NUMERIC_PATTERNS = {
    "yyyy-MM-dd": "%Y-%m-%d",
    "yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M",
    "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S",
}


def request_translations():
    """The translations of the request's locale, looked up once per request and locale."""
    locale = get_locale()
    cached = g.get("_finplatform_translations")
    if cached is None or cached[0] is not locale:
        cached = (locale, get_translations())
        g._finplatform_translations = cached
    return cached[1]


@pass_context
def template_gettext(context, text: str, **variables) -> str:
    """`_()` of the templates: Jinja's own (newstyle) gettext with its two indirections through
    the template context left out; same text, same escaping."""
    # The page's translations come with its context (`register`); a macro imported without
    # context asks for them.
    translations = context.get("request_translations") or request_translations()
    translated = translations.ugettext(text)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def datetime_format(value, pattern_name: str | None = None) -> str:
    """`datetimeformat` with the numeric patterns formatted directly (same text as Babel's)."""
    pattern = NUMERIC_PATTERNS.get(pattern_name)
    if pattern is None or not isinstance(value, datetime):
        return format_datetime(value, pattern_name)
    return to_user_timezone(value).strftime(pattern)


def datetime_formatter(pattern_name: str) -> Callable[[datetime], str]:
    """`datetime_format` with one of the numeric patterns and the user's time zone asked once:
    for the rows of a table."""
    pattern = NUMERIC_PATTERNS[pattern_name]
    zone = get_timezone()

    def formatted(value: datetime) -> str:
        if not isinstance(value, datetime):
            return format_datetime(value, pattern_name)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return zone.normalize(value.astimezone(zone)).strftime(pattern)

    return formatted


def beijing_time(value: datetime | str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """An instant (stored in UTC, or its ISO text) as Beijing wall-clock time (to the minute
    unless another strftime pattern is given)."""
    if not value:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:  # SQLite hands stored instants back without their zone
        instant = instant.replace(tzinfo=UTC)
    return clock.beijing(instant).strftime(pattern)


FRAGMENT_CACHE_SIZE = 4096
"""Rendered fragments a worker keeps (roles × endpoints × languages stays far below)."""


def cached_fragment(template: str, key: tuple, **context) -> Markup:
    """`template` rendered once per worker and `key` (which must hold all it depends on,
    `context` included)."""
    fragments = current_app.extensions.setdefault("finplatform_fragments", {})
    full_key = (template, *key)
    fragment = fragments.get(full_key)
    if fragment is None:
        if len(fragments) >= FRAGMENT_CACHE_SIZE:
            fragments.clear()
        fragment = fragments[full_key] = Markup(render_template(template, **context))
    return fragment


def main_menu() -> Markup:
    """The signed-in user's main menu (`_nav_main.html`), rendered once per worker and key."""
    if not current_user.is_authenticated:
        return Markup("")
    role = current_user.role.value
    institution = current_user.institution if role == "institution" else None
    key = (
        role,
        institution.is_approved if institution is not None else None,
        institution.kind_code if institution is not None else None,
        str(get_locale()),
        request.endpoint,
        request.script_root,
    )
    return cached_fragment("_nav_main.html", key)


ACCOUNT_NAME = Markup("\x00account-name\x00")
UNREAD_BADGE = Markup("\x00unread-badge\x00")
CSRF_TOKEN = Markup("\x00csrf-token\x00")
"""Stand-ins in the cached account menu for what each user and session has of their own."""
UNREAD = Markup(
    '<span class="badge rounded-pill text-bg-warning" id="unread-count" title="{}">{}</span>'
)


def account_menu(unread: int) -> Markup:
    """The signed-in user's account menu (`_nav_account.html`): rendered once per worker,
    language, page and application root, with the user's name, unread count and the
    session's CSRF token put in."""
    key = (str(get_locale()), request.endpoint, request.script_root)
    fragment = cached_fragment(
        "_nav_account.html",
        key,
        account_name=ACCOUNT_NAME,
        unread_badge=UNREAD_BADGE,
        csrf=CSRF_TOKEN,
    )
    translations = request_translations()
    badge = UNREAD.format(Markup(translations.ugettext("Unread")), unread) if unread else ""
    return Markup(
        fragment.replace(ACCOUNT_NAME, escape(current_user.name))
        .replace(UNREAD_BADGE, badge)
        .replace(CSRF_TOKEN, escape(generate_csrf()))
    )


def static_links(template: str) -> Markup:
    """The stylesheet or script links of every page (`_head_links.html`, `_foot_scripts.html`),
    rendered once per worker and application root."""
    return cached_fragment(template, (request.script_root,))


def confirm_dialog() -> Markup:
    """The confirmation dialog of a signed-in page (`_confirm_dialog.html`), rendered once per
    worker, language and application root."""
    if not current_user.is_authenticated:
        return Markup("")
    return cached_fragment("_confirm_dialog.html", (str(get_locale()), request.script_root))


BADGE_COLOURS = {
    "application_status": {
        "submitted": "info",
        "in_review": "primary",
        "awaiting_firm": "warning",
        "approved": "success",
        "rejected": "danger",
        "disbursed": "success",
        "withdrawn": "secondary",
        "expired": "secondary",
    },
    "request_status": {"open": "success"},
}
"""Bootstrap colour of each status's badge (secondary when not listed)."""


def status_badge(enumeration: str, status) -> Markup:
    """A status badge (`<span class="badge …" data-status="…">label</span>`), made once per
    worker, enumeration, status and language."""
    return status_badges(enumeration)(status)


def status_badges(enumeration: str) -> Callable[[object], Markup]:
    """`status_badge` of one enumeration in the request's language, asked once: for the
    rows of a table."""
    key = (enumeration, is_english())
    badges = current_app.extensions.setdefault("finplatform_badges", {})
    return lambda status: badges.get((*key, status.value)) or _made_badge(badges, *key, status)


def _made_badge(badges: dict, enumeration: str, english: bool, status) -> Markup:
    key = (enumeration, english, status.value)
    badge = badges.get(key)
    if badge is None:
        colour = BADGE_COLOURS[enumeration].get(status.value, "secondary")
        badge = badges[key] = Markup(
            '<span class="badge text-bg-{}" data-status="{}">{}</span>'
        ).format(colour, status.value, label(enumeration, status))
    return badge


def select_options(options, selected) -> Markup:
    """The `<option>`s of a filter's drop-down (`options`: (value, text) pairs), `selected`
    marked: the same markup as a template loop, without its cost per option (the demand
    pool's two filters list about 90)."""
    chosen = str(selected)
    return Markup(
        "".join(
            f'<option value="{escape(value)}" {"selected" if str(value) == chosen else ""}>'
            f"{escape(text)}</option>"
            for value, text in options
        )
    )


ID_MARKER = 9_876_543_210_123
"""A stand-in id no route or row holds, replaced by each row's id in `id_url`'s links."""


def id_url(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """`url_for(endpoint, **values)` with each row's integer `name` (the rows of a table), built
    once and the id put in: the same link as url_for's, without its cost per row."""
    head, _marker, tail = url_for(endpoint, **values, **{name: ID_MARKER}).partition(str(ID_MARKER))
    return lambda identifier: f"{head}{int(identifier)}{tail}"


def register(app: Flask) -> None:
    """Install the cheaper `_`/`ngettext` callables and `datetimeformat` filter (after Babel)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: request_translations().ugettext(text),
        ngettext=lambda one, many, n: request_translations().ungettext(one, many, n),
        newstyle=True,
        pgettext=lambda context, text: request_translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: request_translations().unpgettext(
            context, one, many, n
        ),
    )
    app.jinja_env.globals["_"] = template_gettext
    app.context_processor(lambda: {"request_translations": request_translations()})
    app.jinja_env.filters["datetimeformat"] = datetime_format
    app.jinja_env.filters["beijing_time"] = beijing_time
    app.jinja_env.globals["main_menu"] = main_menu
    app.jinja_env.globals["confirm_dialog"] = confirm_dialog
    app.jinja_env.globals["account_menu"] = account_menu
    app.jinja_env.globals["static_links"] = static_links
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["select_options"] = select_options
    app.jinja_env.globals["status_badge"] = status_badge
