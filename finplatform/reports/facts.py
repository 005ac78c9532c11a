"""Report facts (报表事实): each month's figures kept as they stand, written with the rows they
count, so a report reads a few hundred small rows instead of a year of source rows.

What is kept (`report_facts`): for requests, applications, approvals, rejections and
disbursements, the count, amount and number of rows of each month in total and by each
breakdown (measures.py says what each counts), and each money target's amount per month
(metrics.py: the disbursements each counts; for the risk guarantee pool, funds contributed).
Matches are not kept (re-ranking replaces them in bulk); nor are the counts of distinct firms,
the funnel or the response times, which are counted live.

How they stay right. A fact is the same query as the figure, restricted to the rows a write
touched: `contributions(model, where)` groups a measure's rows by month and every breakdown at
once. An ORM flush (services, the API, imports, the admin's edits) is hooked twice: before it,
the contributions of the rows it will change or delete, and of the rows whose figures depend on
what it changes (a firm joining or leaving a credit community, a product kind's flags, an
institution's kind), are taken away; after it, the contributions of the same rows and of the
new ones are added back. So a reversal or a late record updates its month like any other write,
in the same transaction, and there is nothing to refresh. The deltas go in with
INSERT … ON CONFLICT DO UPDATE SET count = count + …, so two writers to one month wait for each
other's row lock on PostgreSQL and neither loses an update. Writes that bypass the ORM (the demo
world's bulk loader, raw SQL) are not seen: the loader calls `rebuild`, and `flask report
rebuild` recomputes every fact from the base tables, with the same function, giving the same
rows (tests/reports/test_facts.py checks that over random sequences of writes).

Why hooks, not triggers: the definitions (a firm's district at the time, an institution's
standing at the time, a month in Beijing time) are SQLAlchemy expressions written once in
measures.py and metrics.py; the hook reuses them for one row and the rebuild for all, on SQLite
and PostgreSQL alike, where triggers would restate every definition twice, once per database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finplatform.extensions import db
from finplatform.models import (
    Application,
    CommunityMembership,
    Disbursement,
    FinancingRequest,
    Institution,
    PoolContribution,
    ProductKind,
    ReportFact,
)
from finplatform.models.sql import local_month, upsert
from finplatform.reports import metrics
from finplatform.reports.measures import MEASURES, Scope, sum_money

FACTS = ReportFact.__table__
# The measures kept, by the table whose rows they count.
KEPT: dict[type, tuple[str, ...]] = {
    FinancingRequest: ("requests",),
    Application: ("applications", "approvals", "rejections"),
    Disbursement: ("disbursements",),
    PoolContribution: (),
}
EVERY_ROW = Scope(None, date(2200, 1, 1))
Key = tuple[str, str, object, str]  # (measure, dimension, month, key)


# ------------------------------------------------------------------------------ computing


def _add(into: dict[Key, list], key: Key, count: int, amount, rows: int, sign: int) -> None:
    entry = into.setdefault(key, [0, None, 0])
    entry[0] += sign * int(count or 0)
    if amount is not None:
        entry[1] = (entry[1] or Decimal("0.00")) + sign * Decimal(amount)
    entry[2] += sign * int(rows)


def _key_text(value) -> str:
    return "" if value is None else str(value)


def contributions(
    session: Session, model: type, where, into: dict[Key, list], sign: int = 1
) -> None:
    """Add (sign +1) or take away (−1) the facts of `model`'s rows matching `where` (None:
    every row) into `into`: one grouped query per measure."""
    conditions = () if where is None else (where,)
    if model is PoolContribution:
        month = local_month(PoolContribution.contributed_on)
        statement = sa.select(month, sum_money(PoolContribution.amount_yuan), sa.func.count())
        for day, amount, rows in session.execute(statement.where(*conditions).group_by(month)):
            _add(into, ("money", metrics.POOL_METRIC, day, ""), 0, amount, rows, sign)
        return
    for name in KEPT[model]:
        measure = MEASURES[name]
        names = list(measure.dimensions)
        month = local_month(measure.date_column)
        columns = [measure.dimensions[dimension][0] for dimension in names]
        amount = measure.amount if measure.amount is not None else sa.literal(None)
        # Disbursements also carry each money target's amount and rows (one scan for both).
        targets = metrics.money_metric_conditions() if model is Disbursement else {}
        sums = []
        for only in targets.values():
            counted = sa.and_(sa.true(), *only)
            sums.append(sa.func.sum(sa.case((counted, Disbursement.amount_yuan), else_=0)))
            sums.append(sa.func.sum(sa.case((counted, 1), else_=0)))
        statement = measure.select(
            [month, *columns, measure.count, amount, sa.func.count(), *sums],
            EVERY_ROW,
            dimension=names,
            where=conditions,
        ).group_by(month, *columns)
        width = len(names)
        for row in session.execute(statement):
            day, keys = row[0], row[1 : 1 + width]
            count, total, rows = row[1 + width : 4 + width]
            _add(into, (name, "", day, ""), count, total, rows, sign)
            for dimension, key in zip(names, keys, strict=True):
                _add(into, (name, dimension, day, _key_text(key)), count, total, rows, sign)
            for index, metric in enumerate(targets):
                money, counted_rows = row[4 + width + 2 * index : 6 + width + 2 * index]
                if counted_rows:
                    _add(into, ("money", metric, day, ""), 0, money, counted_rows, sign)


def _write(deltas: dict[Key, list], connection) -> None:
    """Add the deltas to the facts (INSERT … ON CONFLICT DO UPDATE with increments, in key
    order so that concurrent writers lock rows in the same order), then drop emptied facts."""
    values = [
        {
            "measure": key[0],
            "dimension": key[1],
            "month": key[2],
            "key": key[3],
            "count": count,
            "amount": amount,
            "rows": rows,
        }
        for key, (count, amount, rows) in sorted(deltas.items(), key=lambda item: str(item[0]))
        if count or rows or amount
    ]
    if not values:
        return
    statement = upsert(connection, FACTS)
    excluded = statement.excluded
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["measure", "dimension", "month", "key"],
            set_={
                "count": FACTS.c.count + excluded.count,
                "amount": sa.case(
                    (FACTS.c.amount.is_(None), excluded.amount),
                    else_=FACTS.c.amount + sa.func.coalesce(excluded.amount, 0),
                ),
                "rows": FACTS.c.rows + excluded.rows,
            },
        ),
        values,
    )
    emptied = [value for value in values if value["rows"] < 0]
    if emptied:  # only a change or deletion takes rows away
        months = sorted({value["month"] for value in emptied})
        connection.execute(sa.delete(FACTS).where(FACTS.c.rows <= 0, FACTS.c.month.in_(months)))


def rebuild(session: Session | None = None) -> int:
    """Recompute every fact from the base tables (`flask report rebuild`); the number of facts."""
    session = session or db.session
    deltas: dict[Key, list] = {}
    for model in KEPT:
        contributions(session, model, None, deltas)
    connection = session.connection()
    connection.execute(sa.delete(FACTS))
    _write(deltas, connection)
    return len(deltas)


def all_facts() -> list[tuple]:
    """Every fact, sorted: what `rebuild` must reproduce."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(FACTS).order_by(
                FACTS.c.measure, FACTS.c.dimension, FACTS.c.month, FACTS.c.key
            )
        )
    ]


