"""Error pages in the user's language; JSON for API and probe paths."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from finplatform.extensions import db

log = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please check what you sent."),
    ),
    403: (_l("Access denied"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("The page or record you asked for does not exist.")),
    405: (_l("Method not allowed"), _l("This page does not accept that kind of request.")),
    413: (_l("Upload too large"), _l("The file you sent is larger than the platform accepts.")),
    429: (_l("Too many requests"), _l("You are sending requests too fast. Please wait a moment.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged.")),
    503: (
        _l("Service temporarily unavailable"),
        _l("The platform cannot reach its database right now. Please try again shortly."),
    ),
}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/readyz"))


def render_error(code: int):
    """The error page (or problem+json for the API) for an HTTP status code."""
    title, detail = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    if _wants_json():
        response = jsonify(title=str(title), status=code, detail=str(detail))
        response.mimetype = "application/problem+json"
    else:
        page = render_template("errors/error.html", code=code, title=title, detail=detail)
        response = make_response(page)
    response.status_code = code
    return response


def register(app: Flask) -> None:
    """Install the handlers: HTTP errors, a lost database (503) and anything unexpected (500)."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code)
        # Keep the headers the error carries (Allow on 405, Retry-After on 429 and 503).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(error: Exception):
        log.warning("database unavailable: %s", error)
        db.session.rollback()
        return render_error(503)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
