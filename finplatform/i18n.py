"""Language: Chinese by default, English on request, remembered in the session."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from finplatform.credit_code import InvalidCreditCode
from finplatform.extensions import db
from finplatform.redirects import safe_next

LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The session's choice, then the user's saved choice, else Chinese (also outside requests,
    e.g. command-line tools and jobs)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # API callers choose with Accept-Language; sessions play no part there.
        return request.accept_languages.best_match(languages) or languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_english() -> bool:
    """Whether the current request speaks English (else Chinese)."""
    locale = get_locale()  # its language code, not str(locale): called per row on busy pages
    return locale is not None and locale.language == "en"


def credit_code_message(error: InvalidCreditCode) -> str:
    """The credit code error in the current language."""
    return error.message("en" if is_english() else "zh")


def localized_name(record) -> str:
    """`name_en` in English, else `name_zh`, for reference rows that carry both."""
    return record.name_en if is_english() else record.name_zh


def format_timestamp(value) -> str:
    """A timestamp in the platform's time zone (Asia/Shanghai), to the minute."""
    if value is None:
        return "—"
    return format_datetime(value, "yyyy-MM-dd HH:mm")


def register(app: Flask) -> None:
    """The language switch route and template globals."""

    @app.route("/lang/<code>")
    def set_language(code: str):
        if code in app.config["LANGUAGES"]:
            session["lang"] = code
            if current_user.is_authenticated:
                current_user.locale = code
                db.session.flush()
        return redirect(safe_next(request.args.get("next"), url_for("main.index")))

    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.add_template_filter(localized_name, "localized")
    app.add_template_filter(format_timestamp, "datetime")