# ------------------------------------------------------------------------- the flush hooks


def _touched(session: Session) -> dict[type, list]:
    """The conditions selecting the stored rows whose facts this flush may change."""
    found: dict[type, list] = {model: [] for model in KEPT}
    for obj in [*session.dirty, *session.deleted]:
        model = type(obj)
        state = sa.inspect(obj)
        if not state.persistent:
            continue
        if model in KEPT and (obj in session.deleted or session.is_modified(obj)):
            found[model].append(model.id == obj.id)
        elif model is ProductKind and session.is_modified(obj):
            found[Disbursement].append(Disbursement.product_kind_code == obj.code)
        elif model is Institution and state.attrs["kind_code"].history.has_changes():
            found[Application].append(Application.institution_id == obj.id)
        elif model is CommunityMembership:
            found[Disbursement].append(Disbursement.enterprise_id == obj.enterprise_id)
    for obj in session.new:
        if isinstance(obj, CommunityMembership):
            found[Disbursement].append(Disbursement.enterprise_id == obj.enterprise_id)
    return found


def _before_flush(session: Session, _context, _instances) -> None:
    # A flush that failed never reached its after_flush: what it left is dropped here.
    session.info.pop("report_facts", None)
    touched = _touched(session)
    new = [obj for obj in session.new if type(obj) in KEPT]
    if not new and not any(touched.values()):
        return
    deltas: dict[Key, list] = {}
    for model, conditions in touched.items():
        if conditions:
            contributions(session, model, sa.or_(*conditions), deltas, sign=-1)
    session.info["report_facts"] = (touched, new, deltas)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop("report_facts", None)
    if pending is not None:
        touched, new, deltas = pending
        for model in KEPT:
            conditions = list(touched[model])
            ids = [obj.id for obj in new if type(obj) is model and obj.id is not None]
            if ids:
                conditions.append(model.id.in_(ids))
            if conditions:
                contributions(session, model, sa.or_(*conditions), deltas)
        _write(deltas, session.connection())


def register() -> None:
    """Keep the facts at every ORM flush (once per process; after history is recorded, which
    the facts read)."""
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)
        sa.event.listen(Session, "after_flush", _after_flush)
