"""The request page's ranked products, recommendations, applications and the products the
request does not qualify for, as ready display values made in one pass.

The page formatted every ranked product's cells through macros and filters (rate and term
ranges, the kind's name, the score) and rendered each of the dozens of products it does not
qualify for through a template block. The cells are made here once per row instead: user text
stays `str` (the template escapes it), made markup (rates, the excluded items) is `Markup`.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

from flask_babel import gettext as _
from markupsafe import Markup, escape

from finplatform.i18n import is_english
from finplatform.products.tables import rate_range_html
from finplatform.rendering import datetime_formatter, id_url, status_badges


def excluded_groups(excluded) -> list[tuple[str, int, Markup]]:
    """(reason, number of products, their list items) of each first rule failed, in the
    reasons' order, of `excluded` ((product row: id, name, institution_name; reason) pairs)."""
    product_url = id_url("deals.product_detail", "product_id")
    groups = []
    for reason, pairs in groupby(sorted(excluded, key=itemgetter(1)), key=itemgetter(1)):
        products = [product for product, _reason in pairs]
        items = Markup(
            "".join(
                f'\n      <li data-product-id="{int(product.id)}">'
                f'<a href="{product_url(product.id)}">{escape(product.name)}</a>'
                f" · {escape(product.institution_name)}</li>\n    "
                for product in products
            )
        )
        groups.append((reason, len(products), items))
    return groups


def ranked_rows(ranked: list[dict], cards: dict, applied: set[int]) -> list[dict]:
    """The cells of each ranked product (items of `ranking_items`) that has a card in `cards`
    (rows of `queries.product_cards`), ranked anew in that order; `applied` holds the products
    the request has applications to."""
    product_url = id_url("deals.product_detail", "product_id")
    english = is_english()
    months = _("%(min)d–%(max)d months")  # translated once, filled in per row
    no_rate = Markup('<span class="no-rate">{}</span>').format(_("No interest"))
    rows = []
    for item in ranked:
        product = cards.get(item["product_id"])
        if product is None:
            continue
        probability = item["probability"]
        rows.append(
            {
                "id": product.id,
                "url": product_url(product.id),
                "rank": len(rows) + 1,
                "name": product.name,
                "applied": product.id in applied,
                "kind": product.kind_en if english else product.kind_zh,
                "institution": product.institution_name,
                "rate": rate_range_html(product.rate_min, product.rate_max, no_rate),
                "term": months % {"min": product.term_min_months, "max": product.term_max_months},
                "score": f"{round(probability * 100.0, 1):.1f}%"
                if probability is not None
                else f"{item['score']:.2f}",
                "reasons": item["reasons"],
                "source": item["source"],
            }
        )
    return rows


def application_rows(applications) -> list[dict]:
    """The cells of each of the request's applications (rows of `queries.request_applications`)."""
    application_url = id_url("deals.application_detail", "application_id")
    product_url = id_url("deals.product_detail", "product_id")
    submitted = datetime_formatter("yyyy-MM-dd HH:mm")
    status = status_badges("application_status")
    return [
        {
            "id": row.id,
            "url": application_url(row.id),
            "product": row.product_name,
            "product_url": product_url(row.product_id),
            "institution": row.institution_name,
            "submitted": submitted(row.submitted_at),
            "status": status(row.status),
        }
        for row in applications
    ]


def recommendation_rows(recommendations) -> list[dict]:
    """The cells of each specialist's recommendation (rows of `queries.recommendations_for`)."""
    product_url = id_url("deals.product_detail", "product_id")
    created = datetime_formatter("yyyy-MM-dd")
    return [
        {
            "product": row.product_name,
            "product_url": product_url(row.product_id),
            "institution": row.institution_name,
            "note": row.note or "",
            "created": created(row.created_at),
        }
        for row in recommendations
    ]
