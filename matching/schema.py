"""Column-oriented inputs of the ranking engine: requests, products and past applications.

Every table is a dataclass of equal-length numpy arrays (one row per request, product or
application). The web platform adapts database rows to these arrays; nothing here knows of
Flask or SQLAlchemy. Money is float yuan here: the engine ranks, it does not keep accounts.
Days are integers counted from 1970-01-01 (``date.toordinal() - 719163``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from matching.bands import amount_band, new_firm, size_band, term_band

PRODUCT_KINDS: tuple[str, ...] = (
    "credit_loan",  # 信用贷款: no collateral
    "ip_pledge",  # 知识产权质押
    "guarantee_loan",  # 担保贷款
    "pledge_loan",  # 抵押质押贷款
    "equity_investment",  # 股权投资
    "insurance",  # 科技保险
    "other",
)
"""Product kinds, in the order used by kind indexes and ``accepted_kinds`` bitmasks."""

INSTITUTION_KINDS: tuple[str, ...] = (
    "tech_branch",  # 科技支行
    "bank",
    "credit_community",  # 信用共同体
    "guarantee_firm",
    "fund",
    "insurer",
    "other",
)
"""Institution kinds, in the order used by ``Products.institution_kind``."""

CREDIT_RATINGS: tuple[str, ...] = ("unrated", "C", "CC", "CCC", "B", "BB", "BBB", "A", "AA", "AAA")
"""Credit ratings, worst to best; ``Requests.credit_rating`` is an index into this tuple."""
CREDIT_GRADES: tuple[str, ...] = ("E", "D", "C", "B", "A", "A+")
"""Credit profile grades, worst to best; ``Requests.credit_grade`` indexes them (-1 unknown)."""

OUTCOME_IGNORED, OUTCOME_REJECTED, OUTCOME_APPROVED, OUTCOME_DISBURSED = 0, 1, 2, 3
OUTCOMES: tuple[str, ...] = ("ignored", "rejected", "approved", "disbursed")
"""Application outcome codes, also the graded relevance used for ranking metrics."""

MAX_COMMUNITIES = 63
"""Community indexes live in an int64 bitmask, so at most 63 credit communities."""

ALL_KINDS_MASK = (1 << len(PRODUCT_KINDS)) - 1


def kinds_mask(kinds: Iterable[str]) -> int:
    """Return the ``accepted_kinds`` bitmask for product kind names."""
    mask = 0
    for kind in kinds:
        mask |= 1 << PRODUCT_KINDS.index(kind)
    return mask


def communities_mask(community_indexes: Iterable[int]) -> int:
    """Return the member-of bitmask for credit community indexes (0..62)."""
    mask = 0
    for index in community_indexes:
        if not 0 <= index < MAX_COMMUNITIES:
            raise ValueError(f"community index {index} outside 0..{MAX_COMMUNITIES - 1}")
        mask |= 1 << index
    return mask


def allowed_matrix(index_lists: Sequence[Iterable[int] | None], size: int) -> np.ndarray:
    """Build a product × category boolean matrix from per-product index lists (empty = all)."""
    matrix = np.zeros((len(index_lists), size), dtype=bool)
    for row, indexes in enumerate(index_lists):
        chosen = [] if indexes is None else list(indexes)
        if chosen:
            matrix[row, chosen] = True
    return matrix


def _coerce(table: object, dtypes: dict[str, type | np.dtype]) -> int:
    """Cast each 1-D column of a table to its dtype and check that lengths agree."""
    length = None
    for name, dtype in dtypes.items():
        column = np.asarray(getattr(table, name), dtype=dtype)
        if column.ndim == 0:
            raise ValueError(f"{type(table).__name__}.{name} must be an array, not a scalar")
        setattr(table, name, column)
        if length is None:
            length = column.shape[0]
        elif column.shape[0] != length:
            raise ValueError(
                f"{type(table).__name__}.{name} has {column.shape[0]} rows, expected {length}"
            )
    return length or 0


@dataclass
class Requests:
    """Financing requests (融资需求) with a snapshot of the requesting firm, one row each."""

    id: np.ndarray
    enterprise_id: np.ndarray
    amount_yuan: np.ndarray
    term_months: np.ndarray
    max_rate: np.ndarray  # highest acceptable annual rate in %, nan = no ceiling
    accepted_kinds: np.ndarray  # bitmask over PRODUCT_KINDS, 0 = any kind
    industry: np.ndarray  # index into the platform's industry list (GB/T 4754 divisions)
    district: np.ndarray  # index into the platform's district list
    firm_age_years: np.ndarray
    employees: np.ndarray
    revenue_yuan: np.ndarray
    rd_spend_yuan: np.ndarray
    patents: np.ndarray
    little_giant: np.ndarray  # 科技小巨人
    high_tech: np.ndarray  # 高新技术企业
    credit_rating: np.ndarray  # index into CREDIT_RATINGS
    collateral_offered: np.ndarray
    communities: np.ndarray  # bitmask of credit communities the firm is a member of
    posted_at: np.ndarray  # day number
    # The firm's credit profile as of the day before the request (score 0-100, nan unknown;
    # grade an index into CREDIT_GRADES, -1 unknown).
    credit_score: np.ndarray | None = None
    credit_grade: np.ndarray | None = None

    _DTYPES = {
        "id": np.int64,
        "enterprise_id": np.int64,
        "amount_yuan": np.float64,
        "term_months": np.int32,
        "max_rate": np.float64,
        "accepted_kinds": np.int64,
        "industry": np.intp,
        "district": np.intp,
        "firm_age_years": np.float64,
        "employees": np.float64,
        "revenue_yuan": np.float64,
        "rd_spend_yuan": np.float64,
        "patents": np.float64,
        "little_giant": bool,
        "high_tech": bool,
        "credit_rating": np.int8,
        "collateral_offered": bool,
        "communities": np.int64,
        "posted_at": np.int64,
        "credit_score": np.float64,
        "credit_grade": np.int8,
    }
    _UNKNOWN = {"credit_score": np.nan, "credit_grade": -1}

    def __post_init__(self) -> None:
        """Cast the columns to their dtypes (absent credit columns unknown), check the shape."""
        for name, unknown in self._UNKNOWN.items():
            if getattr(self, name) is None:
                setattr(self, name, np.full(np.shape(self.id), unknown))
        _coerce(self, self._DTYPES)
        if np.any((self.credit_rating < 0) | (self.credit_rating >= len(CREDIT_RATINGS))):
            raise ValueError("credit_rating must index CREDIT_RATINGS")

    def __len__(self) -> int:
        """Return the number of requests."""
        return self.id.shape[0]

    def take(self, rows: np.ndarray | Sequence[int] | int) -> Requests:
        """Return the requests at the given row positions as a new table."""
        rows = np.atleast_1d(np.asarray(rows))
        return Requests(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @classmethod
    def from_rows(cls, rows: Sequence[dict]) -> Requests:
        """Build the table from a sequence of dicts keyed by column name."""
        names = [f.name for f in fields(cls)]
        return cls(
            **{
                name: np.array([row.get(name, cls._UNKNOWN.get(name)) for row in rows])
                for name in names
            }
        )


@dataclass
class Products:
    """Financing products posted by institutions, with their eligibility rules, one row each.

    ``eligible_industries`` and ``eligible_districts`` are product × category boolean matrices;
    a row with no True value means "no restriction" (build them with ``allowed_matrix``).
    Missing bounds are nan (amount, rate) and mean "unbounded"; ``members_only_community`` is -1
    when the product is open to every firm.
    """

    id: np.ndarray
    institution_id: np.ndarray
    institution_kind: np.ndarray  # index into INSTITUTION_KINDS
    kind: np.ndarray  # index into PRODUCT_KINDS
    amount_min: np.ndarray
    amount_max: np.ndarray
    term_min: np.ndarray
    term_max: np.ndarray
    rate_min: np.ndarray  # annual %, nan for products without an interest rate
    rate_max: np.ndarray
    collateral_required: np.ndarray
    eligible_industries: np.ndarray
    eligible_districts: np.ndarray
    min_years: np.ndarray
    min_revenue: np.ndarray
    little_giant_only: np.ndarray
    members_only_community: np.ndarray
    pool_covered: np.ndarray  # covered by the credit-loan risk guarantee pool (风险保证金)
    industries_restricted: np.ndarray = field(init=False, repr=False)
    districts_restricted: np.ndarray = field(init=False, repr=False)
    industry_columns: np.ndarray = field(init=False, repr=False)
    district_columns: np.ndarray = field(init=False, repr=False)

    _DTYPES = {
        "id": np.int64,
        "institution_id": np.int64,
        "institution_kind": np.intp,
        "kind": np.intp,
        "amount_min": np.float64,
        "amount_max": np.float64,
        "term_min": np.float64,
        "term_max": np.float64,
        "rate_min": np.float64,
        "rate_max": np.float64,
        "collateral_required": bool,
        "min_years": np.float64,
        "min_revenue": np.float64,
        "little_giant_only": bool,
        "members_only_community": np.int64,
        "pool_covered": bool,
    }

    def __post_init__(self) -> None:
        """Cast columns, fill open bounds and precompute the category lookups."""
        n = _coerce(self, self._DTYPES)
        self.amount_min = np.nan_to_num(self.amount_min, nan=0.0)
        self.amount_max = np.where(np.isnan(self.amount_max), np.inf, self.amount_max)
        self.term_min = np.nan_to_num(self.term_min, nan=0.0)
        self.term_max = np.where(np.isnan(self.term_max), np.inf, self.term_max)
        self.min_years = np.nan_to_num(self.min_years, nan=0.0)
        self.min_revenue = np.nan_to_num(self.min_revenue, nan=0.0)
        if np.any((self.kind < 0) | (self.kind >= len(PRODUCT_KINDS))):
            raise ValueError("kind must index PRODUCT_KINDS")
        if np.any(self.members_only_community >= MAX_COMMUNITIES):
            raise ValueError(f"members_only_community must be below {MAX_COMMUNITIES}")
        for name in ("eligible_industries", "eligible_districts"):
            matrix = np.asarray(getattr(self, name), dtype=bool)
            if matrix.ndim != 2 or matrix.shape[0] != n:
                raise ValueError(f"Products.{name} must be a ({n}, categories) boolean matrix")
            setattr(self, name, matrix)
        self.industries_restricted = self.eligible_industries.any(axis=1)
        self.districts_restricted = self.eligible_districts.any(axis=1)
        # Category-major copies make "which products allow industry i" a contiguous read.
        self.industry_columns = np.ascontiguousarray(self.eligible_industries.T)
        self.district_columns = np.ascontiguousarray(self.eligible_districts.T)

    def __len__(self) -> int:
        """Return the number of products."""
        return self.id.shape[0]

    @classmethod
    def from_rows(cls, rows: Sequence[dict], n_industries: int, n_districts: int) -> Products:
        """Build the table from dicts keyed by column name, with index lists under
        ``industries`` and ``districts`` (empty = no restriction) instead of the matrices."""
        names = [f.name for f in fields(cls) if f.init and not f.name.startswith("eligible_")]
        return cls(
            **{name: np.array([row[name] for row in rows]) for name in names},
            eligible_industries=allowed_matrix([row["industries"] for row in rows], n_industries),
            eligible_districts=allowed_matrix([row["districts"] for row in rows], n_districts),
        )

    def take(self, rows: np.ndarray | Sequence[int]) -> Products:
        """Return the products at the given row positions as a new table."""
        rows = np.asarray(rows)
        return Products(**{f.name: getattr(self, f.name)[rows] for f in fields(self) if f.init})


@dataclass
class History:
    """Past applications (request × product) with their outcome, one row each.

    The firm's industry, district and size band are stored as they were when the application
    was decided, so institution statistics never need a join. ``outcome`` uses OUTCOMES codes;
    an application nobody answered is ``OUTCOME_IGNORED`` with ``decided_at`` = the day it expired.
    The optional columns describe the firm and its request for the relationship and affinity
    features (``matching.relationship``, ``InstitutionHistory``): the firm's id and the
    request's amount band, term band and new-firm flag; -1 (the default) means unknown, and
    such rows count in no relationship or band statistic. ``repayment`` is the loan's repayment
    outcome when the history was read (``matching.grades``: it grades the training pairs) and
    ``defaulted_at`` the day its default was known (-1: none), which the loss rates count only
    before a request's day (``matching.losses``).
    """

    request_id: np.ndarray
    product_id: np.ndarray
    institution_id: np.ndarray
    industry: np.ndarray
    district: np.ndarray
    size_band: np.ndarray
    decided_at: np.ndarray
    outcome: np.ndarray
    enterprise_id: np.ndarray | None = None
    amount_band: np.ndarray | None = None
    term_band: np.ndarray | None = None
    new_firm: np.ndarray | None = None
    repayment: np.ndarray | None = None
    defaulted_at: np.ndarray | None = None

    _DTYPES = {
        "request_id": np.int64,
        "product_id": np.int64,
        "institution_id": np.int64,
        "industry": np.intp,
        "district": np.intp,
        "size_band": np.intp,
        "decided_at": np.int64,
        "outcome": np.int8,
        "enterprise_id": np.int64,
        "amount_band": np.intp,
        "term_band": np.intp,
        "new_firm": np.intp,
        "repayment": np.int8,
        "defaulted_at": np.int64,
    }
    _OPTIONAL = (
        "enterprise_id",
        "amount_band",
        "term_band",
        "new_firm",
        "repayment",
        "defaulted_at",
    )

    def __post_init__(self) -> None:
        """Cast the columns to their dtypes (unknown optional ones to -1), check the outcomes."""
        for name in self._OPTIONAL:
            if getattr(self, name) is None:
                setattr(self, name, np.full(np.shape(self.request_id), -1, dtype=np.int64))
        _coerce(self, self._DTYPES)
        if np.any((self.outcome < 0) | (self.outcome >= len(OUTCOMES))):
            raise ValueError("outcome must be one of the OUTCOMES codes (0..3)")

    def __len__(self) -> int:
        """Return the number of past applications."""
        return self.request_id.shape[0]

    def take(self, rows: np.ndarray | Sequence[int]) -> History:
        """Return the applications at the given row positions as a new table."""
        rows = np.asarray(rows)
        return History(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @classmethod
    def empty(cls) -> History:
        """Return a history with no applications (cold start)."""
        return cls(**{name: np.zeros(0, dtype=dtype) for name, dtype in cls._DTYPES.items()})

    @classmethod
    def from_pairs(
        cls,
        requests: Requests,
        products: Products,
        request_rows: np.ndarray,
        product_rows: np.ndarray,
        decided_at: np.ndarray,
        outcome: np.ndarray,
    ) -> History:
        """Build a history from row positions into ``requests`` and ``products``."""
        request_rows = np.asarray(request_rows)
        product_rows = np.asarray(product_rows)
        return cls(
            request_id=requests.id[request_rows],
            product_id=products.id[product_rows],
            institution_id=products.institution_id[product_rows],
            industry=requests.industry[request_rows],
            district=requests.district[request_rows],
            size_band=size_band(requests.revenue_yuan[request_rows]),
            decided_at=decided_at,
            outcome=outcome,
            enterprise_id=requests.enterprise_id[request_rows],
            amount_band=amount_band(requests.amount_yuan[request_rows]),
            term_band=term_band(requests.term_months[request_rows]),
            new_firm=new_firm(requests.firm_age_years[request_rows]),
        )


def rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Return the row position of each wanted id in ``ids`` (-1 where absent)."""
    ids = np.asarray(ids)
    wanted = np.asarray(wanted)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    pos = np.searchsorted(sorted_ids, wanted)
    pos_clipped = np.minimum(pos, max(len(ids) - 1, 0))
    if len(ids) == 0:
        return np.full(wanted.shape, -1, dtype=np.intp)
    found = sorted_ids[pos_clipped] == wanted
    return np.where(found, order[pos_clipped], -1).astype(np.intp)
