"""The API's documentation page, from assets served by the platform itself (no CDN)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, abort, render_template, send_from_directory

SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
ALLOWED_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"}

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@bp.get("/docs")
def docs():
    """Swagger UI over /api/v1/openapi.json."""
    return render_template("api/docs.html")


@bp.get("/docs/assets/<name>")
def asset(name: str):
    """One of the Swagger UI files shipped in the swagger-ui-bundle package."""
    if name not in ALLOWED_ASSETS:
        abort(404)
    return send_from_directory(SWAGGER_UI_DIR, name, max_age=86400)
