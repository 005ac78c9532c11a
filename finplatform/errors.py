"""Error pages in the user's language; JSON for API and probe paths."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from finplatform.extensions import db
from finplatform.labels import label
from finplatform.observability.requests import current_request_id

log = logging.getLogger(__name__)

# The title of each status is its label (finplatform/labels, "problem"); here, what it means.
ERROR_DETAILS = {
    400: _l("The request could not be understood. Please check what you sent."),
    401: _l("Send a valid API token as 'Authorization: Bearer <token>'."),
    403: _l("Your account does not have access to this page."),
    404: _l("The page or record you asked for does not exist."),
    405: _l("This page does not accept that kind of request."),
    409: _l("The record changed in the meantime. Reload it and try again."),
    413: _l("The file you sent is larger than the platform accepts."),
    415: _l("Send the request body as application/json."),
    422: _l("Some fields are missing or not valid; see errors."),
    429: _l("You are sending requests too fast. Please wait a moment."),
    500: _l("An unexpected error occurred. It has been logged."),
    503: _l("The platform cannot reach its database right now. Please try again shortly."),
}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/readyz"))


# Seconds a caller is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30


def _without_the_database() -> None:
    """Render the rest of the request as for an anonymous visitor: an error page must not load
    the signed-in user (or anything about them) from a database that may be what failed."""
    g._login_user = current_app.login_manager.anonymous_user()


def render_error(code: int, detail: str | None = None, errors: dict | None = None):
    """The error page (or problem+json for the API) for an HTTP status code.

    A server-side error (5xx) never touches the database: the page is the anonymous one.
    """
    if code >= 500:
        _without_the_database()
    known = code if code in ERROR_DETAILS else (500 if code >= 500 else 400)
    title = label("problem", str(known))
    detail = detail or ERROR_DETAILS[known]
    if _wants_json():
        problem = {
            "type": "about:blank",
            "title": str(title),
            "status": code,
            "detail": str(detail),
            "request_id": current_request_id(),
        }
        if errors:
            problem["errors"] = errors
        response = jsonify(problem)
        response.mimetype = "application/problem+json"
    else:
        page = render_template(
            "errors/error.html",
            code=code,
            title=title,
            detail=detail,
            request_id=current_request_id(),
        )
        response = make_response(page)
    response.status_code = code
    return response


def abandon_transaction() -> None:
    """Roll the request's transaction back; when the connection died with the server (a crash
    mid-commit), drop the session and its connection instead, so the next request starts clean."""
    try:
        db.session.rollback()
    except sa.exc.DBAPIError:
        db.session.invalidate()
        db.session.remove()


# What a request gets when the database is gone, whether before or during its commit.
DATABASE_GONE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def database_unavailable(error: Exception):
    """The 503 page or problem+json, after dropping whatever the request had half-done."""
    log.warning("database unavailable: %s", error)
    abandon_transaction()
    response = render_error(503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    """Install the handlers: HTTP errors, a lost database (503) and anything unexpected (500)."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        data = getattr(error, "data", None) or {}
        # webargs (API validation) leaves the per-field messages in error.data["messages"].
        errors = data.get("messages") or data.get("errors")
        detail = data.get("message")
        response = render_error(error.code, detail=detail, errors=errors)
        if error.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="finplatform"'
        # Keep the headers the error carries (Allow on 405, Retry-After on 429 and 503).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError):
        return render_error(
            400,
            detail=_l(
                "The form expired or did not come from this site. Reload the page and try again."
            ),
        )

    @app.errorhandler(sa.exc.DataError)
    def unstorable_value(error: sa.exc.DataError):
        # A value that passed validation but that the database cannot hold: the caller's
        # input, not the platform, is at fault. Validation should have caught it: logged.
        log.warning("database refused a value on %s %s: %s", request.method, request.path, error)
        abandon_transaction()
        return render_error(400)

    app.register_error_handler(sa.exc.OperationalError, database_unavailable)
    app.register_error_handler(sa.exc.InterfaceError, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        abandon_transaction()
        return render_error(500)
