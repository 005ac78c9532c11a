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
    ContactLog,
    Disbursement,
    FinancingRequest,
    Institution,
    PoolContribution,
    ProductKind,
    Referral,
    ReportFact,
)
from finplatform.models.sql import local_month, upsert
from finplatform.reports import metrics
from finplatform.reports.activity import FIRM_MONTH_SOURCES, FIRM_MONTHS, funnel_contributions
from finplatform.reports.measures import MEASURES, Scope, sum_money

FACTS = ReportFact.__table__
# The funnel's facts count requests, touched through their applications and disbursements.
FUNNEL = "funnel"
# The measures kept, by the table whose rows they count.
KEPT: dict[object, tuple[str, ...]] = {
    FinancingRequest: ("requests",),
    Application: ("applications", "approvals", "rejections"),
    Disbursement: ("disbursements",),
    PoolContribution: (),
    Referral: (),
    ContactLog: (),
    FUNNEL: (),
}
KEYS = {
    FACTS: ("measure", "dimension", "month", "key"),
    FIRM_MONTHS: tuple(FIRM_MONTHS.primary_key.columns.keys()),
}
EVERY_ROW = Scope(None, date(2200, 1, 1))
Key = tuple  # (measure, dimension, month, key) or (kind, month, enterprise_id, specialist_id)
Deltas = dict[sa.Table, dict[Key, list]]


# ------------------------------------------------------------------------------ computing


def _add(into: Deltas, table, key: Key, count, amount, rows: int, sign: int) -> None:
    entry = into.setdefault(table, {}).setdefault(key, [0, None, 0])
    entry[0] += sign * int(count or 0)
    if amount is not None:
        entry[1] = (entry[1] or Decimal("0.00")) + sign * Decimal(amount)
    entry[2] += sign * int(rows)


def _key_text(value) -> str:
    return "" if value is None else str(value)


def contributions(session: Session, model, where, into: Deltas, sign: int = 1) -> None:
    """Add (sign +1) or take away (−1) the facts of `model`'s rows matching `where` (None:
    every row) into `into`: one grouped query per measure, one for the firm-months."""
    conditions = () if where is None else (where,)
    if model is FUNNEL:
        for month, requests, *steps in session.execute(funnel_contributions().where(*conditions)):
            for step, count in zip(
                ("requests", "applied", "approved", "disbursed"), (requests, *steps), strict=True
            ):
                _add(into, FACTS, (FUNNEL, step, month, ""), count, None, requests, sign)
        return
    if model in FIRM_MONTH_SOURCES:
        sources = [source.where(*conditions) for source in FIRM_MONTH_SOURCES[model]]
        for kind, month, firm, specialist, count, amount, rows in session.execute(
            sa.union_all(*sources) if len(sources) > 1 else sources[0]
        ):
            _add(into, FIRM_MONTHS, (kind, month, firm, specialist), count, amount, rows, sign)
    if model is PoolContribution:
        month = local_month(PoolContribution.contributed_on)
        statement = sa.select(month, sum_money(PoolContribution.amount_yuan), sa.func.count())
        for day, amount, rows in session.execute(statement.where(*conditions).group_by(month)):
            _add(into, FACTS, ("money", metrics.POOL_METRIC, day, ""), 0, amount, rows, sign)
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
            _add(into, FACTS, (name, "", day, ""), count, total, rows, sign)
            for dimension, key in zip(names, keys, strict=True):
                _add(into, FACTS, (name, dimension, day, _key_text(key)), count, total, rows, sign)
            for index, metric in enumerate(targets):
                money, counted_rows = row[4 + width + 2 * index : 6 + width + 2 * index]
                if counted_rows:
                    _add(into, FACTS, ("money", metric, day, ""), 0, money, counted_rows, sign)


def _write(deltas: Deltas, connection) -> None:
    """Add the deltas to each table with one INSERT … ON CONFLICT DO UPDATE of increments (rows
    in key order, so that concurrent writers lock them in the same order), then drop emptied
    rows."""
    for table, changes in deltas.items():
        names = KEYS[table]
        values = [
            {**dict(zip(names, key, strict=True)), "count": count, "amount": amount, "rows": rows}
            for key, (count, amount, rows) in sorted(changes.items(), key=lambda item: str(item[0]))
            if count or rows or amount
        ]
        if not values:
            continue
        statement = upsert(connection, table).values(values)
        excluded = statement.excluded
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=list(names),
                set_={
                    "count": table.c.count + excluded.count,
                    "amount": sa.case(
                        (table.c.amount.is_(None), excluded.amount),
                        else_=table.c.amount + sa.func.coalesce(excluded.amount, 0),
                    ),
                    "rows": table.c.rows + excluded.rows,
                },
            )
        )
        emptied = sorted({value["month"] for value in values if value["rows"] < 0})
        if emptied:  # only a change or deletion takes rows away
            connection.execute(
                sa.delete(table).where(table.c.rows <= 0, table.c.month.in_(emptied))
            )


