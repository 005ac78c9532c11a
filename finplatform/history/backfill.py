"""Starting history from what is stored: used by the migration that adds it and by the demo
world's bulk loader, for every subject that has no period yet.

What it can know: disbursements carry the firm's district and industry on the day, so a firm
whose disbursements changed district or industry gets one period per change (starting on the
Beijing day of the first disbursement that shows it); the last change up to today's values is
dated by the firm's last update when that came later, else the day after its last disbursement.
Every other firm attribute (employees, revenue, R&D spend, patents, rating, flags) was never
kept with its old value, so each period carries today's. Standing follows the commission's
audited approvals and suspensions; without them, an approved or suspended institution holds
that standing since `approved_at` and was pending before. Memberships run from `joined_at`.

The tables are named here column by column, not through the models, so the migration that
calls this keeps working as the models change later.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from finplatform import clock
from finplatform.models.base import Money, UTCDateTime

FIRM_COLUMNS = (
    "district_code",
    "industry_code",
    "employees",
    "revenue_yuan",
    "rd_spend_yuan",
    "patents",
    "is_little_giant",
    "is_high_tech",
    "credit_rating",
)
CONFIRMED_COLUMNS = ("little_giant_confirmed", "high_tech_confirmed", "tech_sme_confirmed")
"""Kept since a later migration added them: copied only where the tables have them."""


def _period() -> tuple[sa.ColumnClause, sa.ColumnClause]:
    return sa.column("valid_from", UTCDateTime()), sa.column("valid_to", UTCDateTime())


FIRM_TYPES = {"revenue_yuan": Money, "rd_spend_yuan": Money, "is_little_giant": sa.Boolean()}
FIRM_TYPES["is_high_tech"] = sa.Boolean()
FIRM_TYPES.update(dict.fromkeys(CONFIRMED_COLUMNS, sa.Boolean()))

enterprises = sa.table(
    "enterprises",
    sa.column("id"),
    sa.column("updated_at", UTCDateTime()),
    *(sa.column(name, FIRM_TYPES.get(name)) for name in FIRM_COLUMNS + CONFIRMED_COLUMNS),
)
firm_history = sa.table(
    "firm_attribute_history",
    sa.column("enterprise_id"),
    *_period(),
    *(sa.column(name, FIRM_TYPES.get(name)) for name in FIRM_COLUMNS + CONFIRMED_COLUMNS),
)
disbursements = sa.table(
    "disbursements",
    sa.column("id"),
    sa.column("enterprise_id"),
    sa.column("disbursed_on", sa.Date()),
    sa.column("district_code"),
    sa.column("industry_code"),
)
institutions = sa.table(
    "institutions", sa.column("id"), sa.column("status"), sa.column("approved_at", UTCDateTime())
)
standing_history = sa.table(
    "institution_standing_history", sa.column("institution_id"), sa.column("status"), *_period()
)
audit_events = sa.table(
    "audit_events",
    sa.column("at", UTCDateTime()),
    sa.column("action"),
    sa.column("object_type"),
    sa.column("object_id"),
    sa.column("detail", sa.JSON()),
)
memberships = sa.table(
    "community_memberships",
    sa.column("community_id"),
    sa.column("enterprise_id"),
    sa.column("joined_at", UTCDateTime()),
)
membership_history = sa.table(
    "community_membership_history",
    sa.column("community_id"),
    sa.column("enterprise_id"),
    sa.column("valid_from", UTCDateTime()),
)


def backfill(connection: Connection) -> None:
    """Give every firm, institution and membership without history its periods."""
    _firms(connection)
    _standings(connection)
    _memberships(connection)


def _district_changes(connection: Connection) -> dict[int, list[tuple]]:
    """Firm id → (day, district, industry) where its disbursements first show each pair."""
    window = {
        "partition_by": disbursements.c.enterprise_id,
        "order_by": (disbursements.c.disbursed_on, disbursements.c.id),
    }
    shown = sa.select(
        disbursements.c.enterprise_id,
        disbursements.c.disbursed_on,
        disbursements.c.district_code,
        disbursements.c.industry_code,
        sa.func.lag(disbursements.c.district_code).over(**window).label("district_before"),
        sa.func.lag(disbursements.c.industry_code).over(**window).label("industry_before"),
    ).subquery()
    query = (
        sa.select(
            shown.c.enterprise_id,
            shown.c.disbursed_on,
            shown.c.district_code,
            shown.c.industry_code,
        )
        .where(
            sa.or_(
                shown.c.district_before.is_(None),
                shown.c.district_before != shown.c.district_code,
                shown.c.industry_before != shown.c.industry_code,
            )
        )
        .order_by(shown.c.enterprise_id, shown.c.disbursed_on)
    )
    changes: dict[int, list[tuple]] = defaultdict(list)
    for firm_id, day, district, industry in connection.execute(query):
        changes[firm_id].append((day, district, industry))
    return changes


def _distinct_starts(starts: list[tuple]) -> list[tuple]:
    """Of periods starting at one instant only the last held (the others lasted no time)."""
    return [s for n, s in enumerate(starts) if n + 1 == len(starts) or starts[n + 1][0] != s[0]]


def _kept_columns(connection: Connection) -> tuple[str, ...]:
    """The firm columns history keeps, as far as the database has them yet."""
    present = {column["name"] for column in sa.inspect(connection).get_columns("enterprises")}
    return FIRM_COLUMNS + tuple(name for name in CONFIRMED_COLUMNS if name in present)


def _firm_periods(firm, changes: list[tuple], kept: tuple[str, ...]) -> list[dict]:
    """A firm's periods: one per district/industry pair its disbursements show, then today's."""
    today = {name: getattr(firm, name) for name in kept}
    pairs = [(clock.beijing_instant(day), d, i) for day, d, i in changes]
    last_day = changes[-1][0] if changes else None
    if not pairs or pairs[-1][1:] != (firm.district_code, firm.industry_code):
        moved = clock.beijing_instant(last_day + timedelta(days=1)) if last_day else None
        if moved is not None and firm.updated_at is not None and firm.updated_at > moved:
            moved = firm.updated_at
        pairs.append((moved, firm.district_code, firm.industry_code))
    pairs = _distinct_starts(pairs)
    periods = []
    for n, (start, district, industry) in enumerate(pairs):
        end = pairs[n + 1][0] if n + 1 < len(pairs) else None
        values = today | {"district_code": district, "industry_code": industry}
        periods.append(
            {"enterprise_id": firm.id, "valid_from": start if n else None, "valid_to": end} | values
        )
    return periods


def _firms(connection: Connection) -> None:
    recorded = sa.select(firm_history.c.enterprise_id).where(
        firm_history.c.enterprise_id == enterprises.c.id
    )
    unrecorded = ~recorded.exists()
    changes = _district_changes(connection)
    kept = _kept_columns(connection)
    names = [enterprises.c[name] for name in kept]
    moved = list(changes)
    rows = []
    for start in range(0, len(moved), 10_000):
        batch = moved[start : start + 10_000]
        for firm in connection.execute(
            sa.select(enterprises.c.id, enterprises.c.updated_at, *names).where(
                enterprises.c.id.in_(batch), unrecorded
            )
        ):
            periods = _firm_periods(firm, changes[firm.id], kept)
            if len(periods) > 1:
                rows.extend(periods)
    if rows:
        connection.execute(firm_history.insert(), rows)
    connection.execute(
        firm_history.insert().from_select(
            ["enterprise_id", *kept],
            sa.select(enterprises.c.id, *names).where(unrecorded).order_by(enterprises.c.id),
        )
    )


def _audited_standings(connection: Connection) -> dict[int, list[tuple[datetime, str, str]]]:
    """Institution id → (when, from, to) of each audited approval or suspension, in order."""
    query = (
        sa.select(
            audit_events.c.object_id,
            audit_events.c.at,
            audit_events.c.detail,
        )
        .where(
            audit_events.c.object_type == "Institution",
            audit_events.c.action.in_(["institution.approved", "institution.suspended"]),
        )
        .order_by(audit_events.c.object_id, audit_events.c.at)
    )
    audited: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for institution_id, at, detail in connection.execute(query):
        audited[institution_id].append((at, detail.get("from"), detail.get("to")))
    return audited


def _standing_periods(institution, audited) -> list[tuple[datetime | None, str]]:
    """(from, status) of each period of one institution's standing."""
    if audited:
        starts = [(None, audited[0][1] or "pending")] + [(at, to) for at, _, to in audited]
        if starts[-1][1] != institution.status:
            starts.append((clock.now(), institution.status))
        return starts
    if institution.status != "pending" and institution.approved_at is not None:
        return [(None, "pending"), (institution.approved_at, institution.status)]
    return [(None, institution.status)]


def _standings(connection: Connection) -> None:
    recorded = sa.select(standing_history.c.institution_id).where(
        standing_history.c.institution_id == institutions.c.id
    )
    audited = _audited_standings(connection)
    rows = []
    query = sa.select(institutions).where(~recorded.exists()).order_by(institutions.c.id)
    for institution in connection.execute(query):
        starts = _standing_periods(institution, audited.get(institution.id, []))
        starts = _distinct_starts(starts)
        for n, (start, status) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else None
            rows.append(
                {"institution_id": institution.id, "status": status}
                | {"valid_from": start, "valid_to": end}
            )
    if rows:
        connection.execute(standing_history.insert(), rows)


def _memberships(connection: Connection) -> None:
    recorded = sa.select(membership_history.c.enterprise_id).where(
        membership_history.c.enterprise_id == memberships.c.enterprise_id,
        membership_history.c.community_id == memberships.c.community_id,
    )
    connection.execute(
        membership_history.insert().from_select(
            ["community_id", "enterprise_id", "valid_from"],
            sa.select(
                memberships.c.community_id, memberships.c.enterprise_id, memberships.c.joined_at
            )
            .where(~recorded.exists())
            .order_by(memberships.c.community_id, memberships.c.enterprise_id),
        )
    )
