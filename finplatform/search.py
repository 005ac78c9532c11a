"""The name search of the work lists (`?q=`): a firm by its name or its unified social credit
code, a product by its name; and page links that keep every filter of the list in the URL."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, request, url_for

from finplatform.models import Enterprise, Product

MAX_TERM = 60


def search_term() -> str:
    """The list's search text, trimmed (empty when none)."""
    return (request.args.get("q") or "").strip()[:MAX_TERM]


def _contains(column, term: str):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def firm_condition(term: str):
    """Firms whose name contains `term`, or whose credit code is or starts with it."""
    code = term.upper()
    return sa.or_(
        _contains(Enterprise.name, term), Enterprise.credit_code.startswith(code, autoescape=True)
    )


def product_condition(term: str):
    """Products whose name contains `term`."""
    return _contains(Product.name, term)


def list_url(endpoint: str, page: int, **kwargs) -> str:
    """A page of a list, keeping the filters of the current URL (those given override them)."""
    args = {key: value for key, value in request.args.items() if key != "page"}
    args.update(kwargs)
    return url_for(endpoint, page=page, **{k: v for k, v in args.items() if v not in ("", None)})


def register(app: Flask) -> None:
    """Offer `list_url` and the search text to the templates."""
    app.jinja_env.globals["list_url"] = list_url
    app.jinja_env.globals["search_term"] = search_term
