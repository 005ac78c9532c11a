"""Showing amounts the way the plan states them: 元, 万元 and 亿元, with the exact yuan beside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup, escape

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def to_decimal(amount) -> Decimal:
    """A Decimal from an int, str or Decimal; floats are refused (money is never a float)."""
    if isinstance(amount, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    return amount if isinstance(amount, Decimal) else Decimal(amount)


def _trim(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_yuan_exact(amount) -> str:
    """The exact amount in yuan with fen: ¥20,000,000,000.00."""
    value = to_decimal(amount)
    return f"¥{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def format_amount(amount, unit: str | None = None) -> str:
    """An amount in the unit a reader expects: 亿元 from 1亿, 万元 from 1万, else 元.

    `unit` forces one of "元", "万元", "亿元".
    """
    value = to_decimal(amount)
    magnitude = abs(value)
    if unit is None:
        unit = "亿元" if magnitude >= YI else "万元" if magnitude >= WAN else "元"
    if unit == "亿元":
        return f"{_trim(value / YI, 4)}亿元"
    if unit == "万元":
        return f"{_trim(value / WAN, 2)}万元"
    if unit == "元":
        return f"{_trim(value, 2)}元"
    raise ValueError(f"unknown unit {unit!r}")


def money_html(amount, unit: str | None = None) -> Markup:
    """The amount in 万元/亿元 with the exact yuan shown on hover."""
    if amount is None:
        return Markup("—")
    shown = format_amount(amount, unit)
    exact = format_yuan_exact(amount)
    # An f-string of escaped parts: Markup.format's formatter cost more than the rest of the
    # call, and the busiest lists show two or three amounts a row.
    return Markup(f'<span class="money" title="{escape(exact)}">{escape(shown)}</span>')


def format_number(value) -> str:
    """A Decimal without trailing zeros or exponent: 200.0000 → 200, 1000 → 1,000."""
    if value is None:
        return "—"
    value = to_decimal(value)
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def plain_decimal(value) -> Decimal:
    """The same number without trailing zeros, for a form field: 15000.0000 → 15000."""
    return Decimal(format_number(value).replace(",", ""))


def register(app: Flask) -> None:
    """Template filters `money`, `yuan` and `amount`."""
    app.add_template_filter(money_html, "money")
    app.add_template_filter(format_yuan_exact, "yuan")
    app.add_template_filter(format_amount, "amount")
    app.add_template_filter(format_number, "normalize_number")
    app.jinja_env.globals["current_locale"] = get_locale
