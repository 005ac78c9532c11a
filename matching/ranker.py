"""The ranking facade: one call from a financing request to ranked products with reasons.

``Ranker`` holds the product catalogue prepared once (product-side arrays, history index) and,
optionally, a trained ``MatchingModel``. Without a model it ranks by the rule score and says so
(``source == "rule"``); probabilities are then unknown (nan) rather than invented.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from matching.eligibility import RULES_BY_CODE, check_eligibility, eligible_mask
from matching.features import ProductTable, block_features, request_features
from matching.history import InstitutionHistory
from matching.model import MatchingModel
from matching.reasons import Reason, explain
from matching.rules import RULE_WEIGHT_VECTOR, rule_scores
from matching.schema import History, Products, Requests

SOURCE_MODEL = "model"
SOURCE_RULE = "rule"
DEFAULT_BLOCK_SIZE = 32
"""Requests per block of ``Ranker.rank_batch``: big enough to amortise numpy's per-call cost,
small enough that a block's feature matrix (eligible pairs × features) stays in the tens of MB."""


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Return the rows of the ``k`` highest scores, best first, ties in row order."""
    n = len(scores)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    picked = np.sort(np.argpartition(-scores, k - 1)[:k]) if k < n else np.arange(n)
    return picked[np.argsort(-scores[picked], kind="stable")]


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
            picked = top_rows(rule, top_k)
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
        """Rank the catalogue for every request (``rank_batch`` with its default block size)."""
        return self.rank_batch(requests, top_k, n_threads=n_threads, n_reasons=n_reasons)

    def rank_batch(
        self,
        requests: Requests,
        top_k: int = 10,
        *,
        as_of: int | np.ndarray | None = None,
        n_reasons: int = 3,
        block_size: int = DEFAULT_BLOCK_SIZE,
        n_threads: int = 1,
        with_exclusions: bool = True,
    ) -> list[RankedProducts]:
        """Rank the catalogue for every request, a block of requests at a time; same results
        as ``rank`` request by request.

        Per block: eligibility of every request × product as one set of (requests, products)
        masks, features of all eligible pairs in one pass (``block_features``), the linear
        stage as one matrix product, the boosted re-ranker once over the concatenated top
        slices of all requests, reasons for all picked rows at once. ``as_of`` is one day or
        one per request (default: each request's posting day). Blocks run on ``n_threads``
        threads: numpy and the tree walk release the GIL inside each call, and a block's calls
        work on tens of thousands of pairs, so on the 2-core machine with both cores idle two
        threads rank 400 requests against 20,000 products in 0.85 s where one takes 1.26 s
        (``bench/bench_matching.py --idle-runs``, lean mode). Two forked worker processes did
        worse than two threads (1.24 s against 0.99 s in one such comparison): each child pays
        a page fault on every fresh page it writes and pickles its results back.
        ``with_exclusions=False`` leaves
        ``excluded_product_ids`` / ``excluded_rules`` empty and skips naming the rule each
        excluded product fails, which costs more than the eligibility mask itself (a nightly
        batch that stores only the top matches does not need it).
        """
        n = len(requests)
        if as_of is not None:
            as_of = np.broadcast_to(np.asarray(as_of, dtype=np.int64), (n,))
        blocks = [np.arange(start, min(start + block_size, n)) for start in range(0, n, block_size)]

        def one(rows: np.ndarray) -> list[RankedProducts]:
            cutoffs = None if as_of is None else as_of[rows]
            return self._rank_block(requests, rows, top_k, cutoffs, n_reasons, with_exclusions)

        if n_threads <= 1 or len(blocks) <= 1:
            ranked = [one(rows) for rows in blocks]
        else:
            with ThreadPoolExecutor(max_workers=n_threads) as pool:
                ranked = list(pool.map(one, blocks))
        return [result for block in ranked for result in block]

    def _rank_block(
        self,
        requests: Requests,
        rows: np.ndarray,
        top_k: int,
        cutoffs: np.ndarray | None,
        n_reasons: int,
        with_exclusions: bool,
    ) -> list[RankedProducts]:
        """Rank the products for the requests at ``rows`` (one block of ``rank_batch``)."""
        products = self.table.products
        if with_exclusions:
            eligibility = check_eligibility(requests, products, rows)
            mask = eligibility.mask
        else:
            mask = eligible_mask(requests, products, rows)
        pair_request, pair_product = np.nonzero(mask)
        counts = np.bincount(pair_request, minlength=len(rows))
        starts = np.concatenate(([0], np.cumsum(counts)))
        features = block_features(self.table, requests, rows, pair_request, pair_product, cutoffs)
        slices = [slice(starts[i], starts[i + 1]) for i in range(len(rows))]
        if self.model is not None:
            linear = self.model.linear_scores(features)
            heads = [
                starts[i] + self.model.cascade_head(linear[part], top_k)
                for i, part in enumerate(slices)
            ]
            head_starts = np.concatenate(([0], np.cumsum([len(head) for head in heads])))
            all_heads = np.concatenate(heads) if heads else np.zeros(0, dtype=np.intp)
            probability = self.model.approval_probability(features[all_heads])
            picks, scores = [], []
            for i, head in enumerate(heads):
                mine = probability[head_starts[i] : head_starts[i + 1]]
                order = np.argsort(-mine, kind="stable")[: min(top_k, len(head))]
                picks.append(head[order])
                scores.append(mine[order])
            weights = self.model.weights
            version = self.model.version
        else:
            rule = rule_scores(features)
            picks = [starts[i] + top_rows(rule[part], top_k) for i, part in enumerate(slices)]
            scores = [rule[pick] for pick in picks]
            weights = RULE_WEIGHT_VECTOR
            version = None

        picked = np.concatenate(picks) if picks else np.zeros(0, dtype=np.intp)
        reasons: list[list[Reason]] = []
        if len(picked):
            # Reasons say what sets a product apart from the average eligible one, per request.
            filled = counts > 0
            means = np.zeros((len(rows), features.shape[1]))
            means[filled] = np.add.reduceat(features, starts[:-1][filled], axis=0)
            means[filled] /= counts[filled, None]
            reasons = explain(features[picked], weights, means[pair_request[picked]], n_reasons)
        results = []
        done = 0
        for i, row in enumerate(rows):
            pick = picks[i]
            if with_exclusions:
                excluded = np.flatnonzero(~mask[i])
                excluded_rules = eligibility.failed_rule[i, excluded]
            else:
                excluded = excluded_rules = np.zeros(0, dtype=np.int8)
            probabilities = scores[i] * 100.0 if self.model is not None else None
            results.append(
                RankedProducts(
                    request_id=int(requests.id[row]),
                    source=self.source,
                    model_version=version,
                    product_ids=products.id[pair_product[pick]],
                    scores=scores[i],
                    probabilities=(
                        probabilities if probabilities is not None else np.full(len(pick), np.nan)
                    ),
                    reasons=reasons[done : done + len(pick)],
                    n_eligible=int(counts[i]),
                    excluded_product_ids=products.id[excluded],
                    excluded_rules=excluded_rules,
                )
            )
            done += len(pick)
        return results
