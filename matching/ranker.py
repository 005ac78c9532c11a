"""The ranking facade: one call from a financing request to ranked products with reasons.

``Ranker`` holds the product catalogue prepared once (product-side arrays, history index) and,
optionally, a trained ``MatchingModel``. Without a model it ranks by the rule score and says so
(``source == "rule"``); probabilities are then unknown (nan) rather than invented.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from matching.eligibility import RULES_BY_CODE, check_eligibility
from matching.features import ProductTable, request_features
from matching.history import InstitutionHistory
from matching.model import MatchingModel
from matching.reasons import Reason, explain
from matching.rules import RULE_WEIGHT_VECTOR, rule_scores
from matching.schema import History, Products, Requests

SOURCE_MODEL = "model"
SOURCE_RULE = "rule"


@dataclass
class RankedProducts:
    """Ranked products for one request, with scores, probabilities, reasons and exclusions."""

    request_id: int
    source: str  # "model" or "rule"
    model_version: str | None
    product_ids: np.ndarray  # best first
    scores: np.ndarray  # model: calibrated probability 0..1; rule: rule score
    probabilities: np.ndarray  # approval probability in %, nan under the rule score
    reasons: list[list[Reason]]
    n_eligible: int
    excluded_product_ids: np.ndarray = field(repr=False)
    excluded_rules: np.ndarray = field(repr=False)  # rule code per excluded product

    def excluded_reasons(self, lang: str = "zh") -> list[str]:
        """Return the reason each excluded product was left out, aligned with its id."""
        texts = {
            code: (rule.zh if lang == "zh" else rule.en) for code, rule in RULES_BY_CODE.items()
        }
        return [texts[int(code)] for code in self.excluded_rules]

    def as_dicts(self, lang: str = "zh") -> list[dict]:
        """Return the ranked products as plain dicts (rank from 1), ready for JSON."""
        return [
            {
                "rank": position + 1,
                "product_id": int(product_id),
                "score": float(self.scores[position]),
                "probability_pct": (
                    None
                    if np.isnan(self.probabilities[position])
                    else round(float(self.probabilities[position]), 1)
                ),
                "reasons": [reason.text(lang) for reason in self.reasons[position]],
                "source": self.source,
            }
            for position, product_id in enumerate(self.product_ids)
        ]


class Ranker:
    """Ranks a product catalogue for financing requests: eligibility, features, score, reasons."""

    def __init__(
        self,
        products: Products,
        history: History | InstitutionHistory | None = None,
        model: MatchingModel | None = None,
        *,
        window_days: int | None = 365,
    ):
        """Prepare the catalogue; ``history`` feeds institution rates, ``model`` the scores.

        A model's own history window overrides ``window_days``, so that serving computes the
        history features exactly as training did.
        """
        if model is not None and "training_window" in model.metadata:
            window_days = model.metadata["training_window"]["history_window_days"]
        if isinstance(history, History) or history is None:
            history = InstitutionHistory(
                history if history is not None else History.empty(), window_days=window_days
            )
        elif history.window_days != window_days and model is not None:
            raise ValueError(
                f"history index window {history.window_days} days, model trained with {window_days}"
            )
        self.table = ProductTable(products, history)
        self.model = model

    @property
    def source(self) -> str:
        """Return "model" when a trained model scores, "rule" for the rule-score fallback."""
        return SOURCE_MODEL if self.model is not None else SOURCE_RULE

    def rank(
        self,
        request: Requests,
        top_k: int = 10,
        *,
        row: int = 0,
        as_of: int | None = None,
        n_reasons: int = 3,
    ) -> RankedProducts:
        """Rank the catalogue for the request at ``row`` of ``request``; return the best top_k.

        History counts up to the day before ``as_of`` (default: the request's posting day).
        """
        products = self.table.products
        eligibility = check_eligibility(request, products, row)
        eligible = np.flatnonzero(eligibility.mask)
        excluded = np.flatnonzero(~eligibility.mask)
        features = request_features(self.table, request, row, eligible, cutoff=as_of)
        if self.model is not None:
            picked, probability = self.model.cascade(features, top_k)
            scores = probability
            probabilities = probability * 100.0
            weights = self.model.weights
            version = self.model.version
        else:
            rule = rule_scores(features)
            k = min(top_k, len(eligible))
            picked = np.argpartition(-rule, k - 1)[:k] if 0 < k < len(rule) else np.arange(k)
            picked = picked[np.argsort(-rule[picked], kind="stable")]
            scores = rule[picked]
            probabilities = np.full(len(picked), np.nan)
            weights = RULE_WEIGHT_VECTOR
            version = None
        if len(eligible):
            # Reasons say what sets a product apart from the average eligible one.
            reasons = explain(features[picked], weights, features.mean(axis=0), n_reasons)
        else:
            reasons = []
        return RankedProducts(
            request_id=int(request.id[row]),
            source=self.source,
            model_version=version,
            product_ids=products.id[eligible[picked]],
            scores=scores,
            probabilities=probabilities,
            reasons=reasons,
            n_eligible=len(eligible),
            excluded_product_ids=products.id[excluded],
            excluded_rules=eligibility.failed_rule[excluded],
        )

    def rank_many(
        self, requests: Requests, top_k: int = 10, *, n_threads: int = 1, n_reasons: int = 3
    ) -> list[RankedProducts]:
        """Rank the catalogue for every request; numpy releases the GIL, so threads help."""

        def one(row: int) -> RankedProducts:
            return self.rank(requests, top_k, row=row, n_reasons=n_reasons)

        if n_threads <= 1:
            return [one(row) for row in range(len(requests))]
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            return list(pool.map(one, range(len(requests))))
