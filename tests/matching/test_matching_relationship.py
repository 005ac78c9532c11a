"""Relationship and affinity features: hand-counted values, and no decision on or after the
request's day ever counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching.affinity import AFFINITY_GROUPS
from matching.features import FEATURE_INDEX, ProductTable, pair_features, request_features
from matching.history import InstitutionHistory
from matching.relationship import RELATIONSHIP_FEATURES
from matching.schema import History

A, B, C = 1, 2, 3  # institutions


def _history(rows: list[tuple]) -> History:
    """rows: (firm, institution, day, outcome, amount band, term band, new firm)."""
    columns = list(zip(*rows, strict=True))
    n = len(rows)
    return History(
        request_id=np.arange(n),
        product_id=np.array(columns[1]) * 10,
        institution_id=np.array(columns[1]),
        industry=np.zeros(n),
        district=np.zeros(n),
        size_band=np.zeros(n),
        decided_at=np.array(columns[2]),
        outcome=np.array(columns[3]),
        enterprise_id=np.array(columns[0]),
        amount_band=np.array(columns[4]),
        term_band=np.array(columns[5]),
        new_firm=np.array(columns[6]),
    )


# Firm 7 borrowed from A on day 10 and was rejected by B on day 20; firm 8 borrowed from A on
# day 5 and from C on day 12; firm 9 applied to C on day 3 and nobody answered.
RELATIONS = _history(
    [
        (7, A, 10, 3, -1, -1, -1),
        (7, B, 20, 1, -1, -1, -1),
        (8, A, 5, 3, -1, -1, -1),
        (8, C, 12, 3, -1, -1, -1),
        (9, C, 3, 0, -1, -1, -1),
    ]
)


def _relations(firm: int, day: int) -> dict[str, np.ndarray]:
    index = InstitutionHistory(RELATIONS, window_days=None)
    rows = index.institution_rows(np.array([A, B, C]))
    return index.relationship.features(firm, rows, day)


def test_firm_history_counts_applications_loans_and_rejections_before_the_day():
    later = _relations(7, 30)
    assert later["rel_log_applied"].tolist() == pytest.approx([math.log(2), math.log(2), 0.0])
    assert later["rel_log_borrowed"].tolist() == pytest.approx([math.log(2), 0.0, 0.0])
    assert later["rel_log_rejected"].tolist() == pytest.approx([0.0, math.log(2), 0.0])
    assert later["rel_firm_log_applications"].tolist() == pytest.approx([math.log(3)] * 3)
    # On day 20 the rejection is not yet known (decided that very day), on day 10 nor the loan.
    on_20 = _relations(7, 20)
    assert on_20["rel_log_rejected"].tolist() == [0.0, 0.0, 0.0]
    on_10 = _relations(7, 10)
    for name in RELATIONSHIP_FEATURES:
        assert on_10[name].tolist() == [0.0, 0.0, 0.0], name


def test_co_lenders_are_institutions_lending_to_the_same_firms():
    # Firm 7's lender A also lent to firm 8, who borrowed from C (pair dated day 12): C is all
    # of A's co-lending, B none (it only rejected). Before day 13 the pair does not exist yet.
    assert _relations(7, 13)["rel_colender_share"].tolist() == [0.0, 0.0, 1.0]
    assert _relations(7, 12)["rel_colender_share"].tolist() == [0.0, 0.0, 0.0]
    # A firm with no lender yet, or one the history never saw, has no co-lenders.
    assert _relations(9, 30)["rel_colender_share"].tolist() == [0.0, 0.0, 0.0]
    assert _relations(404, 30)["rel_log_applied"].tolist() == [0.0, 0.0, 0.0]


def test_affinity_is_the_share_of_approvals_in_the_request_band():
    # A approved three small loans (band 10), B one large one (band 14), all before day 10.
    history = _history(
        [
            (1, A, 1, 3, 10, 2, 1),
            (2, A, 2, 3, 10, 2, 0),
            (3, A, 3, 2, 10, 2, 0),
            (4, B, 4, 3, 14, 6, 0),
        ]
    )
    index = InstitutionHistory(history, window_days=None)
    rows = index.institution_rows(np.array([A, B]))
    bands = {"amount": 10, "term": 6, "new_firm": 1}
    shares = index.institution_rates(rows, 0, 0, 0, 10, bands)
    # Overall shares: 3 and 1 of 4 approvals, shrunk by 5 towards an equal split of 2.
    overall = np.array([(3 + 2.5) / 9, (1 + 2.5) / 9])
    assert np.exp(shares["inst_log_share"]) == pytest.approx(overall)
    # Small loans: A made all three; B none.
    assert np.exp(shares["inst_log_share_amount"]) == pytest.approx(
        (np.array([3, 0]) + 5 * overall) / (3 + 5)
    )
    assert np.exp(shares["inst_log_share_term"]) == pytest.approx(
        (np.array([0, 1]) + 5 * overall) / (1 + 5)
    )
    assert np.exp(shares["inst_log_share_new_firm"]) == pytest.approx(
        (np.array([1, 0]) + 5 * overall) / (1 + 5)
    )
    # Every loan here is in district 0 and industry 0, whose term-6 band is key 0 × 8 + 6: the
    # term shares within the district and within the industry count the same single loan of B.
    local = index.institution_rates(
        rows, 0, 0, 0, 10, {**bands, "district_term": 6, "industry_term": 6}
    )
    for group in ("district_term", "industry_term"):
        assert np.exp(local[f"inst_log_share_{group}"]) == pytest.approx(
            (np.array([0, 1]) + 5 * overall) / (1 + 5)
        )
    # On day 2 only A's first loan is known, and A is the only institution known (split of 1).
    early = index.institution_rates(rows, 0, 0, 0, 2, bands)
    early_overall = np.array([(1 + 5) / 6, (0 + 5) / 6])
    assert np.exp(early["inst_log_share_amount"]) == pytest.approx(
        (np.array([1, 0]) + 5 * early_overall) / (1 + 5)
    )


NEW_COLUMNS = [
    FEATURE_INDEX[name]
    for name in (
        *RELATIONSHIP_FEATURES,
        *(f"inst_log_share_{group}" for group in AFFINITY_GROUPS),
    )
]


def test_new_features_ignore_decisions_on_or_after_the_request_day(world):
    history = world.history
    repeated = np.flatnonzero(
        np.isin(world.requests.enterprise_id, history.enterprise_id)
        & (world.requests.posted_at > np.quantile(world.requests.posted_at, 0.6))
    )
    rows = repeated[:40]
    products = np.arange(len(rows)) * 7 % len(world.products)
    table = ProductTable(world.products, InstitutionHistory(history, window_days=365))
    full = pair_features(table, world.requests, rows, products)[:, NEW_COLUMNS]
    moved = 0
    for i, row in enumerate(rows):
        posted = world.requests.posted_at[row]
        past = history.take(np.flatnonzero(history.decided_at < posted))
        alone = pair_features(
            ProductTable(world.products, InstitutionHistory(past, window_days=365)),
            world.requests,
            [row],
            [products[i]],
        )[0, NEW_COLUMNS]
        np.testing.assert_allclose(full[i], alone)
        # Turning every later decision into a loan from this product changes nothing either.
        future = history.take(np.arange(len(history)))
        later = future.decided_at >= posted
        future.outcome = np.where(later, 3, future.outcome)
        future.product_id = np.where(later, world.products.id[products[i]], future.product_id)
        future.institution_id = np.where(
            later, world.products.institution_id[products[i]], future.institution_id
        )
        future.enterprise_id = np.where(
            later, world.requests.enterprise_id[row], future.enterprise_id
        )
        again = pair_features(
            ProductTable(world.products, InstitutionHistory(future, window_days=365)),
            world.requests,
            [row],
            [products[i]],
        )[0, NEW_COLUMNS]
        np.testing.assert_allclose(again, alone)
        moved += bool(np.any(alone[: len(RELATIONSHIP_FEATURES)] != 0))
    assert moved > 0  # the check can fail: some of these firms have a past


def test_one_request_path_agrees_with_pairs_on_the_new_features(world):
    row = int(
        np.flatnonzero(np.isin(world.requests.enterprise_id, world.history.enterprise_id))[-1]
    )
    table = ProductTable(world.products, world.history)
    one = request_features(table, world.requests, row)[:, NEW_COLUMNS]
    products = np.arange(len(world.products))
    pairs = pair_features(table, world.requests, np.full(len(products), row), products)
    np.testing.assert_allclose(one, pairs[:, NEW_COLUMNS])


def test_loss_rates_count_only_defaults_known_before_the_day():
    # Institution A lent four times to industry 0 and once to industry 1, B twice (industry 0);
    # A's loan of day 2 was known as defaulted on day 50.
    loans = [(1, A, 1), (2, A, 2), (3, A, 3), (4, A, 4), (5, A, 5), (6, B, 1), (7, B, 2)]
    history = _history([(firm, inst, day, 3, -1, -1, -1) for firm, inst, day in loans])
    history.industry[4] = 1
    history.defaulted_at[1] = 50
    index = InstitutionHistory(history, window_days=None)
    inst = index.institution_rows(np.array([A, B]))

    def rates(day: int) -> dict[str, np.ndarray]:
        return index.institution_rates(inst, 0, 0, 0, day)

    # Day 50: seven loans, no default known yet: A's 5 and B's 2 loans pull towards the
    # overall rate, itself pulled towards 5 %.
    overall = (0 + 20 * 0.05) / (7 + 20)
    before = rates(50)
    assert before["inst_loss_rate"] == pytest.approx(
        [20 * overall / (5 + 20), 20 * overall / (2 + 20)]
    )
    # Day 51: one default among seven; A: 1 of 5; A with industry 0: 1 of 4.
    overall = (1 + 20 * 0.05) / (7 + 20)
    a_rate = (1 + 20 * overall) / (5 + 20)
    b_rate = (0 + 20 * overall) / (2 + 20)
    after = rates(51)
    assert after["inst_loss_rate"] == pytest.approx([a_rate, b_rate])
    assert after["inst_loss_rate_industry"] == pytest.approx(
        [(1 + 20 * a_rate) / (4 + 20), (0 + 20 * b_rate) / (2 + 20)]
    )
