"""Features of request × product pairs, vectorised over pairs.

Four families: how well the product fits the request (amount, term, rate, targeting), what the
firm looks like (revenue, age, R&D intensity, patents, flags, rating), how the product's
institution treated similar firms before the request was posted (``InstitutionHistory``): its
approval rates, and its share of all approvals given to firms of the same industry / district
(overall and recency-weighted) and to requests of the same amount band, term band and firm age
(``matching.affinity``), which says where such firms actually got money, and its loss rate
(``matching.losses``); the firm's own past with the institution and its lenders' co-lenders
(``matching.relationship``); and the firm's credit profile score and grade as of the request.
Product-side arrays are prepared once in ``ProductTable``; a request then costs a few vector
operations over its eligible products (``request_features``), a block of requests one pass over
all their eligible pairs (``block_features``), and arbitrary pairs for training ``pair_features``.
"""

from __future__ import annotations

import numpy as np

from matching.affinity import AFFINITY_GROUPS, profile_bands
from matching.bands import amount_band, new_firm, size_band, term_band
from matching.history import InstitutionHistory
from matching.losses import LOSS_FEATURES
from matching.relationship import RELATIONSHIP_FEATURES
from matching.schema import (
    CREDIT_GRADES,
    CREDIT_RATINGS,
    PRODUCT_KINDS,
    History,
    Products,
    Requests,
)

PAIR_FEATURES: tuple[str, ...] = (
    "amount_fit",
    "amount_to_max",
    "term_fit",
    "rate_headroom",
    "rate_level",
    "industry_targeted",
    "district_targeted",
    "community_product",
    "little_giant_product",
    "collateral_fit",
    "pool_covered",
    *(f"kind_{kind}" for kind in PRODUCT_KINDS),
)
FIRM_FEATURES: tuple[str, ...] = (
    "log_revenue",
    "firm_age_years",
    "log_employees",
    "rd_intensity",
    "log_patents",
    "little_giant",
    "high_tech",
    "credit_rating",
    "amount_to_revenue",
    "credit_score",
    "credit_grade",
)
HISTORY_FEATURES: tuple[str, ...] = (
    "inst_log_decisions",
    "inst_approval_rate",
    "inst_disbursement_rate",
    "inst_approval_rate_industry",
    "inst_approval_rate_district",
    "inst_approval_rate_size",
    "inst_approval_rate_industry_district",
    "inst_disbursement_rate_industry_district",
    "inst_log_share",
    "inst_log_share_industry",
    "inst_log_share_district",
    "inst_log_share_industry_district",
    "inst_log_recent_share",
    "inst_log_recent_share_district",
    "product_log_applications",
    "product_approval_rate",
    *(f"inst_log_share_{group}" for group in AFFINITY_GROUPS),
    *LOSS_FEATURES,
    *RELATIONSHIP_FEATURES,
)
FEATURE_NAMES: tuple[str, ...] = PAIR_FEATURES + FIRM_FEATURES + HISTORY_FEATURES
"""Column order of every feature matrix produced here (and stored with every model)."""
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}

_LOG_RANGE_CAP = 5.0  # natural-log units: beyond e^5 ≈ 150× from a bound counts as "far"
_TERM_RANGE_CAP = 2.0
_RATE_SCALE = 10.0  # annual %
_BASE_SCORE = 60.0
_BASE_GRADE = CREDIT_GRADES.index("C")


