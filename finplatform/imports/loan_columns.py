"""The columns of the repayments import (`repayment_writing`): the loan by its number, the day
it was paid, the amount, and the institution's transaction number (流水号)."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

from finplatform.imports.columns import INSTITUTION_REF, Column, day, money, text


def loan_number(value, lookups) -> int:
    """A loan's number as the platform shows it: 12, #12, 贷款 #12 or an Excel number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.fullmatch(r"(?:贷款|借据|loan)?\s*#?\s*0*(\d{1,12})", cleaned, re.IGNORECASE)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            _(
                "“%(value)s” is not a loan number (write it as the loan's page shows it, e.g. 12).",
                value=str(value),
            )
        )
    return int(match.group(1))


REPAYMENT_COLUMNS = (
    Column(
        "loan_id",
        ("贷款编号", "借据号", "借据编号", "贷款号", "loan", "loan_id", "loan_number"),
        loan_number,
        required=True,
    ),
    Column("paid_on", ("还款日期", "还款日", "paid_on", "repaid_on"), day, required=True),
    Column("amount_yuan", ("还款金额", "金额", "amount", "repaid"), money, True, money=True),
    Column(
        "reference",
        ("流水号", "交易流水号", "业务流水号", "还款流水号", "reference", "transaction_id"),
        text(64),
    ),
    *INSTITUTION_REF,
)