def rebuild(session: Session | None = None) -> int:
    """Recompute every fact from the base tables (`flask report rebuild`); the number of facts."""
    session = session or db.session
    deltas: Deltas = {}
    for model in KEPT:
        contributions(session, model, None, deltas)
    connection = session.connection()
    for table in KEYS:
        connection.execute(sa.delete(table))
    for table, changes in deltas.items():
        # In batches: a multi-row INSERT has a bound on its parameters.
        items = list(changes.items())
        for start in range(0, len(items), 2000):
            _write({table: dict(items[start : start + 2000])}, connection)
    return sum(len(changes) for changes in deltas.values())


def all_facts() -> list[tuple]:
    """Every fact and firm-month, sorted: what `rebuild` must reproduce."""
    return [
        tuple(row)
        for table, names in KEYS.items()
        for row in db.session.execute(sa.select(table).order_by(*(table.c[name] for name in names)))
    ]


# ------------------------------------------------------------------------- the flush hooks


def _request_of(obj) -> sa.ColumnElement[bool] | None:
    """The request whose funnel an application or a disbursement counts towards."""
    if isinstance(obj, Application):
        request_id = obj.request_id
        if request_id is None and obj.request is not None:
            request_id = obj.request.id
        return None if request_id is None else FinancingRequest.id == request_id
    application_id = obj.application_id
    if application_id is None and obj.application is not None:
        application_id = obj.application.id
    if application_id is None:
        return None
    of_application = sa.select(Application.request_id).where(Application.id == application_id)
    return FinancingRequest.id == of_application.scalar_subquery()


def _touched(session: Session, new: list) -> dict[object, list]:
    """The conditions selecting the stored rows whose facts this flush may change (`new`: the
    flush's new rows of the tables kept)."""
    found: dict[object, list] = {model: [] for model in KEPT}
    for obj in [*session.dirty, *session.deleted]:
        model = type(obj)
        state = sa.inspect(obj)
        if not state.persistent:
            continue
        if model in KEPT and (obj in session.deleted or session.is_modified(obj)):
            found[model].append(model.id == obj.id)
            if model in (Application, Disbursement):
                found[FUNNEL].append(_request_of(obj))
            elif model is FinancingRequest:
                found[FUNNEL].append(FinancingRequest.id == obj.id)
            if model is Application and state.attrs["specialist_id"].history.has_changes():
                found[Disbursement].append(Disbursement.application_id == obj.id)
        elif model is ProductKind and session.is_modified(obj):
            found[Disbursement].append(Disbursement.product_kind_code == obj.code)
        elif model is Institution and state.attrs["kind_code"].history.has_changes():
            found[Application].append(Application.institution_id == obj.id)
        elif model is CommunityMembership:
            found[Disbursement].append(Disbursement.enterprise_id == obj.enterprise_id)
    for obj in session.new:
        if isinstance(obj, CommunityMembership):
            found[Disbursement].append(Disbursement.enterprise_id == obj.enterprise_id)
    found[FUNNEL].extend(
        _request_of(obj) for obj in new if type(obj) in (Application, Disbursement)
    )
    found[FUNNEL] = [condition for condition in found[FUNNEL] if condition is not None]
    return found


def _before_flush(session: Session, _context, _instances) -> None:
    # A flush that failed never reached its after_flush: what it left is dropped here.
    session.info.pop("report_facts", None)
    new = [obj for obj in session.new if type(obj) in KEPT]
    touched = _touched(session, new)
    if not new and not any(touched.values()):
        return
    deltas: Deltas = {}
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
            if model is FUNNEL:  # the new rows' requests, now that their keys are known
                requests = [obj.id for obj in new if type(obj) is FinancingRequest]
                conditions.extend(
                    _request_of(obj) for obj in new if type(obj) in (Application, Disbursement)
                )
                conditions = [c for c in conditions if c is not None]
                if requests:
                    conditions.append(FinancingRequest.id.in_(requests))
            if conditions:
                contributions(session, model, sa.or_(*conditions), deltas)
        _write(deltas, session.connection())


def register() -> None:
    """Keep the facts at every ORM flush (once per process; after history is recorded, which
    the facts read)."""
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)
        sa.event.listen(Session, "after_flush", _after_flush)
