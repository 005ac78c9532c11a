"""Total cost of borrowing, for comparing products side by side.

Convention: simple annual interest on the full amount for the whole term
(amount × rate% × months / 12, no amortisation or compounding) plus one-off fees
(amount × fee_rate%). It compares products fairly; it is not a repayment schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from finplatform.models import Product

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MONTHS_PER_YEAR = Decimal(12)


def borrowing_cost(amount: Decimal, term_months: int, rate: Decimal, fee_rate: Decimal) -> Decimal:
    """Interest over the term plus fees, in yuan, rounded to the fen."""
    interest = amount * rate / HUNDRED * Decimal(term_months) / MONTHS_PER_YEAR
    fees = amount * fee_rate / HUNDRED
    return (interest + fees).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostRange:
    """The cost of borrowing at a product's lowest and highest rate."""

    fees: Decimal
    at_rate_min: Decimal
    at_rate_max: Decimal


def product_cost(product: Product, amount: Decimal, term_months: int) -> CostRange:
    """The cost of borrowing `amount` for `term_months` from `product`, at both ends of its rate."""
    fee_rate = product.fee_rate or Decimal(0)
    return CostRange(
        fees=(amount * fee_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP),
        at_rate_min=borrowing_cost(amount, term_months, product.rate_min, fee_rate),
        at_rate_max=borrowing_cost(amount, term_months, product.rate_max, fee_rate),
    )
