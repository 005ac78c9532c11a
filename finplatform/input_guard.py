"""Refuse input no database column can hold, before any view sees it.

PostgreSQL text cannot contain NUL characters; a form field, query argument or JSON string
carrying one would otherwise fail deep inside a query. One check here covers every page and
every API operation.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from flask_smorest import abort

NUL = "\x00"
# A JSON body spells NUL as an escape; the raw bytes cover form posts and plain text.
RAW_MARKERS = (b"\x00", b"\\u0000")


def _has_nul() -> bool:
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if NUL in key or NUL in value:
                return True
    if request.content_length and request.mimetype != "multipart/form-data":
        body = request.get_data(cache=True)
        return any(marker in body for marker in RAW_MARKERS)
    return False


def register(app: Flask) -> None:
    """Install the check for every request."""

    @app.before_request
    def refuse_nul_characters():
        if _has_nul():
            abort(400, message=_("Text cannot contain NUL characters (\\u0000)."))
