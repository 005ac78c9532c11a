"""Ranking products for a financing request, served from a per-worker prepared catalogue.

The product side of ranking (product arrays, the history index and the current model, inside
one `matching.ranker.Ranker`) is prepared once per worker process and kept while the catalogue
version of `finplatform.ranking.versions` stays the same; a ranking call adapts only its one
request (`finplatform.ranking.tables`). Ranked results are cached in Redis for
MATCH_CACHE_SECONDS under a key holding the request's last change, the catalogue version and the
model version, so that any of them moving misses the cache. Without Redis nothing is cached
across calls and the catalogue version comes from the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from finplatform import clock
from finplatform.extensions import db
from finplatform.i18n import is_english
from finplatform.models import FinancingRequest, Product
from finplatform.observability import metrics
from finplatform.ranking import result_cache, versions
from finplatform.ranking.catalogue_rows import (
    Categories,
    catalogue,
    categories,
    community_index,
    products_table,
)
from finplatform.ranking.registry import current_model_version, load_version
from finplatform.ranking.tables import application_history, request_table
from matching.eligibility import RULES_BY_CODE, check_eligibility
from matching.ranker import RankedProducts, Ranker
from matching.schema import Requests
from matching.store import ModelStoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankedProduct:
    """One product proposed for a request: its rank, score, approval likelihood and reasons."""

    product: Product
    rank: int
    score: float
    reasons: list[str]
    source: str  # "model" (the current trained version) or "rule" (cold start)
    probability: float | None = None  # calibrated approval likelihood 0..1; None under "rule"
    model_version: str | None = None

    @property
    def probability_pct(self) -> float | None:
        """The approval likelihood in percent (one decimal), None under the rule score."""
        return None if self.probability is None else round(self.probability * 100.0, 1)


@dataclass
class ServingCatalogue:
    """The product side of ranking, prepared once per worker and catalogue version."""

    redis_version: str | None
    database_version: str
    ranker: Ranker
    cats: Categories
    communities: dict[int, int]
    model_version_id: int | None
    model_version: str | None
    # Product id → (name, institution id): what the API shows of a ranked product, so that
    # serving a ranking loads no product rows (a product change rebuilds the catalogue).
    cards: dict[int, tuple[str, int]]
    built_at: float
    checked_at: float
    build_seconds: float

    @property
    def key(self) -> str:
        """What the cached results of this catalogue are filed under."""
        return f"{self.redis_version}.{self.database_version}.{self.model_version or 'rule'}"


@dataclass
class _WorkerState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    catalogue: ServingCatalogue | None = None
    builds: int = 0
    computed: int = 0  # rankings computed (not served from the result cache)


def _state() -> _WorkerState:
    return current_app.extensions.setdefault("finplatform_ranking", _WorkerState())


def worker_stats() -> _WorkerState:
    """This worker's serving state: catalogue builds and rankings computed (for tests, ops)."""
    return _state()


def _build_catalogue(redis_version: str | None, database_version: str) -> ServingCatalogue:
    started = time.perf_counter()
    cats = categories()
    products = catalogue()
    communities = community_index(products)
    history = application_history(cats)
    model = None
    version = current_model_version()
    if version is not None:
        try:
            model = load_version(version)
        except (ModelStoreError, OSError) as error:
            # A model that cannot be loaded (files gone, features changed) must not stop
            # matching: the rule score serves, and the admin page shows the version.
            log.error("model version %s cannot serve (%s): rule score used", version.version, error)
            version = None
    ranker = Ranker(products_table(products, cats, communities), history, model)
    now = time.monotonic()
    return ServingCatalogue(
        redis_version=redis_version,
        database_version=database_version,
        ranker=ranker,
        cats=cats,
        communities=communities,
        model_version_id=version.id if version is not None and model is not None else None,
        model_version=version.version if version is not None and model is not None else None,
        cards={product.id: (product.name, product.institution_id) for product in products},
        built_at=now,
        checked_at=now,
        build_seconds=time.perf_counter() - started,
    )


