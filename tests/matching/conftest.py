"""Builders for hand-made requests and products, and one trained synthetic world per session."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from matching.model import MatchingModel, train_model
from matching.schema import (
    PRODUCT_KINDS,
    Products,
    Requests,
)
from matching.synthetic import SyntheticWorld, make_world

N_INDUSTRIES = 20
N_DISTRICTS = 16
DAY = 16500

REQUEST_DEFAULTS = {
    "id": 1,
    "enterprise_id": 11,
    "amount_yuan": 2_000_000.0,
    "term_months": 12,
    "max_rate": 6.0,
    "accepted_kinds": 0,
    "industry": 3,
    "district": 5,
    "firm_age_years": 4.0,
    "employees": 60,
    "revenue_yuan": 20_000_000.0,
    "rd_spend_yuan": 2_000_000.0,
    "patents": 6,
    "little_giant": False,
    "high_tech": True,
    "credit_rating": 6,
    "collateral_offered": False,
    "communities": 0,
    "posted_at": DAY,
}

PRODUCT_DEFAULTS = {
    "institution_id": 100,
    "institution_kind": 0,
    "kind": PRODUCT_KINDS.index("credit_loan"),
    "amount_min": 500_000.0,
    "amount_max": 10_000_000.0,
    "term_min": 6,
    "term_max": 36,
    "rate_min": 4.5,
    "rate_max": 6.5,
    "collateral_required": False,
    "industries": (),
    "districts": (),
    "min_years": 0.0,
    "min_revenue": 0.0,
    "little_giant_only": False,
    "members_only_community": -1,
    "pool_covered": False,
}


def build_requests(*overrides: dict) -> Requests:
    """Return requests that pass every default product's rules, each changed by its overrides."""
    rows = [{**REQUEST_DEFAULTS, "id": i + 1, **changes} for i, changes in enumerate(overrides)]
    return Requests.from_rows(rows)


def build_products(*overrides: dict) -> Products:
    """Return products open to the default request, each changed by its overrides."""
    rows = [
        {**PRODUCT_DEFAULTS, "id": 10 * (i + 1), **changes} for i, changes in enumerate(overrides)
    ]
    return Products.from_rows(rows, N_INDUSTRIES, N_DISTRICTS)


@pytest.fixture(scope="session", autouse=True)
def single_openmp_thread():
    """Train with one OpenMP thread: on a busy 2-core machine two threads can stall each other
    at every barrier (10× slower fits), while one thread fits these small sets as fast."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="session")
def world() -> SyntheticWorld:
    """Return the synthetic world shared by the model tests (seeded, about 23k applications)."""
    return make_world(n_requests=2000, n_products=300, n_institutions=40, seed=0)


@pytest.fixture(scope="session")
def trained_model(world: SyntheticWorld) -> MatchingModel:
    """Return a model trained on the whole synthetic world."""
    return train_model(world.requests, world.products, world.history, max_iter=60)
