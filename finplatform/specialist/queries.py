"""What a specialist's pages read: the firm's ranked matches to recommend from, and each
portfolio firm's open request, last contact and next follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform import clock
from finplatform.extensions import db
from finplatform.models import ContactLog, FinancingRequest, RequestStatus
from finplatform.ranking.service import rank_products_for_request


@dataclass(frozen=True)
class RankedMatch:
    """One of the firm's matched products, as the recommend list offers it."""

    product_id: int
    product_name: str
    institution_name: str
    request_id: int
    rank: int


def ranked_matches(enterprise_id: int, limit: int = 30, requests: int = 3) -> list[RankedMatch]:
    """The products ranked for the firm's newest open requests, as the firm sees them: best
    rank first (newest request first among equal ranks), each product once."""
    open_requests = db.session.scalars(
        sa.select(FinancingRequest)
        .where(
            FinancingRequest.enterprise_id == enterprise_id,
            FinancingRequest.status == RequestStatus.OPEN,
        )
        .order_by(FinancingRequest.id.desc())
        .limit(requests)
    ).all()
    candidates = [
        RankedMatch(
            item.product.id,
            item.product.name,
            item.product.institution.name,
            financing_request.id,
            item.rank,
        )
        for financing_request in open_requests
        for item in rank_products_for_request(financing_request, top_k=10)
    ]
    candidates.sort(key=lambda match: (match.rank, -match.request_id))
    seen: set[int] = set()
    found = []
    for match in candidates:
        if match.product_id not in seen:
            seen.add(match.product_id)
            found.append(match)
    return found[:limit]


@dataclass(frozen=True)
class FirmStatus:
    """Where a portfolio firm stands: its newest open request, last contact, next follow-up."""

    open_request_id: int | None = None
    open_request_yuan: Decimal | None = None
    open_requests: int = 0
    last_contact_at: datetime | None = None
    next_follow_up: date | None = None


def portfolio_status(enterprise_ids: list[int]) -> dict[int, FirmStatus]:
    """Each listed firm's status, three grouped queries for the whole page."""
    if not enterprise_ids:
        return {}
    newest = (
        sa.select(
            FinancingRequest.enterprise_id,
            sa.func.max(FinancingRequest.id).label("newest"),
            sa.func.count(FinancingRequest.id).label("n"),
        )
        .where(
            FinancingRequest.enterprise_id.in_(enterprise_ids),
            FinancingRequest.status == RequestStatus.OPEN,
        )
        .group_by(FinancingRequest.enterprise_id)
        .subquery()
    )
    requests = {
        firm: (request_id, amount, n)
        for firm, request_id, amount, n in db.session.execute(
            sa.select(
                newest.c.enterprise_id, newest.c.newest, FinancingRequest.amount_yuan, newest.c.n
            ).join(FinancingRequest, FinancingRequest.id == newest.c.newest)
        )
    }
    last_contacts = dict(
        db.session.execute(
            sa.select(ContactLog.enterprise_id, sa.func.max(ContactLog.happened_at))
            .where(ContactLog.enterprise_id.in_(enterprise_ids))
            .group_by(ContactLog.enterprise_id)
        ).all()
    )
    follow_ups = dict(
        db.session.execute(
            sa.select(ContactLog.enterprise_id, sa.func.min(ContactLog.follow_up_on))
            .where(
                ContactLog.enterprise_id.in_(enterprise_ids),
                ContactLog.follow_up_on >= clock.today(),
            )
            .group_by(ContactLog.enterprise_id)
        ).all()
    )
    statuses = {}
    for firm in enterprise_ids:
        request_id, amount, n = requests.get(firm, (None, None, 0))
        statuses[firm] = FirmStatus(
            open_request_id=request_id,
            open_request_yuan=amount,
            open_requests=n,
            last_contact_at=last_contacts.get(firm),
            next_follow_up=follow_ups.get(firm),
        )
    return statuses
