"""Database rows → the ranking engine's tables: products, requests and past applications.

This is the one place that adapts the platform's rows to `matching.schema`, for serving
(`finplatform.ranking.service`) and for training (`finplatform.ranking.registry`) alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from finplatform import clock
from finplatform.credit.versions import profiles_scored_at, scores_at
from finplatform.extensions import db
from finplatform.history import reading as history
from finplatform.history.periods import held_at
from finplatform.models import (
    Application,
    ApplicationStatus,
    CommunityMembership,
    Enterprise,
    FinancingRequest,
    FirmAttributes,
    Product,
)

# The catalogue's side lives in catalogue_rows; its names stay importable from here.
from finplatform.ranking.catalogue_rows import (
    Categories,
    categories,
    community_index,
    product_kind_index,
    products_table,
)
from finplatform.ranking.catalogue_rows import catalogue as catalogue
from finplatform.ranking.repayment import repayment_outcomes as repayment_outcomes
from finplatform.ranking.repayment import with_repayment
from matching.bands import amount_band, new_firm, size_band, term_band
from matching.schema import (
    CREDIT_GRADES,
    CREDIT_RATINGS,
    OUTCOME_APPROVED,
    OUTCOME_DISBURSED,
    OUTCOME_IGNORED,
    OUTCOME_REJECTED,
    PRODUCT_KINDS,
    History,
    Products,
    Requests,
    kinds_mask,
)

EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): matching counts days from 1970-01-01


ID_BATCH = 10_000
"""Ids per IN list: PostgreSQL takes at most 65,535 bound parameters in one statement, and the
full world's history names about 90,000 requests."""


def _id_batches(ids: Sequence[int]) -> list[list[int]]:
    """The distinct ids in ascending order, cut into lists of at most ID_BATCH."""
    ordered = sorted(set(ids))
    return [ordered[start : start + ID_BATCH] for start in range(0, len(ordered), ID_BATCH)]


# An application's outcome as the engine grades it; submitted and in-review ones have none yet.
OUTCOME_OF_STATUS = {
    ApplicationStatus.DISBURSED: OUTCOME_DISBURSED,
    ApplicationStatus.APPROVED: OUTCOME_APPROVED,
    ApplicationStatus.REJECTED: OUTCOME_REJECTED,
    ApplicationStatus.WITHDRAWN: OUTCOME_IGNORED,
    ApplicationStatus.EXPIRED: OUTCOME_IGNORED,
}


def _as_float(value: Decimal | None) -> float:
    return float(value) if value is not None else float("nan")


def _day(moment: datetime | date) -> int:
    """The engine's day number (days since 1970-01-01) of a date or an aware datetime."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day.toordinal() - EPOCH_ORDINAL


def _firm_age_years(founded_on: date | None, on: date) -> float:
    return 0.0 if founded_on is None else max((on - founded_on).days / 365.25, 0.0)


def _memberships(enterprise_ids: Sequence[int]) -> dict[int, list[int]]:
    """Enterprise id → the credit communities (institution ids) it belongs to now."""
    member_of: dict[int, list[int]] = defaultdict(list)
    for batch in _id_batches(enterprise_ids):
        rows = db.session.execute(
            sa.select(CommunityMembership.enterprise_id, CommunityMembership.community_id).where(
                CommunityMembership.enterprise_id.in_(batch)
            )
        )
        for enterprise_id, community_id in rows:
            member_of[enterprise_id].append(community_id)
    return member_of


def _firms_now(requests: Sequence[FinancingRequest], communities: dict):
    """Each request's firm and communities as they are now (request id → values)."""
    # Memberships matter only for members-only products' communities (none: no query).
    member_of = _memberships([r.enterprise.id for r in requests]) if communities else {}
    firms = {r.id: r.enterprise for r in requests}
    return firms, {r.id: member_of.get(r.enterprise.id, []) for r in requests}


def _firms_as_posted(requests: Sequence[FinancingRequest], communities: dict):
    """Each request's firm and communities as they were when it was posted."""
    ids = [r.id for r in requests]
    firms = history.firm_attributes_at_posting(db.session, ids)
    member_of = history.communities_at_posting(db.session, ids) if communities else {}
    return firms, member_of


def _posted_on(request: FinancingRequest) -> date:
    return clock.beijing_date(request.created_at) if request.created_at else clock.today()


