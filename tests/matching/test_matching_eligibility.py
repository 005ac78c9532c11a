"""Each hard rule excludes a product on its own, with that rule's reason."""

from __future__ import annotations

import numpy as np
import pytest

from matching.eligibility import REASONS_EN, REASONS_ZH, RULES, check_eligibility
from matching.ranker import Ranker
from matching.schema import PRODUCT_KINDS, communities_mask, kinds_mask
from tests.matching.conftest import build_products, build_requests

# Rule name → (request overrides, product overrides) that break that rule and no other.
BREAKERS = {
    "kind": ({"accepted_kinds": kinds_mask(["ip_pledge", "equity_investment"])}, {}),
    "amount": ({"amount_yuan": 20_000_000.0}, {}),
    "term": ({}, {"term_min": 24}),
    "industry": ({}, {"industries": (1, 2)}),
    "district": ({}, {"districts": (0, 15)}),
    "community": ({"communities": communities_mask([2])}, {"members_only_community": 4}),
    "min_years": ({}, {"min_years": 5.0}),
    "min_revenue": ({}, {"min_revenue": 50_000_000.0}),
    "little_giant": ({}, {"little_giant_only": True}),
    "rate": ({"max_rate": 4.0}, {}),
}


def test_every_rule_has_a_breaker_and_reasons_in_both_languages():
    assert {rule.name for rule in RULES} == set(BREAKERS)
    assert len({rule.code for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert REASONS_ZH[rule.code] and REASONS_EN[rule.code]
    assert REASONS_ZH[RULES[1].code] == "申请金额不在产品额度范围内"


def test_default_request_and_product_are_eligible():
    result = check_eligibility(build_requests({}), build_products({}), 0)
    assert result.mask.tolist() == [True]
    assert result.failed_rule.tolist() == [0]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_product_failing_exactly_one_rule_is_excluded_with_that_reason(rule):
    request_changes, product_changes = BREAKERS[rule.name]
    requests = build_requests(request_changes)
    # The open product stays eligible, so the request change itself breaks only this rule.
    products = build_products({"id": 1}, {"id": 2, **product_changes})
    if not product_changes:
        products = build_products({"id": 1, **_opening(rule.name)}, {"id": 2})

    result = check_eligibility(requests, products, 0)
    assert result.mask.tolist() == [True, False]
    assert result.failed_rule.tolist() == [0, rule.code]
    assert result.reason(rule.code) == rule.zh

    ranked = Ranker(products).rank(requests, top_k=5)
    assert ranked.product_ids.tolist() == [1]
    assert ranked.excluded_product_ids.tolist() == [2]
    assert ranked.excluded_reasons("zh") == [rule.zh]
    assert ranked.excluded_reasons("en") == [rule.en]


def _opening(rule_name: str) -> dict:
    """Return product changes that let a request-side breaker through on the control product."""
    return {
        "kind": {"kind": PRODUCT_KINDS.index("ip_pledge")},
        "amount": {"amount_max": 50_000_000.0},
        "rate": {"rate_min": 3.5},
    }[rule_name]


def test_first_failing_rule_is_reported_when_several_fail():
    requests = build_requests({"amount_yuan": 20_000_000.0})
    products = build_products({"little_giant_only": True, "min_years": 9.0})
    result = check_eligibility(requests, products, 0)
    assert result.failed_rule.tolist() == [RULES[1].code]  # amount comes before age and flags


def test_open_bounds_and_missing_rates_do_not_exclude():
    requests = build_requests({"max_rate": np.nan}, {"max_rate": 3.0})
    products = build_products(
        {"rate_min": 9.0},  # no ceiling on request 0
        {"kind": PRODUCT_KINDS.index("equity_investment"), "rate_min": np.nan},
        {"amount_max": np.nan, "term_max": np.nan},
    )
    result = check_eligibility(requests, products)
    assert result.mask.tolist() == [[True, True, True], [False, True, False]]


def test_member_of_the_community_is_eligible():
    requests = build_requests({"communities": communities_mask([1, 4])})
    products = build_products({"members_only_community": 4}, {"members_only_community": 62})
    assert check_eligibility(requests, products, 0).mask.tolist() == [True, False]


def test_many_requests_match_one_at_a_time():
    requests = build_requests(
        {},
        {"industry": 1, "amount_yuan": 600_000.0},
        {"district": 15, "little_giant": True, "accepted_kinds": kinds_mask(["ip_pledge"])},
    )
    products = build_products(
        {},
        {"industries": (1,)},
        {"districts": (15,), "little_giant_only": True, "kind": PRODUCT_KINDS.index("ip_pledge")},
        {"kind": PRODUCT_KINDS.index("ip_pledge"), "amount_min": 1_000_000.0},
    )
    many = check_eligibility(requests, products)
    assert many.mask.shape == (3, 4)
    for row in range(3):
        one = check_eligibility(requests, products, row)
        assert np.array_equal(many.mask[row], one.mask)
        assert np.array_equal(many.failed_rule[row], one.failed_rule)
    assert many.mask.tolist() == [
        [True, False, False, True],
        [True, True, False, False],
        [False, False, True, True],
    ]
