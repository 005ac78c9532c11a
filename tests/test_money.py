"""Amounts shown as 元 / 万元 / 亿元, never through a float."""

from decimal import Decimal

import pytest

from finplatform.money import format_amount, format_number, format_yuan_exact, money_html


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("20000000000"), "200亿元"),
        (Decimal("10000000000"), "100亿元"),
        (Decimal("123456789"), "1.2346亿元"),
        (Decimal("5000000"), "500万元"),
        (Decimal("12345.67"), "1.23万元"),
        (Decimal("9999.99"), "9,999.99元"),
        (Decimal("0"), "0元"),
        (Decimal("-30000"), "-3万元"),
        (3_000_000, "300万元"),
        ("150000000000", "1,500亿元"),
    ],
)
def test_amount_takes_the_unit_a_reader_expects(amount, shown):
    assert format_amount(amount) == shown


def test_a_unit_can_be_forced():
    assert format_amount(Decimal("20000000000"), "万元") == "2,000,000万元"
    assert format_amount(Decimal("5000000"), "亿元") == "0.05亿元"
    with pytest.raises(ValueError, match="unknown unit"):
        format_amount(1, "美元")


def test_exact_yuan_keeps_fen():
    assert format_yuan_exact(Decimal("20000000000")) == "¥20,000,000,000.00"
    assert format_yuan_exact(Decimal("0.005")) == "¥0.01"


def test_floats_are_refused():
    with pytest.raises(TypeError, match="float"):
        format_amount(0.1)


def test_html_shows_exact_amount_on_hover_and_escapes():
    html = str(money_html(Decimal("5000000")))
    assert html == '<span class="money" title="¥5,000,000.00">500万元</span>'
    assert str(money_html(None)) == "—"


def test_number_without_trailing_zeros():
    assert format_number(Decimal("200.0000")) == "200"
    assert format_number(Decimal("15000")) == "15,000"
    assert format_number(Decimal("0.5000")) == "0.5"