def requests_table(
    requests: Sequence[FinancingRequest],
    cats: Categories,
    communities: dict,
    *,
    as_posted: bool = False,
) -> Requests:
    """The requests with their firm as the engine's table, in the given order.

    Serving describes a firm as it is now; training (`as_posted`) as it was when it posted
    the request, from the attribute history, so that no later change leaks into what a past
    outcome is learned from.
    """
    firms, member_of = (_firms_as_posted if as_posted else _firms_now)(requests, communities)
    # The credit profile as of the posting day (training) or today (serving).
    on = {r.id: _posted_on(r) if as_posted else None for r in requests}
    standing = credit_standing([(r.enterprise, on[r.id]) for r in requests])
    rows = []
    for request in requests:
        posted = _posted_on(request)
        rows.append(
            engine_row(
                request,
                request.enterprise.id,
                firms[request.id],
                [k.code for k in request.accepted_kinds],
                member_of.get(request.id, ()),
                standing[request.enterprise.id, on[request.id]],
                posted,
                request.enterprise.founded_on,
                cats,
                communities,
            )
        )
    if not rows:
        return Requests(**{name: np.zeros(0, dtype=t) for name, t in Requests._DTYPES.items()})
    return Requests.from_rows(rows)


def engine_row(
    request,
    enterprise_id: int,
    firm,
    kind_codes: Sequence[str],
    member_of: Sequence[int],
    standing: tuple[float, int],
    posted: date,
    founded_on: date | None,
    cats: Categories,
    communities: dict,
) -> dict:
    """One request's row of the engine's table: `request` gives the request's columns
    (id, amount, term, rate, collateral), `firm` the firm's attributes,
    `member_of` its communities, `standing` its (credit score, grade index)."""
    bits = 0
    for community_id in member_of:
        if community_id in communities:
            bits |= 1 << communities[community_id]
    rating = firm.credit_rating if firm.credit_rating in CREDIT_RATINGS else "unrated"
    score, grade = standing
    return {
        "id": request.id or 0,
        "enterprise_id": enterprise_id,
        "amount_yuan": float(request.amount_yuan),
        "term_months": request.term_months,
        "max_rate": _as_float(request.max_rate),
        "accepted_kinds": kinds_mask({PRODUCT_KINDS[product_kind_index(k)] for k in kind_codes}),
        "industry": cats.industries.get(firm.industry_code, 0),
        "district": cats.districts.get(firm.district_code, 0),
        # The founding date is not an attribute that changes: it is read from the firm.
        "firm_age_years": _firm_age_years(founded_on, posted),
        "employees": firm.employees or 0,
        "revenue_yuan": _as_float(firm.revenue_yuan),
        "rd_spend_yuan": _as_float(firm.rd_spend_yuan),
        "patents": firm.patents or 0,
        # Confirmed by the public-credit records, not the claim alone.
        "little_giant": firm.little_giant_confirmed,
        "high_tech": firm.high_tech_confirmed,
        "credit_rating": CREDIT_RATINGS.index(rating),
        "collateral_offered": bool(request.collateral_offered.strip()),
        "communities": bits,
        "posted_at": _day(posted),
        "credit_score": score,
        "credit_grade": grade,
    }


def credit_standing(firms: Sequence[tuple[Enterprise, date | None]]) -> dict:
    """(firm id, day) → the firm's credit profile (score 0–100, index into CREDIT_GRADES) as
    of the day *before* `day` (None: today), as the ranking's features see it: the stored
    profile version valid then, else the profile computed from the records dated by then
    (`credit.versions.profiles_scored_at`, read for all the pairs at once, as
    `credit.profile.credit_profile` shows it). Every feature reads the credit profile here.
    """
    keys = list(dict.fromkeys((firm.id, day) for firm, day in firms))
    today = clock.today()
    scored = profiles_scored_at(
        [(firm_id, (day or today) - timedelta(days=1)) for firm_id, day in keys]
    )
    return {
        key: (score, CREDIT_GRADES.index(grade) if grade in CREDIT_GRADES else -1)
        for key, (score, grade) in zip(keys, scored, strict=True)
    }


def request_table(request: FinancingRequest, cats: Categories, communities: dict) -> Requests:
    """One request as a one-row engine table."""
    return requests_table([request], cats, communities)


def load_requests(request_ids: Sequence[int]) -> list[FinancingRequest]:
    """The requests with their firm and accepted kinds loaded, ordered by id."""
    loaded: list[FinancingRequest] = []
    for batch in _id_batches(request_ids):
        loaded.extend(
            db.session.scalars(
                sa.select(FinancingRequest)
                .where(FinancingRequest.id.in_(batch))
                .options(
                    selectinload(FinancingRequest.enterprise),
                    selectinload(FinancingRequest.accepted_kinds),
                )
                .order_by(FinancingRequest.id)
            )
        )
    return loaded


def _as_posted(name: str) -> sa.ColumnElement:
    """A firm attribute as it held when the request was posted (today's if never recorded)."""
    return sa.case(
        (FirmAttributes.id.is_(None), getattr(Enterprise, name)),
        else_=getattr(FirmAttributes, name),
    ).label(name)


