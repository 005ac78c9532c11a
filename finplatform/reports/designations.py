"""A firm's confirmed designation (认定类型) as a report breakdown: one per firm, so that the
breakdown's rows add up to its total, the highest it holds of 科技小巨人, 高新技术企业 and
科技型中小企业, or 未认定. Confirmed flags only (credit/confirmation.py), never the firm's own
claim, read from the attribute history as at the event (measures.py joins it); a firm stored
without history is 未认定."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.models import FirmAttributes

# Key → (Chinese name, English name), highest first.
DESIGNATIONS = {
    "little_giant": ("科技小巨人", "Tech little giant"),
    "high_tech": ("高新技术企业", "High-tech enterprise"),
    "tech_sme": ("科技型中小企业", "Tech SME"),
    "unconfirmed": ("未认定", "Not confirmed"),
}


def _key(value: str) -> sa.ColumnElement[str]:
    return sa.literal_column(f"'{value}'", sa.String)


DESIGNATION = sa.case(
    (FirmAttributes.little_giant_confirmed.is_(True), _key("little_giant")),
    (FirmAttributes.high_tech_confirmed.is_(True), _key("high_tech")),
    (FirmAttributes.tech_sme_confirmed.is_(True), _key("tech_sme")),
    else_=_key("unconfirmed"),
)
"""The designation of the FirmAttributes row joined (NULL, no row: 未认定)."""
