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

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
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
from finplatform.models.sql import local_month
from finplatform.reports import metrics
from finplatform.reports.activity import (
    FIRM_MONTH_SOURCES,
    FIRM_MONTHS,
    FUNNEL_STEPS,
    count_where,
    funnel_contributions,
    funnel_flags,
)
from finplatform.reports.measures import MEASURES, Scope, sum_money

FACTS = ReportFact.__table__
# The funnel's facts count requests, touched through their applications and disbursements.
FUNNEL = "funnel"
FUNNEL_STEPS_KEPT = (FUNNEL_STEPS[0], *FUNNEL_STEPS[2:])
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


def _read_funnel(rows, into: Deltas, sign: int) -> None:
    for month, requests, *steps in rows:
        for step, count in zip(FUNNEL_STEPS_KEPT, (requests, *steps), strict=True):
            _add(into, FACTS, (FUNNEL, step, month, ""), count, None, requests, sign)


def _read_firm_months(rows, into: Deltas, sign: int) -> None:
    for kind, month, firm, specialist, count, amount, counted in rows:
        _add(into, FIRM_MONTHS, (kind, month, firm, specialist), count, amount, counted, sign)


def _read_pool(rows, into: Deltas, sign: int) -> None:
    for day, amount, counted in rows:
        _add(into, FACTS, ("money", metrics.POOL_METRIC, day, ""), 0, amount, counted, sign)


def _measure_query(model, name: str) -> tuple[object, Callable]:
    """A measure's facts by month and every breakdown at once."""
    measure = MEASURES[name]
    names = list(measure.dimensions)
    month = local_month(measure.date_column)
    columns = [measure.dimensions[dimension][0] for dimension in names]
    amount = measure.amount if measure.amount is not None else sa.literal(None)
    statement = measure.select(
        [month, *columns, measure.count, amount, sa.func.count()], EVERY_ROW, dimension=names
    ).group_by(month, *columns)
    return statement, _reader(name, names, {})


def _disbursements_query() -> tuple[object, Callable]:
    """The disbursements' facts by month and every breakdown, with each money target's amount
    and rows (one scan for both). Each condition a target counts is evaluated once per row, in
    an inner query (written out per target, they would make a query slow to plan)."""
    measure = MEASURES["disbursements"]
    names = list(measure.dimensions)
    targets = metrics.money_metric_conditions()
    flags = list({id(c): c for only in targets.values() for c in only}.values())
    keys = [local_month(measure.date_column).label("month")] + [
        measure.dimensions[name][0].label(name) for name in names
    ]

    def build(condition) -> sa.Select:
        inner = sa.select(
            *keys,
            Disbursement.reverses_id.is_(None).label("original"),
            Disbursement.amount_yuan.label("amount"),
            *(flag.label(f"flag{index}") for index, flag in enumerate(flags)),
        ).where(*measure.scope_conditions(EVERY_ROW), *(() if condition is None else (condition,)))
        rows = inner.subquery()
        sums = []
        for only in targets.values():
            counted = sa.and_(*(rows.c[f"flag{flags.index(c)}"] for c in only))
            sums.append(sa.func.sum(sa.case((counted, rows.c.amount), else_=0)))
            sums.append(sa.func.sum(sa.case((counted, 1), else_=0)))
        grouped = [rows.c.month, *(rows.c[name] for name in names)]
        return sa.select(
            *grouped,
            sa.func.coalesce(sa.func.sum(sa.case((rows.c.original, 1), else_=-1)), 0),
            sum_money(rows.c.amount),
            sa.func.count(),
            *sums,
        ).group_by(*grouped)

    return build, _reader("disbursements", names, targets)


def _reader(name: str, names: list[str], targets: dict) -> Callable:
    width = len(names)

    def read(rows, into: Deltas, sign: int) -> None:
        for row in rows:
            day, keys = row[0], row[1 : 1 + width]
            count, total, counted = row[1 + width : 4 + width]
            _add(into, FACTS, (name, "", day, ""), count, total, counted, sign)
            for dimension, key in zip(names, keys, strict=True):
                key = (name, dimension, day, _key_text(key))
                _add(into, FACTS, key, count, total, counted, sign)
            for index, metric in enumerate(targets):
                money, counted_rows = row[4 + width + 2 * index : 6 + width + 2 * index]
                if counted_rows:
                    _add(into, FACTS, ("money", metric, day, ""), 0, money, counted_rows, sign)

    return read