def serving_catalogue() -> ServingCatalogue:
    """This worker's prepared catalogue, rebuilt when the catalogue version moved.

    With Redis: one GET per call, plus a database check every MATCH_CATALOGUE_RECHECK_SECONDS
    in case a bump was lost while Redis was away. Without Redis: the database check every call.
    The catalogue is also rebuilt after MATCH_CATALOGUE_MAX_AGE_SECONDS, to fold in new history.
    """
    state = _state()
    config = current_app.config
    redis_version = versions.redis_version()
    held = state.catalogue
    now = time.monotonic()
    if held is not None and now - held.built_at < config["MATCH_CATALOGUE_MAX_AGE_SECONDS"]:
        if (
            redis_version is not None
            and held.redis_version == redis_version
            and now - held.checked_at < config["MATCH_CATALOGUE_RECHECK_SECONDS"]
        ):
            return held
        database_version = versions.database_version()
        if held.redis_version == redis_version and held.database_version == database_version:
            held.checked_at = now
            return held
    else:
        database_version = versions.database_version()
    with state.lock:
        held = state.catalogue
        if (
            held is not None
            and held.redis_version == redis_version
            and held.database_version == database_version
            and now - held.built_at < config["MATCH_CATALOGUE_MAX_AGE_SECONDS"]
        ):
            return held
        state.catalogue = _build_catalogue(redis_version, database_version)
        state.builds += 1
        metrics.CATALOGUE_BUILDS.inc()
        metrics.CATALOGUE_BUILT.set(time.time())
        log.info(
            "ranking catalogue built in %.2f s (version %s)",
            state.catalogue.build_seconds,
            state.catalogue.key,
        )
        return state.catalogue


def fresh_catalogue() -> ServingCatalogue | None:
    """This worker's catalogue if `serving_catalogue` would hand it out as it is, given that the
    Redis counter is still the one it was built at (the caller checks), else None."""
    held = _state().catalogue
    config = current_app.config
    now = time.monotonic()
    if (
        held is None
        or held.redis_version is None
        or now - held.built_at >= config["MATCH_CATALOGUE_MAX_AGE_SECONDS"]
        or now - held.checked_at >= config["MATCH_CATALOGUE_RECHECK_SECONDS"]
    ):
        return None
    return held


def drop_serving_catalogue() -> None:
    """Forget this worker's prepared catalogue (the next call rebuilds it)."""
    _state().catalogue = None


def ranked_items(ranked: RankedProducts, lang: str) -> list[dict]:
    """One request's ranking as plain dicts (product id, score, probability 0..1, reasons)."""
    model = ranked.source == "model"
    return [
        {
            "product_id": int(product_id),
            "score": float(ranked.scores[position]),
            "probability": float(ranked.probabilities[position]) / 100.0 if model else None,
            "reasons": [reason.text(lang) for reason in ranked.reasons[position]],
            "source": ranked.source,
            "model_version": ranked.model_version,
        }
        for position, product_id in enumerate(ranked.product_ids)
    ]


def note_ranked(request: FinancingRequest) -> None:
    """Remember when a ranking first proposed products for the request (the funnel's matched
    step); later rankings keep that first time. The caller's transaction writes it."""
    if request.id is not None and request.first_ranked_at is None:
        request.first_ranked_at = clock.now()


def _ranked_items(
    request: FinancingRequest, top_k: int, excluded: set[int]
) -> tuple[list[dict], ServingCatalogue]:
    """The request's ranking as plain items (noting its first ranking when it proposes any)."""
    items, served = _rank_or_cached(request, top_k, excluded)
    if items:
        note_ranked(request)
    return items, served


def _rank_or_cached(
    request: FinancingRequest, top_k: int, excluded: set[int]
) -> tuple[list[dict], ServingCatalogue]:
    """The request's ranking as plain items, from the Redis cache or computed (and cached)."""
    served = serving_catalogue()
    key = result_cache.key(request, served.key, top_k, excluded) if request.id else None
    items = result_cache.cached(key) if key else None
    if items is not None:
        metrics.RANKINGS.labels("hit").inc()
        return items, served
    items = _computed_items(request, served, top_k, excluded)
    if key:
        result_cache.store(key, items)
    return items, served


def _computed_items(
    request: FinancingRequest, served: ServingCatalogue, top_k: int, excluded: set[int]
) -> list[dict]:
    table = request_table(request, served.cats, served.communities)
    return computed_items(table, served, top_k, excluded)


def computed_items(
    table: Requests, served: ServingCatalogue, top_k: int, excluded: set[int]
) -> list[dict]:
    """The ranking of the one request of `table` as plain items, computed (a cache miss)."""
    _state().computed += 1
    metrics.RANKINGS.labels("miss").inc()
    lang = "en" if is_english() else "zh"
    ranked = served.ranker.rank(table, top_k=top_k + len(excluded))
    items = [item for item in ranked_items(ranked, lang) if item["product_id"] not in excluded]
    return items[:top_k]


