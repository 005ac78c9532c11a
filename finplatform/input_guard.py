"""Refuse input no database column can hold, before any view sees it.

PostgreSQL text cannot contain NUL characters, and no UTF-8 text can hold a lone surrogate
(`"\ud800"` is valid JSON but names no character); a form field, query argument or JSON string
carrying one would otherwise fail deep inside a query. One check here covers every page and
every API operation.
"""

from __future__ import annotations

import json
import re

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


# A JSON escape of a surrogate code point; only then is the body parsed and looked through.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_surrogate(value) -> bool:
    if isinstance(value, str):
        return SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_surrogate(k) or _holds_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_surrogate(item) for item in value)
    return False


def _has_lone_surrogate() -> bool:
    if not request.content_length or request.mimetype == "multipart/form-data":
        return False
    body = request.get_data(cache=True)
    if not SURROGATE_ESCAPE.search(body):
        return False
    try:
        # Pairs decode to one character; a lone half stays a surrogate.
        return _holds_surrogate(json.loads(body))
    except ValueError:
        return False  # not JSON: the view's own parsing answers it


def register(app: Flask) -> None:
    """Install the check for every request."""

    @app.before_request
    def refuse_nul_characters():
        if _has_nul():
            abort(400, message=_("Text cannot contain NUL characters (\\u0000)."))
        if _has_lone_surrogate():
            abort(400, message=_("Text cannot contain a lone surrogate (\\ud800–\\udfff)."))