@functools.cache
def _queries(model) -> list[tuple[sa.Select, Callable]]:
    """The grouped queries giving `model`'s facts, each with how to read its rows (built once:
    a flush only adds its WHERE)."""
    if model is FUNNEL:
        return [(funnel_contributions(), _read_funnel)]
    found = [(source, _read_firm_months) for source in FIRM_MONTH_SOURCES.get(model, ())]
    if len(found) > 1:
        found = [(sa.union_all(*(source for source, _ in found)), _read_firm_months)]
    if model is PoolContribution:
        month = local_month(PoolContribution.contributed_on)
        amount = sum_money(PoolContribution.amount_yuan)
        found.append((sa.select(month, amount, sa.func.count()).group_by(month), _read_pool))
    if model is Disbursement:
        return [*found, _disbursements_query()]
    return found + [_measure_query(model, name) for name in KEPT[model]]


# The rows a flush touched, by key: each model's own ids, and for the funnel the requests of
# the applications touched (`applications`).
IDS = sa.bindparam("ids", expanding=True)
APPLICATION_IDS = sa.bindparam("applications", expanding=True)


def _by_keys(model) -> sa.ColumnElement[bool]:
    if model is FUNNEL:  # one IN over a UNION, so that both halves use their index
        requests = sa.orm.aliased(FinancingRequest)
        wanted = sa.union_all(
            sa.select(requests.id).where(requests.id.in_(IDS)),
            sa.select(Application.request_id).where(Application.id.in_(APPLICATION_IDS)),
        )
        return FinancingRequest.id.in_(wanted)
    return model.id.in_(IDS)


@functools.cache
def _queries_by_keys(model) -> list[tuple[sa.Select, Callable]]:
    condition = _by_keys(model)
    return [(_where(statement, condition), read) for statement, read in _queries(model)]


def _where(statement, condition):
    """A source query restricted to some rows (None: every row)."""
    if callable(statement):
        return statement(condition)
    if condition is None:
        return statement
    if isinstance(statement, sa.CompoundSelect):
        return sa.union_all(*(part.where(condition) for part in statement.selects))
    return statement.where(condition)


def contributions(
    session: Session, model, where, into: Deltas, sign: int = 1, keys: dict | None = None
) -> None:
    """Add (sign +1) or take away (−1) the facts of `model`'s rows matching `where` (None and
    no `keys`: every row; `keys`: {"ids": …, "applications": …}, the rows touched by key) into
    `into`: one grouped query per measure, one for the firm-months."""
    if keys is not None:
        params = {
            "ids": list(keys.get("ids", ())),
            "applications": list(keys.get("applications", ())),
        }
        if model is not FUNNEL:
            params.pop("applications")
        if where is None:
            for statement, read in _queries_by_keys(model):
                read(session.execute(statement, params), into, sign)
            return
        where = sa.or_(_by_keys(model), where)
    else:
        params = {}
    for statement, read in _queries(model):
        read(session.execute(_where(statement, where), params), into, sign)


@functools.cache
def _increment(table: sa.Table):
    """SQLite: INSERT … ON CONFLICT DO UPDATE adding a row's count, amount and rows."""
    statement = sqlite.insert(table)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=list(KEYS[table]),
        set_={
            "count": table.c.count + excluded.count,
            "amount": sa.case(
                (table.c.amount.is_(None), excluded.amount),
                else_=table.c.amount + sa.func.coalesce(excluded.amount, 0),
            ),
            "rows": table.c.rows + excluded.rows,
        },
    )


@functools.cache
def _increment_all(dialect) -> sa.TextClause:
    """PostgreSQL: one statement adding the deltas of both tables, each given as arrays (one
    round trip, and the same SQL whatever the number of rows, so it is prepared once)."""
    parts = []
    for table, names in KEYS.items():
        columns = [*names, "count", "amount", "rows"]
        arrays = ", ".join(
            f"CAST(:{table.name}_{name} AS {table.c[name].type.compile(dialect)}[])"
            for name in columns
        )
        parts.append(
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(names)}) DO UPDATE SET count = {table.name}.count + "
            f"excluded.count, amount = CASE WHEN {table.name}.amount IS NULL THEN excluded.amount "
            f"ELSE {table.name}.amount + coalesce(excluded.amount, 0) END, "
            f"rows = {table.name}.rows + excluded.rows"
        )
    return sa.text(f"WITH written AS ({parts[0]}) {parts[1]}")