def rank_products_for_request(
    request: FinancingRequest, top_k: int = 10, *, exclude_ids: Sequence[int] = ()
) -> list[RankedProduct]:
    """The best `top_k` eligible products for the request, best first, with reasons.

    The current model ranks when one is in service (source "model", with an approval
    likelihood); otherwise the rule score does (source "rule").
    """
    items, _served = _ranked_items(request, top_k, set(exclude_ids))
    if not items:
        return []
    products = {
        product.id: product
        for product in db.session.scalars(
            sa.select(Product)
            .where(Product.id.in_([item["product_id"] for item in items]))
            .options(joinedload(Product.institution), joinedload(Product.kind))
        )
    }
    return [
        RankedProduct(
            product=products[item["product_id"]],
            rank=position + 1,
            score=item["score"],
            reasons=item["reasons"],
            source=item["source"],
            probability=item["probability"],
            model_version=item["model_version"],
        )
        for position, item in enumerate(item for item in items if item["product_id"] in products)
    ]


def ranking_items(request: FinancingRequest, top_k: int = 10) -> list[dict]:
    """The best `top_k` eligible products for the request as plain items (`ranked_items`),
    best first, with no product loaded: for a page that reads the columns it shows itself."""
    return _ranked_items(request, top_k, set())[0]


INELIGIBLE_KEY_SUFFIX = ".ineligible"
"""Appended to the catalogue key of a request's ineligible list in the result cache."""


def ineligible_in_catalogue(request: FinancingRequest) -> list[tuple[int, str]]:
    """(product id, first eligibility rule failed) of each product of this worker's prepared
    catalogue (the active products of approved institutions: what a firm or specialist may
    see) that the request is not eligible for, in catalogue order.

    Checked against the same prepared arrays the ranking uses, and cached in Redis beside the
    ranking under the same kind of key, so the list is as fresh as the ranking shown above it.
    """
    served = serving_catalogue()
    key = (
        result_cache.key(request, served.key + INELIGIBLE_KEY_SUFFIX, 0, ()) if request.id else None
    )
    cached = result_cache.cached(key) if key else None
    if cached is not None:
        return [(product_id, reason) for product_id, reason in cached]
    products = served.ranker.table.products
    if not len(products):
        return []
    result = check_eligibility(request_table(request, served.cats, served.communities), products, 0)
    lang_en = is_english()
    ineligible = []
    for product_id, code in zip(
        np.asarray(products.id).tolist(), np.asarray(result.failed_rule).tolist(), strict=True
    ):
        if code:
            rule = RULES_BY_CODE[int(code)]
            ineligible.append((int(product_id), rule.en if lang_en else rule.zh))
    if key:
        result_cache.store(key, ineligible)
    return ineligible


LIKELIHOOD_DEPTHS = (10, 100)
"""How deep to look for one product: the firm's own top ten first (the same cached ranking it
is shown), then deeper."""


def approval_likelihood(request: FinancingRequest, product_id: int) -> tuple[float | None, str]:
    """(approval probability 0..1 or None, source) of the request at one product, read from the
    same cached ranking the firm is shown; nothing is noted on the request, since reading a
    ranking for an institution is not ranking the request. None under the rule score, or when
    the product is not among the eligible ones ranked."""
    source = "rule"
    for depth in LIKELIHOOD_DEPTHS:
        items, served = _rank_or_cached(request, depth, set())
        source = served.ranker.source
        for item in items:
            if item["product_id"] == product_id:
                return item["probability"], item["source"]
        if len(items) < depth:
            break
    return None, source


def eligibility_failures(request: FinancingRequest, products: Sequence[Product]) -> dict[int, str]:
    """Product id → the first eligibility rule it fails for the request (eligible ones absent)."""
    if not products:
        return {}
    cats = categories()
    communities = community_index(products)
    result = check_eligibility(
        request_table(request, cats, communities),
        products_table(products, cats, communities),
        0,
    )
    lang_en = is_english()
    failures = {}
    for product, code in zip(products, np.asarray(result.failed_rule).tolist(), strict=True):
        if code:
            rule = RULES_BY_CODE[int(code)]
            failures[product.id] = rule.en if lang_en else rule.zh
    return failures
