"""The product list's rows as ready display values, made in one pass.

The list used to load each product as an object with its kind and format every cell through a
template filter or macro (amounts, term range, rate range, yes/no, status label). Its query now
selects the shown columns only (`list_query`) and each row's cells are made here once: the
product's name stays `str` (the template escapes it), made markup (money, rates) is `Markup`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from finplatform.i18n import is_english
from finplatform.labels import label
from finplatform.models import Product, ProductKind
from finplatform.money import format_number, money_html
from finplatform.rendering import id_url


def rate_range_html(rate_min, rate_max, no_rate: Markup) -> Markup:
    """A product's rate range (`no_rate` when it charges no interest)."""
    if not rate_min and not rate_max:
        return no_rate
    low, high = escape(format_number(rate_min)), escape(format_number(rate_max))
    return Markup(f'<span class="text-nowrap">{low}–{high}%</span>')


def list_query(visible_condition: sa.ColumnElement[bool]) -> sa.Select:
    """The columns the product list shows of the products `visible_condition` lets through."""
    return (
        sa.select(
            Product.id,
            Product.name,
            ProductKind.name_zh.label("kind_zh"),
            ProductKind.name_en.label("kind_en"),
            Product.amount_min_yuan,
            Product.amount_max_yuan,
            Product.term_min_months,
            Product.term_max_months,
            Product.rate_min,
            Product.rate_max,
            Product.pool_covered,
            Product.status,
        )
        .outerjoin(ProductKind, ProductKind.code == Product.kind_code)
        .where(visible_condition)
    )


def product_rows(rows) -> list[dict]:
    """The product list's cells of each row of `list_query`."""
    product_url = id_url("deals.product_detail", "product_id")
    edit_url = id_url("products.edit", "product_id")
    retire_url = id_url("products.retire", "product_id")
    reactivate_url = id_url("products.reactivate", "product_id")
    english = is_english()
    months = _("%(min)d–%(max)d months")  # translated once, filled in per row
    no_rate = Markup('<span class="no-rate">{}</span>').format(_("No interest"))
    yes, no = _("Yes"), _("No")
    publish, reactivate = _("Publish"), _("Reactivate")
    return [
        {
            "name": row.name,
            "url": product_url(row.id),
            "kind": row.kind_en if english else row.kind_zh,
            "amount": Markup(
                f"{money_html(row.amount_min_yuan)} – {money_html(row.amount_max_yuan)}"
            ),
            "term": months % {"min": row.term_min_months, "max": row.term_max_months},
            "rate": rate_range_html(row.rate_min, row.rate_max, no_rate),
            "pool": yes if row.pool_covered else no,
            "status": row.status.value,
            "status_label": label("product_status", row.status.value),
            "edit_url": edit_url(row.id),
            "retire_url": retire_url(row.id),
            "reactivate_url": reactivate_url(row.id),
            "reactivate": publish if row.status.value == "draft" else reactivate,
        }
        for row in rows
    ]