def _write(deltas: Deltas, connection) -> None:
    """Add the deltas (INSERT … ON CONFLICT DO UPDATE with increments, rows in key order so that
    concurrent writers lock them in the same order), then drop emptied rows."""
    found = {
        table: [
            (*key, count, amount, rows)
            for key, (count, amount, rows) in sorted(changes.items(), key=lambda item: str(item[0]))
            if count or rows or amount
        ]
        for table, changes in deltas.items()
    }
    if not any(found.values()):
        return
    if connection.dialect.name == "postgresql":
        params = {}
        for table, names in KEYS.items():
            columns = [*names, "count", "amount", "rows"]
            values = list(zip(*found.get(table, []), strict=True)) or [()] * len(columns)
            params.update(
                {f"{table.name}_{n}": list(v) for n, v in zip(columns, values, strict=True)}
            )
        connection.execute(_increment_all(connection.dialect), params)
    else:
        for table, rows in found.items():
            if rows:
                columns = [*KEYS[table], "count", "amount", "rows"]
                values = [dict(zip(columns, row, strict=True)) for row in rows]
                connection.execute(_increment(table), values)
    for table, rows in found.items():
        emptied = sorted({row[KEYS[table].index("month")] for row in rows if row[-1] < 0})
        if emptied:  # only a change or deletion takes rows away
            connection.execute(
                sa.delete(table).where(table.c.rows <= 0, table.c.month.in_(emptied))
            )


def rebuild(session: Session | None = None) -> int:
    """Recompute every fact from the base tables (`flask report rebuild`); the number of facts.
    The firm-months go in with one INSERT … SELECT over all their sources (the same queries
    the hooks run); the month facts are summed here and inserted."""
    session = session or db.session
    connection = session.connection()
    deltas: Deltas = {FACTS: {}}
    for model in KEPT:
        for statement, read in _queries(model):
            if read is not _read_firm_months:
                read(session.execute(_where(statement, None)), deltas, 1)
    for table in KEYS:
        connection.execute(sa.delete(table))
    names = KEYS[FACTS]
    values = [
        {**dict(zip(names, key, strict=True)), "count": count, "amount": amount, "rows": rows}
        for key, (count, amount, rows) in deltas[FACTS].items()
    ]
    if values:
        connection.execute(sa.insert(FACTS), values)
    parts = [source for sources in FIRM_MONTH_SOURCES.values() for source in sources]
    rows = sa.union_all(*parts).subquery()
    keys = [rows.c[name] for name in KEYS[FIRM_MONTHS]]
    sums = [sa.func.sum(rows.c[name]) for name in ("count", "amount", "rows")]
    connection.execute(
        sa.insert(FIRM_MONTHS).from_select(
            [*KEYS[FIRM_MONTHS], "count", "amount", "rows"],
            sa.select(*keys, *sums).group_by(*keys),
        )
    )
    if connection.dialect.name == "postgresql":  # the planner's statistics of the new rows
        connection.execute(sa.text(f"ANALYZE {FACTS.name}, {FIRM_MONTHS.name}"))
    return len(values) + connection.scalar(sa.select(sa.func.count()).select_from(FIRM_MONTHS))


def all_facts() -> list[tuple]:
    """Every fact and firm-month, sorted: what `rebuild` must reproduce."""
    return [
        tuple(row)
        for table, names in KEYS.items()
        for row in db.session.execute(sa.select(table).order_by(*(table.c[name] for name in names)))
    ]


# ------------------------------------------------------------------------- the flush hooks


class Touched(dict):
    """Per model, the stored rows whose facts a flush may change: by key ("ids"; for the
    funnel also "applications", whose requests it counts) and by other conditions ("where")."""

    def add(self, model, key: str, value) -> None:
        """Note one row by key (a key not yet known, of a row not yet stored, is skipped)."""
        if value is not None:
            self.setdefault(model, {}).setdefault(key, set()).add(value)

    def where(self, model, condition) -> None:
        """Note the rows matching a condition."""
        self.setdefault(model, {}).setdefault("where", []).append(condition)


def _note_funnel(touched: Touched, obj) -> None:
    """The request whose funnel an application or a disbursement counts towards."""
    if isinstance(obj, Application):
        touched.add(FUNNEL, "ids", obj.request_id or getattr(obj.request, "id", None))
    else:
        touched.add(
            FUNNEL, "applications", obj.application_id or getattr(obj.application, "id", None)
        )


