"""Hard eligibility rules (准入条件) over request × product pairs, vectorised.

A product that fails a rule is never ranked for the request; the first failing rule, in the
order of ``RULES``, is reported so the firm and its specialist can see why it was left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.schema import MAX_COMMUNITIES, PRODUCT_KINDS, Products, Requests


@dataclass(frozen=True)
class Rule:
    """One hard eligibility rule with its reason in Chinese and English."""

    code: int
    name: str
    zh: str
    en: str


ELIGIBLE = 0
RULES: tuple[Rule, ...] = (
    Rule(1, "kind", "产品类型不在企业可接受的融资方式内", "Product kind not accepted by the firm"),
    Rule(2, "amount", "申请金额不在产品额度范围内", "Requested amount outside the product's range"),
    Rule(3, "term", "申请期限不在产品期限范围内", "Requested term outside the product's range"),
    Rule(
        4, "industry", "企业所属行业不在产品支持范围内", "Firm's industry not served by the product"
    ),
    Rule(
        5, "district", "企业所在区不在产品服务区域内", "Firm's district not served by the product"
    ),
    Rule(
        6,
        "community",
        "产品仅面向信用共同体成员企业",
        "Product reserved for members of a credit community",
    ),
    Rule(7, "min_years", "企业成立年限低于产品要求", "Firm younger than the product requires"),
    Rule(8, "min_revenue", "企业营业收入低于产品要求", "Firm revenue below the product's minimum"),
    Rule(9, "little_giant", "产品仅面向科技小巨人企业", "Product reserved for tech little giants"),
    Rule(
        10,
        "rate",
        "产品最低利率高于企业可接受的最高利率",
        "Product's lowest rate above the firm's rate ceiling",
    ),
)
"""The hard rules, in the order they are checked; codes are stable and never reused."""

RULES_BY_CODE: dict[int, Rule] = {rule.code: rule for rule in RULES}
REASONS_ZH: dict[int, str] = {rule.code: rule.zh for rule in RULES}
"""Rule code → Chinese reason."""
REASONS_EN: dict[int, str] = {rule.code: rule.en for rule in RULES}
"""Rule code → English reason."""


@dataclass(frozen=True)
class EligibilityResult:
    """Which products each request may be offered, and the first rule each other one fails."""

    mask: np.ndarray  # bool, (products,) for one request or (requests, products)
    failed_rule: np.ndarray  # int8 rule code, 0 where eligible

    def reason(self, code: int, lang: str = "zh") -> str:
        """Return the reason text of a rule code in Chinese ("zh") or English ("en")."""
        rule = RULES_BY_CODE[int(code)]
        return rule.zh if lang == "zh" else rule.en


def rule_checks(requests: Requests, products: Products, row: int | np.ndarray) -> list[np.ndarray]:
    """Return one pass/fail array per rule in ``RULES`` order, broadcast over products.

    ``row`` is one request position (arrays of shape (products,)) or a column of positions of
    shape (n, 1) (arrays of shape (n, products)).
    """
    # Bitmask tests become lookups: which kinds (communities) each request accepts (belongs to),
    # as a small (requests, kinds) table, gathered by product kind (community).
    kinds = np.reshape(requests.accepted_kinds[row], (-1, 1))
    accepts = (kinds == 0) | (((kinds >> np.arange(len(PRODUCT_KINDS))) & 1) == 1)
    pairs_shape = (len(products),) if np.ndim(row) == 0 else (-1, len(products))
    kind_ok = accepts[:, products.kind].reshape(pairs_shape)

    amount = requests.amount_yuan[row]
    amount_ok = (products.amount_min <= amount) & (amount <= products.amount_max)
    term = requests.term_months[row]
    term_ok = (products.term_min <= term) & (term <= products.term_max)

    # Gathering category rows gives (products,) for one request, (n, products) for a column.
    industry = np.reshape(requests.industry[row], -1)
    district = np.reshape(requests.district[row], -1)
    industry_allowed = products.industry_columns[industry].reshape(np.shape(kind_ok))
    district_allowed = products.district_columns[district].reshape(np.shape(kind_ok))
    industry_ok = ~products.industries_restricted | industry_allowed
    district_ok = ~products.districts_restricted | district_allowed

    community = products.members_only_community
    member_bits = np.reshape(requests.communities[row], (-1, 1))
    member_of = ((member_bits >> np.arange(MAX_COMMUNITIES)) & 1) == 1
    community_ok = (community < 0) | member_of[:, np.maximum(community, 0)].reshape(pairs_shape)

    years_ok = requests.firm_age_years[row] >= products.min_years
    revenue_ok = np.nan_to_num(requests.revenue_yuan[row], nan=0.0) >= products.min_revenue
    giant_ok = ~products.little_giant_only | requests.little_giant[row]

    # nan comparisons are False, so a missing ceiling or a rate-free product must be let through.
    ceiling = requests.max_rate[row]
    rate_ok = ~(products.rate_min > ceiling)
    return [
        kind_ok,
        amount_ok,
        term_ok,
        industry_ok,
        district_ok,
        community_ok,
        years_ok,
        revenue_ok,
        giant_ok,
        rate_ok,
    ]


def check_eligibility(
    requests: Requests, products: Products, row: int | np.ndarray | None = None
) -> EligibilityResult:
    """Apply every hard rule to one request (``row`` an int) or many (all rows when None)."""
    if row is None:
        row = np.arange(len(requests))
    if np.ndim(row) == 0:
        positions: int | np.ndarray = int(row)
    else:
        positions = np.asarray(row, dtype=np.intp)[:, None]
    checks = rule_checks(requests, products, positions)
    shape = np.broadcast_shapes(*(np.shape(check) for check in checks))
    # Walk the rules last to first, so the first failing rule's code is the one left standing.
    failed = np.zeros(shape, dtype=np.int8)
    for rule, ok in zip(RULES[::-1], checks[::-1], strict=True):
        failed = np.where(ok, failed, np.int8(rule.code))
    return EligibilityResult(mask=failed == ELIGIBLE, failed_rule=failed)


def eligible_mask(
    requests: Requests, products: Products, row: int | np.ndarray | None = None
) -> np.ndarray:
    """Return only the eligibility mask of ``check_eligibility`` (no failed-rule codes).

    Naming the first failing rule costs one pass per rule over every excluded pair, about ten
    times the mask itself; batch ranking that keeps no exclusions skips it.
    """
    if row is None:
        row = np.arange(len(requests))
    positions = int(row) if np.ndim(row) == 0 else np.asarray(row, dtype=np.intp)[:, None]
    checks = rule_checks(requests, products, positions)
    shape = np.broadcast_shapes(*(np.shape(check) for check in checks))
    mask = np.ones(shape, dtype=bool)
    for ok in checks:
        mask &= ok
    return mask
