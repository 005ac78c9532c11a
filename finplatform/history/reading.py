"""Reading history: a firm's attributes, its communities and an institution's standing at an
instant. Subjects stored before history was kept (no row at all) read as they are now."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finplatform.history.periods import held_at
from finplatform.models import (
    CommunityMembership,
    Enterprise,
    FinancingRequest,
    FirmAttributes,
    Institution,
    InstitutionStanding,
    InstitutionStatus,
    MembershipPeriod,
)

FIRM_ATTRIBUTES = (
    "district_code",
    "industry_code",
    "employees",
    "revenue_yuan",
    "rd_spend_yuan",
    "patents",
    "is_little_giant",
    "is_high_tech",
    "credit_rating",
    "little_giant_confirmed",
    "high_tech_confirmed",
    "tech_sme_confirmed",
)
"""The enterprise columns whose history is kept (size is read from employees and revenue)."""

ID_BATCH = 10_000
"""Ids per IN list (PostgreSQL binds at most 65,535 parameters in one statement)."""


@dataclass(frozen=True)
class FirmSnapshot:
    """A firm's attributes as they held at one instant."""

    enterprise_id: int
    district_code: str
    industry_code: str
    employees: int | None
    revenue_yuan: Decimal | None
    rd_spend_yuan: Decimal | None
    patents: int
    is_little_giant: bool
    is_high_tech: bool
    credit_rating: str | None
    little_giant_confirmed: bool
    high_tech_confirmed: bool
    tech_sme_confirmed: bool


def _batches(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[start : start + ID_BATCH] for start in range(0, len(ordered), ID_BATCH)]


def _snapshot(enterprise_id: int, row) -> FirmSnapshot:
    return FirmSnapshot(enterprise_id, *(getattr(row, name) for name in FIRM_ATTRIBUTES))


def _current(session: Session, firm_ids: Sequence[int]) -> dict[int, FirmSnapshot]:
    """Today's values of firms that have no history row at all."""
    found = {}
    for batch in _batches(firm_ids):
        recorded = sa.select(FirmAttributes.id).where(FirmAttributes.enterprise_id == Enterprise.id)
        query = sa.select(Enterprise).where(Enterprise.id.in_(batch), ~recorded.exists())
        for firm in session.scalars(query):
            found[firm.id] = _snapshot(firm.id, firm)
    return found


def firm_attributes_at(
    session: Session, firm_ids: int | Iterable[int], when: datetime
) -> dict[int, FirmSnapshot]:
    """Each firm's attributes as they held at `when` (firm id → snapshot)."""
    ids = [firm_ids] if isinstance(firm_ids, int) else list(firm_ids)
    found: dict[int, FirmSnapshot] = {}
    for batch in _batches(ids):
        query = sa.select(FirmAttributes).where(
            FirmAttributes.enterprise_id.in_(batch), held_at(FirmAttributes, when)
        )
        for row in session.scalars(query):
            found[row.enterprise_id] = _snapshot(row.enterprise_id, row)
    missing = [firm_id for firm_id in set(ids) if firm_id not in found]
    return found | _current(session, missing)


def firm_attributes_at_posting(
    session: Session, request_ids: Iterable[int]
) -> dict[int, FirmSnapshot]:
    """Each request's firm as it was when the request was posted (request id → snapshot)."""
    found: dict[int, FirmSnapshot] = {}
    unrecorded: dict[int, list[int]] = defaultdict(list)
    for batch in _batches(request_ids):
        query = (
            sa.select(FinancingRequest.id, FinancingRequest.enterprise_id, FirmAttributes)
            .outerjoin(
                FirmAttributes,
                sa.and_(
                    FirmAttributes.enterprise_id == FinancingRequest.enterprise_id,
                    held_at(FirmAttributes, FinancingRequest.created_at),
                ),
            )
            .where(FinancingRequest.id.in_(batch))
        )
        for request_id, firm_id, row in session.execute(query):
            if row is None:
                unrecorded[firm_id].append(request_id)
            else:
                found[request_id] = _snapshot(firm_id, row)
    for firm_id, snapshot in _current(session, list(unrecorded)).items():
        for request_id in unrecorded[firm_id]:
            found[request_id] = snapshot
    return found


def communities_at_posting(session: Session, request_ids: Iterable[int]) -> dict[int, list[int]]:
    """The credit communities each request's firm belonged to when it posted the request."""
    member_of: dict[int, list[int]] = defaultdict(list)
    for batch in _batches(request_ids):
        periods = sa.select(
            FinancingRequest.id, MembershipPeriod.community_id.label("community_id")
        ).join(
            MembershipPeriod,
            sa.and_(
                MembershipPeriod.enterprise_id == FinancingRequest.enterprise_id,
                held_at(MembershipPeriod, FinancingRequest.created_at),
            ),
        )
        recorded = sa.select(MembershipPeriod.id).where(
            MembershipPeriod.enterprise_id == CommunityMembership.enterprise_id,
            MembershipPeriod.community_id == CommunityMembership.community_id,
        )
        # Memberships stored before history was kept count from the day the firm joined.
        unrecorded = (
            sa.select(FinancingRequest.id, CommunityMembership.community_id)
            .join(
                CommunityMembership,
                CommunityMembership.enterprise_id == FinancingRequest.enterprise_id,
            )
            .where(CommunityMembership.joined_at <= FinancingRequest.created_at)
            .where(~recorded.exists())
        )
        union = sa.union_all(
            periods.where(FinancingRequest.id.in_(batch)),
            unrecorded.where(FinancingRequest.id.in_(batch)),
        )
        for request_id, community_id in session.execute(union):
            member_of[request_id].append(community_id)
    return {request_id: sorted(found) for request_id, found in member_of.items()}


def communities_at(session: Session, firm_id: int, when: datetime) -> list[int]:
    """The credit communities (institution ids) a firm belonged to at `when`."""
    recorded = sa.select(MembershipPeriod.id).where(
        MembershipPeriod.enterprise_id == CommunityMembership.enterprise_id,
        MembershipPeriod.community_id == CommunityMembership.community_id,
    )
    periods = sa.select(MembershipPeriod.community_id).where(
        MembershipPeriod.enterprise_id == firm_id, held_at(MembershipPeriod, when)
    )
    unrecorded = sa.select(CommunityMembership.community_id).where(
        CommunityMembership.enterprise_id == firm_id,
        CommunityMembership.joined_at <= when,
        ~recorded.exists(),
    )
    return sorted(session.scalars(sa.union_all(periods, unrecorded)))


def institution_standing_at(
    session: Session, institution_ids: int | Iterable[int], when: datetime
) -> dict[int, InstitutionStatus]:
    """Each institution's standing with the commission at `when` (institution id → status)."""
    ids = [institution_ids] if isinstance(institution_ids, int) else list(institution_ids)
    found: dict[int, InstitutionStatus] = {}
    for batch in _batches(ids):
        query = sa.select(InstitutionStanding.institution_id, InstitutionStanding.status).where(
            InstitutionStanding.institution_id.in_(batch), held_at(InstitutionStanding, when)
        )
        found.update(dict(session.execute(query).all()))
    missing = [i for i in set(ids) if i not in found]
    for batch in _batches(missing):
        recorded = sa.select(InstitutionStanding.id).where(
            InstitutionStanding.institution_id == Institution.id
        )
        query = sa.select(Institution.id, Institution.status).where(
            Institution.id.in_(batch), ~recorded.exists()
        )
        found.update(dict(session.execute(query).all()))
    return found