def application_history(cats: Categories) -> History:
    """Every answered application (or one that went unanswered) as the engine's history.

    Outcome: disbursed 3, approved 2, rejected 1, withdrawn or expired 0; applications still
    waiting for an answer are left out. The day is the decision's, else the submission's. The
    firm's industry, district and size band are those it had when it posted the request
    (`finplatform.history`).
    The firm's id and the request's amount band, term band and new-firm flag (age at posting)
    feed the relationship and affinity features.
    """
    rows = db.session.execute(
        sa.select(
            Application.request_id,
            Application.product_id,
            Application.institution_id,
            Application.enterprise_id,
            Application.status,
            Application.decided_at,
            Application.submitted_at,
            _as_posted("industry_code"),
            _as_posted("district_code"),
            _as_posted("revenue_yuan"),
            Enterprise.founded_on,
            FinancingRequest.amount_yuan,
            FinancingRequest.term_months,
            FinancingRequest.created_at,
        )
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .join(FinancingRequest, FinancingRequest.id == Application.request_id)
        .outerjoin(
            FirmAttributes,
            sa.and_(
                FirmAttributes.enterprise_id == Application.enterprise_id,
                held_at(FirmAttributes, FinancingRequest.created_at),
            ),
        )
        .where(Application.status.in_(list(OUTCOME_OF_STATUS)))
        .order_by(Application.id)
    ).all()
    if not rows:
        return History.empty()
    history = History(
        request_id=np.array([row.request_id for row in rows]),
        product_id=np.array([row.product_id for row in rows]),
        institution_id=np.array([row.institution_id for row in rows]),
        industry=np.array([cats.industries.get(row.industry_code, 0) for row in rows]),
        district=np.array([cats.districts.get(row.district_code, 0) for row in rows]),
        size_band=size_band(np.array([_as_float(row.revenue_yuan) for row in rows])),
        decided_at=np.array([_day(row.decided_at or row.submitted_at) for row in rows]),
        outcome=np.array([OUTCOME_OF_STATUS[ApplicationStatus(row.status)] for row in rows]),
        enterprise_id=np.array([row.enterprise_id for row in rows]),
        amount_band=amount_band(np.array([float(row.amount_yuan) for row in rows])),
        term_band=term_band(np.array([row.term_months for row in rows])),
        new_firm=new_firm(
            np.array(
                [
                    _firm_age_years(row.founded_on, clock.beijing_date(row.created_at))
                    if row.created_at
                    else np.nan
                    for row in rows
                ]
            )
        ),
    )
    return with_repayment(history, clock.today())


@dataclass
class TrainingTables:
    """The platform's whole history as the engine's tables: what a model is trained on."""

    requests: Requests
    products: Products
    history: History
    # Each product's first active day and the day it was retired (exclusive; far future while
    # active), for evaluations that rank every product active on a request's day.
    active_from: np.ndarray | None = None
    active_to: np.ndarray | None = None


def training_tables() -> TrainingTables:
    """Build requests, products (any status) and history from every answered application."""
    cats = categories()
    history = application_history(cats)
    products = list(
        db.session.scalars(
            sa.select(Product)
            .options(
                selectinload(Product.industries),
                selectinload(Product.districts),
                selectinload(Product.institution),
            )
            .order_by(Product.id)
        )
    )
    communities = community_index(products)
    requests = load_requests(np.unique(history.request_id).tolist())
    return TrainingTables(
        requests=requests_table(requests, cats, communities, as_posted=True),
        products=products_table(products, cats, communities),
        history=history,
        active_from=np.array(
            [_day(clock.beijing_date(p.created_at)) if p.created_at else 0 for p in products],
            dtype=np.int64,
        ),
        active_to=np.array(
            [
                _day(clock.beijing_date(p.retired_at))
                if p.retired_at is not None
                else np.iinfo(np.int64).max
                for p in products
            ],
            dtype=np.int64,
        ),
    )


def credit_profile_columns(requests: Requests) -> dict[str, np.ndarray]:
    """Per request row, the score (nan before any) and grade ("" before any) of its firm's
    credit profile version valid on the day it was posted: what was known then, never a
    version stored later (`finplatform.credit.versions`). The model's features are the
    matching side's to choose; these columns are offered, not used."""
    days = [date.fromordinal(int(day) + EPOCH_ORDINAL) for day in requests.posted_at.tolist()]
    found = scores_at(list(zip(requests.enterprise_id.tolist(), days, strict=True)))
    return {
        "credit_score": np.array([score for score, _ in found], dtype=float),
        "credit_grade": np.array([grade for _, grade in found], dtype=object),
    }
