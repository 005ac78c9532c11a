"""The kinds of import and the columns each accepts, in the order the upload form lists them."""

from __future__ import annotations

from finplatform.imports.columns import (
    APPLICATION_COLUMNS,
    ENTERPRISE_COLUMNS,
    INSTITUTION_COLUMNS,
    PRODUCT_COLUMNS,
)
from finplatform.imports.credit_columns import CREDIT_RECORD_COLUMNS
from finplatform.imports.loan_columns import REPAYMENT_COLUMNS

COLUMNS = {
    "enterprises": ENTERPRISE_COLUMNS,
    "institutions": INSTITUTION_COLUMNS,
    "products": PRODUCT_COLUMNS,
    "applications": APPLICATION_COLUMNS,
    "credit_records": CREDIT_RECORD_COLUMNS,
    "repayments": REPAYMENT_COLUMNS,
}
