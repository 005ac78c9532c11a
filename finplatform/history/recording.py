"""Recording history in the same transaction as the write that changes it.

Every write through the ORM (services, the API, imports, the admin's standing changes, the
demo accounts) ends in a flush; `register` hooks the end of each flush and writes the periods of
whatever firm, institution or membership it inserted, changed or deleted, on the flush's own
connection. One hook instead of a call in every service: a new write path cannot forget it.
Statements that bypass the ORM (bulk `update()`/`delete()`, raw SQL, the world's bulk loader)
are not seen; the loader calls `backfill` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from finplatform import clock
from finplatform.history.reading import FIRM_ATTRIBUTES
from finplatform.models import (
    CommunityMembership,
    Enterprise,
    FirmAttributes,
    Institution,
    InstitutionStanding,
    MembershipPeriod,
)

FIRMS = FirmAttributes.__table__
STANDINGS = InstitutionStanding.__table__
MEMBERSHIPS = MembershipPeriod.__table__


def _subject(table: sa.Table, subject: Mapping) -> sa.ColumnElement[bool]:
    return sa.and_(*(table.c[name] == value for name, value in subject.items()))


def record_period(
    connection: Connection,
    table: sa.Table,
    subject: Mapping,
    values: Mapping,
    at: datetime,
    *,
    previous: Mapping | None = None,
) -> None:
    """Make `values` the subject's current period from `at` on (nothing if they already are).

    A subject with no period yet starts with one reaching back to all earlier time: `previous`
    values up to `at` when the write changed a subject stored before history was kept.
    """
    current = connection.execute(
        sa.select(table).where(_subject(table, subject), table.c.valid_to.is_(None))
    ).first()
    if current is not None:
        if all(getattr(current, name) == value for name, value in values.items()):
            return
        if current.valid_from is not None and current.valid_from >= at:
            # Two changes at one instant (or a clock pinned earlier): the later write stands.
            connection.execute(table.update().where(table.c.id == current.id).values(**values))
            return
        connection.execute(table.update().where(table.c.id == current.id).values(valid_to=at))
        connection.execute(table.insert().values(**subject, **values, valid_from=at))
        return
    known = connection.execute(sa.select(table.c.id).where(_subject(table, subject)).limit(1))
    if known.first() is not None:
        connection.execute(table.insert().values(**subject, **values, valid_from=at))
    elif previous is not None and dict(previous) != dict(values):
        connection.execute(table.insert().values(**subject, **previous, valid_to=at))
        connection.execute(table.insert().values(**subject, **values, valid_from=at))
    else:
        connection.execute(table.insert().values(**subject, **values))


def open_membership(connection: Connection, community_id: int, firm_id: int, at: datetime):
    """The firm is a member of the community from `at` on (nothing if it already is)."""
    subject = {"community_id": community_id, "enterprise_id": firm_id}
    current = connection.execute(
        sa.select(MEMBERSHIPS.c.id).where(
            _subject(MEMBERSHIPS, subject), MEMBERSHIPS.c.valid_to.is_(None)
        )
    ).first()
    if current is None:
        connection.execute(MEMBERSHIPS.insert().values(**subject, valid_from=at))


def close_membership(connection: Connection, community_id: int, firm_id: int, at: datetime):
    """The firm's membership of the community ends at `at`."""
    subject = _subject(MEMBERSHIPS, {"community_id": community_id, "enterprise_id": firm_id})
    open_now = sa.and_(subject, MEMBERSHIPS.c.valid_to.is_(None))
    # A membership that ends the instant it began never held: it leaves no period.
    connection.execute(MEMBERSHIPS.delete().where(open_now, MEMBERSHIPS.c.valid_from >= at))
    connection.execute(MEMBERSHIPS.update().where(open_now).values(valid_to=at))


def firm_values(firm: Enterprise) -> dict:
    """The firm's tracked attributes as they are on the object."""
    return {name: getattr(firm, name) for name in FIRM_ATTRIBUTES}


def _changes(obj, names) -> tuple[bool, dict]:
    """Whether the flush changed any of `names`, and their values before it."""
    state = sa.inspect(obj)
    changed, previous = False, {}
    for name in names:
        history = state.attrs[name].history
        changed = changed or history.has_changes()
        previous[name] = history.deleted[0] if history.deleted else getattr(obj, name)
    return changed, previous


def _record_flush(session: Session, _flush_context) -> None:
    """Write the periods of what this flush inserted, changed or deleted."""
    tracked = (Enterprise, Institution, CommunityMembership)
    new = [obj for obj in session.new if isinstance(obj, tracked)]
    dirty = [obj for obj in session.dirty if isinstance(obj, tracked)]
    gone = [obj for obj in session.deleted if isinstance(obj, CommunityMembership)]
    if not (new or dirty or gone):
        return
    at = clock.now()
    connection = session.connection()
    for obj in new:
        if isinstance(obj, Enterprise):
            record_period(connection, FIRMS, {"enterprise_id": obj.id}, firm_values(obj), at)
        elif isinstance(obj, Institution):
            record_period(
                connection, STANDINGS, {"institution_id": obj.id}, {"status": obj.status}, at
            )
        else:
            open_membership(connection, obj.community_id, obj.enterprise_id, obj.joined_at or at)
    for obj in dirty:
        if isinstance(obj, Enterprise):
            changed, previous = _changes(obj, FIRM_ATTRIBUTES)
            subject, values = {"enterprise_id": obj.id}, firm_values(obj)
            table = FIRMS
        elif isinstance(obj, Institution):
            changed, previous = _changes(obj, ("status",))
            subject, values = {"institution_id": obj.id}, {"status": obj.status}
            table = STANDINGS
        else:
            continue
        if changed:
            record_period(connection, table, subject, values, at, previous=previous)
    for obj in gone:
        close_membership(connection, obj.community_id, obj.enterprise_id, at)


def register() -> None:
    """Record history at the end of every ORM flush (once per process)."""
    if not sa.event.contains(Session, "after_flush", _record_flush):
        sa.event.listen(Session, "after_flush", _record_flush)
