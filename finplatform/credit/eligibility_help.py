"""What would make a firm eligible: for each product a request is excluded from, one
suggestion per failing eligibility rule — the nearest value that passes it.

The rules are the engine's (`matching.eligibility.rule_checks`, applied to the same tables the
ranking reads), so a product listed here is exactly one the ranking leaves out; the nearest
passing value is read from the product's terms. Where the firm cannot change what failed (its
district or industry) the suggestion says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from flask import render_template
from flask_babel import gettext as _

from finplatform.access import get_visible_or_404
from finplatform.models import FinancingRequest, Product
from finplatform.money import format_amount
from finplatform.ranking.tables import (
    catalogue,
    categories,
    community_index,
    products_table,
    request_table,
)
from matching.eligibility import RULES, rule_checks


@dataclass(frozen=True)
class Suggestion:
    """One failing rule: why, what would pass it, and whether the firm can change it."""

    rule: str
    reason: str
    suggestion: str
    changeable: bool


@dataclass(frozen=True)
class Excluded:
    """A product the request cannot be offered, with a suggestion per failing rule."""

    product: Product
    suggestions: list[Suggestion]

    @property
    def changeable(self) -> bool:
        """Whether the firm can do something about every rule that failed."""
        return all(s.changeable for s in self.suggestions)


def _years_later(founded: date, years: int) -> date:
    try:
        return founded.replace(year=founded.year + years)
    except ValueError:  # 29 February
        return founded.replace(year=founded.year + years, day=28)


def suggest(rule: str, request: FinancingRequest, product: Product) -> tuple[str, bool]:
    """The nearest passing value of one failing rule, and whether the firm can reach it."""
    if rule == "kind":
        return _(
            "Add 「%(kind)s」 to the kinds of financing you accept", kind=product.kind.name_zh
        ), True
    if rule == "amount":
        if request.amount_yuan > product.amount_max_yuan:
            return _(
                "Lower the amount to %(amount)s or less",
                amount=format_amount(product.amount_max_yuan),
            ), True
        return _(
            "Raise the amount to at least %(amount)s", amount=format_amount(product.amount_min_yuan)
        ), True
    if rule == "term":
        if request.term_months > product.term_max_months:
            return _("Shorten the term to %(n)d months or less", n=product.term_max_months), True
        return _("Lengthen the term to at least %(n)d months", n=product.term_min_months), True
    if rule == "industry":
        return _(
            "The product does not serve your industry; this cannot be changed by the request"
        ), False
    if rule == "district":
        return _(
            "The product does not serve your district; this cannot be changed by the request"
        ), False
    if rule == "community":
        return _(
            "Join the credit community of %(name)s to apply", name=product.institution.name
        ), True
    if rule == "min_years":
        founded = request.enterprise.founded_on
        if founded is None:
            return _(
                "Record your founding date: the product asks for %(n)d years in business",
                n=product.min_years,
            ), True
        day = _years_later(founded, product.min_years)
        return _(
            "You may apply once in business for %(n)d years (%(month)s)",
            n=product.min_years,
            month=day.strftime("%Y-%m"),
        ), True
    if rule == "min_revenue":
        return _(
            "You may apply once annual revenue reaches %(amount)s",
            amount=format_amount(product.min_revenue_yuan),
        ), True
    if rule == "little_giant":
        return _(
            "Only for confirmed tech little giants: you may apply once the designation is "
            "confirmed by public-credit records"
        ), True
    if rule == "rate":
        return _(
            "Raise the highest rate you accept to at least %(rate)s%%",
            rate=f"{product.rate_min.normalize():f}",
        ), True
    raise ValueError(rule)


def excluded_products(
    request: FinancingRequest, products: list[Product] | None = None
) -> list[Excluded]:
    """Every active product the request is excluded from, with what would make it eligible."""
    products = catalogue() if products is None else products
    if not products:
        return []
    cats = categories()
    communities = community_index(products)
    checks = rule_checks(
        request_table(request, cats, communities), products_table(products, cats, communities), 0
    )
    passed = np.column_stack([np.broadcast_to(check, (len(products),)) for check in checks])
    found = []
    for product, row in zip(products, passed, strict=True):
        failing = [rule for rule, ok in zip(RULES, row.tolist(), strict=True) if not ok]
        if not failing:
            continue
        suggestions = []
        for rule in failing:
            text, changeable = suggest(rule.name, request, product)
            suggestions.append(Suggestion(rule.name, rule.zh, text, changeable))
        found.append(Excluded(product, suggestions))
    return found


def eligibility_page(request_id: int) -> str:
    """The page of the products a request the user may see is excluded from, and what would
    make it eligible (the firm's and the specialist's view are the same page)."""
    financing_request = get_visible_or_404(FinancingRequest, request_id)
    return render_template(
        "enterprise/eligibility.html",
        financing_request=financing_request,
        excluded=excluded_products(financing_request),
    )