def _fit(down: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Return 1 when a value sits mid-range and 0 at a bound, from its distances to both."""
    total = down + up
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = np.where(total > 0, 2.0 * np.minimum(down, up) / total, 1.0)
    return fit


class ProductTable:
    """Products with their product-side feature arrays and history lookups, prepared once."""

    def __init__(self, products: Products, history: InstitutionHistory | History | None = None):
        """Prepare ``products`` for scoring against ``history`` (an index, raw rows or None)."""
        if history is None:
            history = History.empty()
        if isinstance(history, History):
            history = InstitutionHistory(history)
        self.products = products
        self.history = history
        self.log_amount_min = np.log(np.maximum(products.amount_min, 1.0))
        with np.errstate(divide="ignore"):
            self.log_amount_max = np.log(products.amount_max)
        self.rate_level = np.nan_to_num(products.rate_min, nan=0.0) / _RATE_SCALE
        self.collateral_free = ~products.collateral_required
        self.institution_row = history.institution_rows(products.institution_id)
        self.product_row = history.product_rows(products.id)
        self.all_institution_rows = np.arange(history.n_institutions + 1)

    def __len__(self) -> int:
        """Return the number of products."""
        return len(self.products)


def _firm_columns(requests: Requests, rows: np.ndarray | int) -> dict[str, np.ndarray]:
    """Return the firm-signal features for request rows (scalars for one row)."""
    revenue = np.nan_to_num(requests.revenue_yuan[rows], nan=0.0)
    rd = np.nan_to_num(requests.rd_spend_yuan[rows], nan=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = np.where(revenue > 0, rd / np.maximum(revenue, 1.0), (rd > 0) * 1.0)
    amount = requests.amount_yuan[rows]
    return {
        "log_revenue": np.log10(1.0 + revenue),
        "firm_age_years": np.clip(requests.firm_age_years[rows], 0.0, 50.0),
        "log_employees": np.log10(1.0 + np.maximum(requests.employees[rows], 0.0)),
        "rd_intensity": np.clip(intensity, 0.0, 1.0),
        "log_patents": np.log1p(np.maximum(requests.patents[rows], 0.0)),
        "little_giant": requests.little_giant[rows] * 1.0,
        "high_tech": requests.high_tech[rows] * 1.0,
        "credit_rating": requests.credit_rating[rows] / (len(CREDIT_RATINGS) - 1),
        "amount_to_revenue": np.clip(np.log10((amount + 1.0) / (revenue + 1.0)), -3.0, 3.0),
        # Unknown profiles sit at the scorecard's base (60, grade C): no records, no points.
        "credit_score": np.nan_to_num(requests.credit_score[rows], nan=_BASE_SCORE) / 100.0,
        "credit_grade": np.where(
            requests.credit_grade[rows] >= 0, requests.credit_grade[rows], _BASE_GRADE
        )
        / (len(CREDIT_GRADES) - 1),
    }


def _bands(requests: Requests, rows: np.ndarray | int) -> dict[str, np.ndarray]:
    """Return the request profile the affinity shares are measured in (``matching.affinity``)."""
    return profile_bands(
        amount_band(requests.amount_yuan[rows]),
        term_band(requests.term_months[rows]),
        new_firm(requests.firm_age_years[rows]),
        requests.district[rows],
        requests.industry[rows],
    )


def _fill(
    table: ProductTable,
    requests: Requests,
    request_rows: np.ndarray | int,
    product_rows: np.ndarray,
    history_columns: dict[str, np.ndarray],
    firm_columns: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Assemble the (pairs, features) matrix; request values may be scalars (one request).

    ``firm_columns`` may bring the firm features already gathered per pair (batched scoring
    computes them once per request instead of once per pair).
    """
    products = table.products
    n = len(product_rows)
    # Column-major: every feature is written as one contiguous column.
    x = np.empty((n, len(FEATURE_NAMES)), dtype=np.float64, order="F")

    def put(name: str, value: np.ndarray | float) -> None:
        x[:, FEATURE_INDEX[name]] = value

    amount = requests.amount_yuan[request_rows]
    log_amount = np.log(np.maximum(amount, 1.0))
    log_max = table.log_amount_max[product_rows]
    down = np.clip(log_amount - table.log_amount_min[product_rows], 0.0, _LOG_RANGE_CAP)
    up = np.clip(log_max - log_amount, 0.0, _LOG_RANGE_CAP)
    put("amount_fit", _fit(down, up))
    put("amount_to_max", np.clip(np.exp(log_amount - log_max), 0.0, 1.0))

    term = requests.term_months[request_rows].astype(np.float64)
    per_month = np.maximum(term, 1.0)
    down = np.clip((term - products.term_min[product_rows]) / per_month, 0.0, _TERM_RANGE_CAP)
    up = np.clip((products.term_max[product_rows] - term) / per_month, 0.0, _TERM_RANGE_CAP)
    put("term_fit", _fit(down, up))

    headroom = requests.max_rate[request_rows] - products.rate_min[product_rows]
    put("rate_headroom", np.clip(np.nan_to_num(headroom, nan=0.0) / _RATE_SCALE, 0.0, 1.0))
    put("rate_level", table.rate_level[product_rows])

    industry = requests.industry[request_rows]
    district = requests.district[request_rows]
    put(
        "industry_targeted",
        products.industries_restricted[product_rows]
        & products.industry_columns[industry, product_rows],
    )
    put(
        "district_targeted",
        products.districts_restricted[product_rows]
        & products.district_columns[district, product_rows],
    )
    community = products.members_only_community[product_rows]
    members = requests.communities[request_rows]
    put("community_product", (community >= 0) & (((members >> np.maximum(community, 0)) & 1) == 1))
    put(
        "little_giant_product",
        products.little_giant_only[product_rows] & requests.little_giant[request_rows],
    )
    put(
        "collateral_fit",
        table.collateral_free[product_rows] | requests.collateral_offered[request_rows],
    )
    put("pool_covered", products.pool_covered[product_rows])
    kind = products.kind[product_rows]
    for index, name in enumerate(PRODUCT_KINDS):  # column by column: x is column-major
        put(f"kind_{name}", kind == index)

    if firm_columns is None:
        firm_columns = _firm_columns(requests, request_rows)
    for name, value in firm_columns.items():
        put(name, value)
    for name in HISTORY_FEATURES:
        put(name, history_columns[name])
    return x


def request_features(
    table: ProductTable,
    requests: Requests,
    row: int,
    product_rows: np.ndarray | None = None,
    cutoff: int | None = None,
) -> np.ndarray:
    """Return features of one request against products (all, or the given product rows).

    History counts only decisions made before ``cutoff`` (default: the day the request was
    posted). Institution rates are computed once per institution, then shared by its products.
    """
    if product_rows is None:
        product_rows = np.arange(len(table))
    row = int(row)
    cutoff = int(requests.posted_at[row]) if cutoff is None else int(cutoff)
    history = table.history
    per_institution = history.institution_rates(
        table.all_institution_rows,
        requests.industry[row],
        requests.district[row],
        int(size_band(requests.revenue_yuan[row])),
        cutoff,
        _bands(requests, row),
    )
    per_institution.update(
        history.relationship.features(
            requests.enterprise_id[row], table.all_institution_rows, cutoff
        )
    )
    institution = table.institution_row[product_rows]
    columns = {name: values[institution] for name, values in per_institution.items()}
    columns.update(
        history.product_rates(
            table.product_row[product_rows], cutoff, columns["inst_approval_rate"]
        )
    )
    return _fill(table, requests, row, product_rows, columns)


def pair_features(
    table: ProductTable,
    requests: Requests,
    request_rows: np.ndarray,
    product_rows: np.ndarray,
    cutoffs: np.ndarray | None = None,
) -> np.ndarray:
    """Return features of arbitrary (request row, product row) pairs, e.g. for training.

    Each pair counts only history decided before its cutoff (default: its request's posting day).
    """
    request_rows = np.asarray(request_rows, dtype=np.intp)
    product_rows = np.asarray(product_rows, dtype=np.intp)
    if cutoffs is None:
        cutoffs = requests.posted_at[request_rows]
    history = table.history
    columns = history.institution_rates(
        table.institution_row[product_rows],
        requests.industry[request_rows],
        requests.district[request_rows],
        size_band(requests.revenue_yuan[request_rows]),
        cutoffs,
        _bands(requests, request_rows),
    )
    columns.update(
        history.relationship.features(
            requests.enterprise_id[request_rows], table.institution_row[product_rows], cutoffs
        )
    )
    columns.update(
        history.product_rates(
            table.product_row[product_rows], cutoffs, columns["inst_approval_rate"]
        )
    )
    return _fill(table, requests, request_rows, product_rows, columns)


def block_features(
    table: ProductTable,
    requests: Requests,
    rows: np.ndarray,
    pair_request: np.ndarray,
    product_rows: np.ndarray,
    cutoffs: np.ndarray | None = None,
) -> np.ndarray:
    """Return features of a block of requests against chosen products each, in one pass.

    ``rows`` are the block's request rows; pair i is request ``rows[pair_request[i]]`` ×
    product ``product_rows[i]``. As in ``request_features``, institution rates are computed
    once per (request, institution), here for the whole block as one broadcast query, and
    shared by the institution's products; firm features are computed once per request. Each
    request counts only history decided before its cutoff (default: its posting day). The
    rows equal ``request_features`` of each request over the same products.
    """
    rows = np.asarray(rows, dtype=np.intp)
    pair_request = np.asarray(pair_request, dtype=np.intp)
    product_rows = np.asarray(product_rows, dtype=np.intp)
    if cutoffs is None:
        cutoffs = requests.posted_at[rows]
    cutoffs = np.broadcast_to(np.asarray(cutoffs, dtype=np.int64), rows.shape)
    history = table.history
    column = (slice(None), None)
    per_institution = history.institution_rates(
        table.all_institution_rows[None, :],
        requests.industry[rows][column],
        requests.district[rows][column],
        size_band(requests.revenue_yuan[rows])[column],
        cutoffs[column],
        {name: band[column] for name, band in _bands(requests, rows).items()},
    )
    per_institution.update(
        history.relationship.features(
            requests.enterprise_id[rows][column],
            table.all_institution_rows[None, :],
            cutoffs[column],
        )
    )
    # Rates are (requests, institutions) grids; one flat index gathers every pair's cell.
    n_institutions = len(table.all_institution_rows)
    cell = pair_request * n_institutions + table.institution_row[product_rows]
    grid = (len(rows), n_institutions)
    columns = {
        name: np.broadcast_to(values, grid).reshape(-1)[cell]
        for name, values in per_institution.items()
    }
    # Product counts likewise: one query per (request, product known to the history).
    known_products = np.arange(len(history.product_ids) + 1)
    decisions, approvals = history.product_counts(known_products[None, :], cutoffs[column])
    cell = pair_request * len(known_products) + table.product_row[product_rows]
    columns.update(
        history.product_rates_from_counts(
            decisions.reshape(-1)[cell], approvals.reshape(-1)[cell], columns["inst_approval_rate"]
        )
    )
    firm = {name: values[pair_request] for name, values in _firm_columns(requests, rows).items()}
    return _fill(table, requests, rows[pair_request], product_rows, columns, firm)
