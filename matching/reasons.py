"""Reasons a person can read: why a product ranks for a firm, in Chinese and English.

Reasons come from feature contributions measured against the average eligible product for the
same request (weight × (value − average)), so they say what sets this product apart. The
weights are the linear stage's (model) or the rule score's (cold start); either way each reason
traces back to one feature and one number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.features import FEATURE_NAMES
from matching.schema import PRODUCT_KINDS


@dataclass(frozen=True)
class Reason:
    """One readable reason for a match, with the feature it comes from and its weight."""

    code: str
    zh: str
    en: str
    contribution: float

    def text(self, lang: str = "zh") -> str:
        """Return the reason in Chinese ("zh") or English ("en")."""
        return self.zh if lang == "zh" else self.en


_KIND_LABELS = {
    "credit_loan": ("信用贷款", "Credit loan"),
    "ip_pledge": ("知识产权质押", "IP pledge"),
    "guarantee_loan": ("担保贷款", "Guaranteed loan"),
    "pledge_loan": ("抵押质押贷款", "Secured loan"),
    "equity_investment": ("股权投资", "Equity investment"),
    "insurance": ("科技保险", "Tech insurance"),
    "other": ("其他融资", "Other financing"),
}

REASON_TEXTS: dict[str, tuple[str, str]] = {
    "amount_fit": (
        "申请金额在产品额度范围内",
        "Requested amount sits well within the product's range",
    ),
    "term_fit": ("申请期限与产品期限匹配", "Requested term matches the product's term range"),
    "rate_headroom": (
        "产品利率低于企业可接受的最高利率",
        "Product rate is below the firm's ceiling",
    ),
    "industry_targeted": ("行业与产品方向一致", "Product targets the firm's industry"),
    "district_targeted": ("产品专门服务企业所在区", "Product serves the firm's district"),
    "community_product": (
        "企业为该信用共同体成员，可申请专属产品",
        "Firm is a member of the credit community behind this product",
    ),
    "little_giant_product": ("科技小巨人专属产品", "Product reserved for tech little giants"),
    "collateral_fit": (
        "抵押要求与企业条件相符",
        "Collateral requirement fits what the firm can offer",
    ),
    "pool_covered": (
        "产品纳入科技型中小企业信用贷款风险保证金覆盖",
        "Covered by the tech SME credit-loan risk guarantee pool",
    ),
    **{
        f"kind_{kind}": (f"{zh}类产品与企业情况相符", f"{en} suits the firm's profile")
        for kind, (zh, en) in _KIND_LABELS.items()
    },
    "inst_log_decisions": (
        "该机构近一年审批经验丰富",
        "Institution decided many applications last year",
    ),
    "inst_approval_rate": (
        "该机构近一年审批通过率高",
        "Institution approved a high share last year",
    ),
    "inst_disbursement_rate": (
        "该机构近一年放款率高",
        "Institution disbursed a high share last year",
    ),
    "inst_approval_rate_industry": (
        "该机构近一年对同行业企业审批通过率高",
        "Institution approved many firms of this industry last year",
    ),
    "inst_approval_rate_district": (
        "该机构近一年对同区企业审批通过率高",
        "Institution approved many firms of this district last year",
    ),
    "inst_approval_rate_size": (
        "该机构近一年对同规模企业审批通过率高",
        "Institution approved many firms of this size last year",
    ),
    "inst_approval_rate_industry_district": (
        "该机构近一年对同区同行业企业审批通过率高",
        "Institution approved many firms of this industry and district last year",
    ),
    "inst_disbursement_rate_industry_district": (
        "该机构近一年对同区同行业企业放款率高",
        "Institution disbursed to many firms of this industry and district last year",
    ),
    "inst_log_share": (
        "该机构在平台获批融资中占比高",
        "Institution grants a large share of the approvals on the platform",
    ),
    "inst_log_share_industry": (
        "该机构在同行业企业获批融资中占比高",
        "Institution grants a large share of this industry's approvals",
    ),
    "inst_log_share_district": (
        "该机构在同区企业获批融资中占比高",
        "Institution grants a large share of this district's approvals",
    ),
    "inst_log_share_industry_district": (
        "该机构在同区同行业企业获批融资中占比高",
        "Institution grants a large share of approvals to this industry in this district",
    ),
    "inst_log_recent_share": (
        "该机构近期获批融资占比高",
        "Institution granted a large share of the recent approvals",
    ),
    "inst_log_recent_share_district": (
        "该机构近期在同区企业获批融资中占比高",
        "Institution granted a large share of this district's recent approvals",
    ),
    "inst_log_share_amount": (
        "该机构常为同等金额的融资放款",
        "Institution often grants loans of about this amount",
    ),
    "inst_log_share_term": (
        "该机构常为同等期限的融资放款",
        "Institution often grants loans of about this term",
    ),
    "inst_log_share_new_firm": (
        "该机构常为同样成立年限的企业放款",
        "Institution often lends to firms as young or as established as this one",
    ),
    "inst_log_share_district_amount": (
        "该机构在本区常为同等金额的融资放款",
        "Institution often grants loans of about this amount in this district",
    ),
    "inst_log_share_district_term": (
        "该机构在本区常为同等期限的融资放款",
        "Institution often grants loans of about this term in this district",
    ),
    "inst_log_share_industry_term": (
        "该机构常为本行业企业发放同等期限的贷款",
        "Institution often grants loans of about this term to firms of this industry",
    ),
    "rel_log_applied": (
        "企业曾向该机构申请融资",
        "The firm has applied to this institution before",
    ),
    "rel_log_borrowed": ("企业曾从该机构获得贷款", "The firm has borrowed from this institution"),
    "rel_colender_share": (
        "与企业现有贷款机构共同服务同一批企业",
        "Lends to the same firms as the firm's own lenders",
    ),
    "product_log_applications": ("该产品近一年申请活跃", "Product was in demand last year"),
    "product_approval_rate": (
        "该产品近一年审批通过率高",
        "Product approved a high share last year",
    ),
}
"""Feature name → (Chinese, English) reason, for a feature *above* average that lifts a product."""

LOW_VALUE_REASON_TEXTS: dict[str, tuple[str, str]] = {
    "rate_level": ("产品利率水平较低", "Product rate is low"),
    "amount_to_max": ("申请金额远低于产品额度上限", "Requested amount is well below the cap"),
}
"""Feature name → reason, for a feature *below* average that lifts a product."""

FALLBACK_REASON = Reason(
    "eligible", "符合产品全部准入条件", "Meets every eligibility rule of the product", 0.0
)
"""Given when no single feature sets the product apart."""

_HIGH = np.array([name in REASON_TEXTS for name in FEATURE_NAMES])
_LOW = np.array([name in LOW_VALUE_REASON_TEXTS for name in FEATURE_NAMES])
_MIN_CONTRIBUTION = 0.05  # smaller lifts are noise, not reasons


def explain(
    features: np.ndarray, weights: np.ndarray, reference: np.ndarray, n_reasons: int = 3
) -> list[list[Reason]]:
    """Return up to ``n_reasons`` reasons per row: the features that lift it most above the
    reference row (weight × (value − reference)), each phrased for the side it lies on."""
    delta = np.atleast_2d(features) - reference
    contribution = delta * weights
    # A phrase must match the side: "rate is low" only for a rate below average, and so on.
    usable = np.where((_HIGH & (delta > 0)) | (_LOW & (delta < 0)), contribution, 0.0)
    order = np.argsort(-usable, axis=1, kind="stable")[:, :n_reasons]
    reasons = []
    for row, columns in enumerate(order):
        picked = []
        for column in columns:
            if usable[row, column] < _MIN_CONTRIBUTION:
                break
            name = FEATURE_NAMES[column]
            zh, en = (REASON_TEXTS if delta[row, column] > 0 else LOW_VALUE_REASON_TEXTS)[name]
            picked.append(Reason(name, zh, en, float(usable[row, column])))
        reasons.append(picked or [FALLBACK_REASON])
    return reasons


def kind_label(kind: int, lang: str = "zh") -> str:
    """Return the readable name of a product kind index."""
    zh, en = _KIND_LABELS[PRODUCT_KINDS[kind]]
    return zh if lang == "zh" else en
