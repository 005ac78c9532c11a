"""The inbox's and the demand pool's rows as ready display values, made in one pass.

Their pages used to load each row as objects (the application with its firm, product and
request; the request with its firm, district and industry) and format every cell through a
template filter or macro call. The queries now select the shown columns only, and each row's
cells are made here once: user text stays `str` (the template escapes it), the made markup
(money, badges) is `Markup`.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from jinja2.filters import do_truncate

from finplatform.i18n import is_english
from finplatform.money import money_html
from finplatform.rendering import datetime_formatter, id_url, status_badges


def inbox_rows(rows) -> list[dict]:
    """The inbox's cells of each row of `queries.inbox`."""
    application_url = id_url("deals.application_detail", "application_id")
    product_url = id_url("deals.product_detail", "product_id")
    respond_by = datetime_formatter("yyyy-MM-dd HH:mm")
    status = status_badges("application_status")
    return [
        {
            "id": row.id,
            "url": application_url(row.id),
            "firm": row.firm,
            "product": row.product,
            "product_url": product_url(row.product_id),
            "amount": money_html(row.amount_yuan),
            "respond_by": respond_by(row.respond_by) if row.respond_by else "—",
            "status": status(row.status),
        }
        for row in rows
    ]


def pool_rows(rows, offered: set[int]) -> list[dict]:
    """The demand pool's cells of each row of `queries.pool`; `offered` holds the requests that
    already have our open offer."""
    request_url = id_url("deals.request_detail", "request_id")
    offer_url = id_url("institution.make_offer", "request_id")
    english = is_english()
    months = _("%(n)d months")  # translated once, filled in per row
    environment = current_app.jinja_env
    return [
        {
            "id": row.id,
            "url": request_url(row.id),
            "offer_url": None if row.id in offered else offer_url(row.id),
            "firm": row.firm,
            "district": row.district_en if english else row.district_zh,
            "industry": row.industry_en if english else row.industry_zh,
            "amount": money_html(row.amount_yuan),
            "term": months % {"n": row.term_months},
            "purpose": do_truncate(environment, row.purpose, 60),
        }
        for row in rows
    ]
