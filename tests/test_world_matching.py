"""The demo world's history teaches the ranking engine something the rule score misses."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from matching import schema
from matching.model import train_model
from seeds.world import decisions, facts, generate_world

# matching.schema has no leasing product or guarantee/leasing/service institution kinds.
_PRODUCT_KIND = {
    kind: kind if kind in schema.PRODUCT_KINDS else "other" for kind in facts.PRODUCT_KINDS
}
_INSTITUTION_KIND = {
    "tech_branch": "tech_branch",
    "bank": "bank",
    "credit_community": "credit_community",
    "guarantee": "guarantee_firm",
    "fund": "fund",
    "insurer": "insurer",
    "leasing": "other",
    "service": "other",
}
EPOCH_OFFSET = (facts.ANCHOR.date() - date(1970, 1, 1)).days


def _engine_tables(world):
    """The world's draws as the engine's arrays (what the platform's adapter will do from rows)."""
    d = world.draws
    firms, inst, products, requests, apps = (
        d["firms"],
        d["institutions"],
        d["products"],
        d["requests"],
        d["applications"],
    )
    kind_index = np.array(
        [schema.PRODUCT_KINDS.index(_PRODUCT_KIND[k]) for k in facts.PRODUCT_KINDS]
    )
    masks = np.zeros(len(requests.firm), dtype=np.int64)
    for bit, index in enumerate(kind_index):
        masks |= np.where((requests.kinds >> bit) & 1, 1 << int(index), 0)
    f = requests.firm
    posted_day = requests.posted_minute // facts.MINUTES_PER_DAY
    engine_requests = schema.Requests(
        id=np.arange(1, len(f) + 1),
        enterprise_id=f + 1,
        amount_yuan=requests.amount,
        term_months=requests.term,
        max_rate=np.where(requests.max_rate > 0, requests.max_rate / 100.0, np.nan),
        accepted_kinds=masks,
        industry=firms.industry[f],
        district=firms.district[f],
        firm_age_years=(posted_day - firms.founded_day[f]) / 365.25,
        employees=firms.employees[f],
        revenue_yuan=firms.revenue[f],
        rd_spend_yuan=firms.rd_spend[f],
        patents=firms.patents[f],
        little_giant=firms.little_giant[f],
        high_tech=firms.high_tech[f],
        credit_rating=firms.rating[f] + 1,
        collateral_offered=requests.collateral > 0,
        communities=firms.communities[f],
        posted_at=posted_day + EPOCH_OFFSET,
    )
    equity = np.isin(np.array(facts.PRODUCT_KINDS)[products.kind], ("equity_investment",))
    engine_products = schema.Products(
        id=np.arange(1, len(products.kind) + 1),
        institution_id=products.institution + 1,
        institution_kind=[
            schema.INSTITUTION_KINDS.index(_INSTITUTION_KIND[inst.kind[i]])
            for i in products.institution
        ],
        kind=kind_index[products.kind],
        amount_min=products.amount_min,
        amount_max=products.amount_max,
        term_min=products.term_min,
        term_max=products.term_max,
        rate_min=np.where(equity, np.nan, products.rate_min / 100.0),
        rate_max=np.where(equity, np.nan, products.rate_max / 100.0),
        collateral_required=products.collateral_required,
        eligible_industries=products.industries,
        eligible_districts=products.districts,
        min_years=products.min_years,
        min_revenue=products.min_revenue,
        little_giant_only=products.little_giant_only,
        members_only_community=np.where(
            products.members_only, inst.community_index[products.institution], -1
        ),
        pool_covered=products.pool_covered,
    )
    # Outcome of each application that was answered or expired unanswered (withdrawn and still
    # pending ones carry no outcome).
    status = apps.status
    approved = apps.approved_amount > 0
    outcome = np.select(
        [
            status == decisions.DISBURSED,
            approved,
            status == decisions.REJECTED,
            status == decisions.EXPIRED,
        ],
        [
            schema.OUTCOME_DISBURSED,
            schema.OUTCOME_APPROVED,
            schema.OUTCOME_REJECTED,
            schema.OUTCOME_IGNORED,
        ],
        -1,
    )
    keep = outcome >= 0
    decided = np.where(
        apps.decided < facts.NEVER, apps.decided, apps.submitted + 30 * facts.MINUTES_PER_DAY
    )
    engine_history = schema.History.from_pairs(
        engine_requests,
        engine_products,
        apps.request[keep],
        apps.product[keep],
        decided[keep] // facts.MINUTES_PER_DAY + EPOCH_OFFSET,
        outcome[keep],
    )
    return engine_requests, engine_products, engine_history


@pytest.mark.slow
def test_a_learned_ranker_beats_the_rule_score_on_the_demo_world():
    requests, products, past = _engine_tables(generate_world("demo", 2014))
    model = train_model(requests, products, past, max_iter=80)
    metrics = model.metadata["metrics"]
    print(
        {
            name: round(metrics[name]["ndcg@10"], 3)
            for name in ("model", "rule", "popularity", "random")
        }
    )
    assert metrics["model"]["requests"] > 200
    # Institutions' appetite for firm sizes and the kind × firm terms (credit loans and cheap
    # lenders want good ratings, IP pledges patents) are invisible to the rule score.
    assert metrics["model"]["ndcg@10"] > metrics["rule"]["ndcg@10"] + 0.01
    assert metrics["model"]["mrr"] > metrics["rule"]["mrr"]
    assert metrics["rule"]["ndcg@10"] > metrics["random"]["ndcg@10"]
