"""What numbers the database's columns hold, and the check every input path makes against it.

Money is `Numeric(18, 2)`, rates `Numeric(7, 4)` and counts 32-bit integers: a number beyond
them (1e30 yuan, a billion patents) or one that is not a number at all (NaN, Infinity) is
refused on its field with a message in the reader's language, by forms (`forms_support`), the
API (`api.schemas`) and imports alike, instead of failing in the database.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from finplatform.models.base import Money, Rate
from finplatform.routing import MAX_ID

TOO_LARGE = _l("This number is too large.")
NOT_A_NUMBER = _l("Please enter a number.")


def _largest(column) -> Decimal:
    return Decimal(10) ** (column.precision - column.scale) - Decimal(1).scaleb(-column.scale)


# The largest magnitude by decimal places: 2 places are money, 4 are rates.
LARGEST_DECIMAL = {Money.scale: _largest(Money), Rate.scale: _largest(Rate)}
LARGEST_INTEGER = MAX_ID


def largest_for(places: int | None) -> Decimal:
    """The largest magnitude a decimal with `places` places may have (money by default)."""
    return LARGEST_DECIMAL.get(places, LARGEST_DECIMAL[Money.scale])


def out_of_range(value, places: int | None = None):
    """None when `value` fits its column, else the message saying why it does not.

    Integers are held to the 32-bit range; decimals (with `places` places) to their column's.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return TOO_LARGE if abs(value) > LARGEST_INTEGER else None
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return NOT_A_NUMBER
    if not number.is_finite():
        return NOT_A_NUMBER
    return TOO_LARGE if abs(number) > largest_for(places) else None