def _touched(session: Session, new: list) -> Touched:
    """What this flush may change (`new`: its new rows of the tables kept)."""
    touched = Touched()
    for obj in [*session.dirty, *session.deleted]:
        model = type(obj)
        state = sa.inspect(obj)
        if not state.persistent:
            continue
        if model in KEPT and (obj in session.deleted or session.is_modified(obj)):
            touched.add(model, "ids", obj.id)
            if model in (Application, Disbursement):
                _note_funnel(touched, obj)
            elif model is FinancingRequest:
                touched.add(FUNNEL, "ids", obj.id)
            if model is Application and state.attrs["specialist_id"].history.has_changes():
                touched.where(Disbursement, Disbursement.application_id == obj.id)
        elif model is ProductKind and session.is_modified(obj):
            touched.where(Disbursement, Disbursement.product_kind_code == obj.code)
        elif model is Institution and state.attrs["kind_code"].history.has_changes():
            touched.where(Application, Application.institution_id == obj.id)
        elif model is CommunityMembership:
            touched.where(Disbursement, Disbursement.enterprise_id == obj.enterprise_id)
    for obj in session.new:
        if isinstance(obj, CommunityMembership):
            touched.where(Disbursement, Disbursement.enterprise_id == obj.enterprise_id)
    return touched


def _recount(session: Session, touched: Touched, into: Deltas, sign: int) -> None:
    for model, keys in touched.items():
        where = keys.pop("where", None)
        contributions(session, model, sa.or_(*where) if where else None, into, sign, keys)


NEW = {name: sa.bindparam(f"new_{name}", expanding=True) for name in ("r", "a", "d")}


@functools.cache
def _funnel_added() -> sa.Select:
    """What a flush that only added rows changes in the funnel, in one query: per month of
    posting, the new requests, and for each step the requests that have it now less those
    that had it without the new applications and disbursements (a new request has no older
    ones)."""
    now = funnel_flags()
    before = funnel_flags(Application.id.not_in(NEW["a"]), Disbursement.id.not_in(NEW["d"]))
    month = local_month(FinancingRequest.created_at)
    steps = [count_where(now[step]) - count_where(before[step]) for step in FUNNEL_STEPS[2:]]
    added = count_where(FinancingRequest.id.in_(NEW["r"]))
    return sa.select(month, added, *steps).where(_by_keys(FUNNEL)).group_by(month)


def _funnel_of_new(session: Session, new: list, into: Deltas) -> None:
    ids = {type(obj): [] for obj in new}
    for obj in new:
        ids[type(obj)].append(obj.id)
    requests = ids.get(FinancingRequest, [])
    params = {
        "ids": requests + [obj.request_id for obj in new if type(obj) is Application],
        "applications": [obj.application_id for obj in new if type(obj) is Disbursement],
        "new_r": requests,
        "new_a": ids.get(Application, []),
        "new_d": ids.get(Disbursement, []),
    }
    if params["ids"] or params["applications"]:
        _read_funnel(session.execute(_funnel_added(), params), into, 1)


def _before_flush(session: Session, _context, _instances) -> None:
    # A flush that failed never reached its after_flush: what it left is dropped here.
    session.info.pop("report_facts", None)
    new = [obj for obj in session.new if type(obj) in KEPT]
    touched = _touched(session, new)
    if not new and not touched:
        return
    # A flush that changes a request's applications or disbursements recounts each request it
    # touches, before and after; one that only adds rows reads the funnel's change in one query.
    recount_funnel = FUNNEL in touched
    if recount_funnel:
        for obj in new:
            if type(obj) in (Application, Disbursement):
                _note_funnel(touched, obj)
    deltas: Deltas = {}
    _recount(session, Touched({model: dict(keys) for model, keys in touched.items()}), deltas, -1)
    session.info["report_facts"] = (touched, new, deltas, recount_funnel)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop("report_facts", None)
    if pending is not None:
        touched, new, deltas, recount_funnel = pending
        for obj in new:  # now that their keys are known
            touched.add(type(obj), "ids", obj.id)
            if recount_funnel and type(obj) is FinancingRequest:
                touched.add(FUNNEL, "ids", obj.id)
            elif recount_funnel and type(obj) in (Application, Disbursement):
                _note_funnel(touched, obj)
        _recount(session, touched, deltas, 1)
        if not recount_funnel:
            _funnel_of_new(session, new, deltas)
        _write(deltas, session.connection())


def register() -> None:
    """Keep the facts at every ORM flush (once per process; after history is recorded, which
    the facts read)."""
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)
        sa.event.listen(Session, "after_flush", _after_flush)
