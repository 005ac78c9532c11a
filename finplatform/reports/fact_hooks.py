"""Keeping the report facts at every ORM flush (services, the API, imports, the admin's edits).

Before a flush, the contributions of the rows it will change or delete, and of the rows whose
figures depend on what it changes (a firm joining or leaving a credit community, a product
kind's flags, an institution's kind, a product's kind or institution, an application's
specialist), are taken away; after it, those of the same rows and of the new ones are added
back (facts.py computes and writes them, firsts.py the firms counted once).
Writes that bypass the ORM are not seen: ranking's two bulk statements call `facts.bulk_write`
in their transaction, the demo world's bulk loader calls `facts.rebuild`, and raw SQL needs
`flask report rebuild`.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finplatform.models import (
    Application,
    CommunityMembership,
    Disbursement,
    FinancingRequest,
    Institution,
    Match,
    Product,
    ProductKind,
)
from finplatform.models.sql import local_month
from finplatform.reports.activity import FUNNEL_STEPS, count_where, funnel_flags
from finplatform.reports.fact_sources import (
    FIRST_RANKED,
    FUNNEL,
    KEPT,
    funnel_rows,
    read_firm_months,
    read_funnel,
)
from finplatform.reports.fact_writes import Deltas, Source, write, write_deltas
from finplatform.reports.facts import by_keys, contributions, in_keys, keyed_sources
from finplatform.reports.firsts import add_firm_deltas


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


def _changed(state, *names: str) -> bool:
    return any(state.attrs[name].history.has_changes() for name in names)


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
                if obj in session.deleted or state.attrs["first_ranked_at"].history.has_changes():
                    touched.add(FIRST_RANKED, "ids", obj.id)
            if model is Application and state.attrs["specialist_id"].history.has_changes():
                touched.where(Disbursement, Disbursement.application_id == obj.id)
        elif model is ProductKind and session.is_modified(obj):
            touched.where(Disbursement, Disbursement.product_kind_code == obj.code)
        elif model is Institution and state.attrs["kind_code"].history.has_changes():
            touched.where(Application, Application.institution_id == obj.id)
            offered = sa.select(Product.id).where(Product.institution_id == obj.id)
            touched.where(Match, Match.product_id.in_(offered))
        elif model is Product and _changed(state, "kind_code", "institution_id"):
            touched.where(Match, Match.product_id == obj.id)
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


ADDED = "added_"


@functools.cache
def _funnel_added(tag: str | None = None, disbursements_only: bool = False) -> sa.Select:
    """What a flush that only added rows changes in the funnel, in one query: per month of
    posting, the new requests, and for each step the requests that have it now less those
    that had it without the new applications and disbursements (a new request has no older
    ones). Parameters: `new_r`, `new_a`, `new_d` (the new rows' ids) and by_keys's.
    `disbursements_only`: the flush added no request and no application, so only the
    disbursed step can change (the others read applications alone): the rest are zero."""
    now = funnel_flags()
    before = funnel_flags(
        in_keys(Application.id, "new_a", tag, negate=True),
        in_keys(Disbursement.id, "new_d", tag, negate=True),
    )
    month = local_month(FinancingRequest.created_at)
    zero = sa.literal_column("0", sa.Integer)
    steps = [
        zero
        if disbursements_only and step != "disbursed"
        else count_where(now[step]) - count_where(before[step])
        for step in FUNNEL_STEPS[2:]
    ]
    added = zero if disbursements_only else count_where(in_keys(FinancingRequest.id, "new_r", tag))
    labelled = [step.label(name) for step, name in zip(steps, FUNNEL_STEPS[2:], strict=True)]
    return (
        sa.select(month.label("month"), added.label("requests"), *labelled)
        .where(by_keys(FUNNEL, tag))
        .group_by(month)
    )


def _funnel_params(new: list) -> dict:
    ids = {type(obj): [] for obj in new}
    for obj in new:
        ids[type(obj)].append(obj.id)
    requests = ids.get(FinancingRequest, [])
    return {
        "ids": requests + [obj.request_id for obj in new if type(obj) is Application],
        "applications": [obj.application_id for obj in new if type(obj) is Disbursement],
        "new_r": requests,
        "new_a": ids.get(Application, []),
        "new_d": ids.get(Disbursement, []),
    }


def _funnel_of_new(session: Session, new: list, into: Deltas) -> None:
    params = _funnel_params(new)
    if params["ids"] or params["applications"]:
        read_funnel(session.execute(_funnel_added(), params), into, 1)


def _write_in_one(session: Session, touched: Touched, new: list, deltas, recount_funnel) -> None:
    """PostgreSQL: count what the flush touched and write it, with the deltas taken away
    before it, in one statement."""
    sources: list[Source] = []
    params: dict = {}
    cached = True
    for model, keys in touched.items():
        where = keys.pop("where", None)
        cached = cached and not where
        found, found_params = keyed_sources(model, keys, sa.or_(*where) if where else None)
        sources += found
        params.update(found_params)
    # The firm-months are counted here, so that the firms counted once can be derived from
    # them (firsts.py) before the funnel's change is read (see `_after_flush`).
    for source in [source for source in sources if source.read is read_firm_months]:
        source.read(session.execute(source.statement, params), deltas, 1)
        sources.remove(source)
    add_firm_deltas(deltas, session.connection())
    funnel = {} if recount_funnel else _funnel_params(new)
    if funnel.get("ids") or funnel.get("applications"):
        only = not funnel["new_r"] and not funnel["new_a"]
        sources.append(Source(_funnel_added(ADDED, only), read_funnel, funnel_rows))
        params.update({f"{ADDED}{key}": value for key, value in funnel.items()})
    write(session.connection(), deltas, sources, params, cached)


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
            if type(obj) is FinancingRequest and obj.first_ranked_at is not None:
                touched.add(FIRST_RANKED, "ids", obj.id)
            if recount_funnel and type(obj) is FinancingRequest:
                touched.add(FUNNEL, "ids", obj.id)
            elif recount_funnel and type(obj) in (Application, Disbursement):
                _note_funnel(touched, obj)
        if session.connection().dialect.name == "postgresql":
            _write_in_one(session, touched, new, deltas, recount_funnel)
            return
        _recount(session, touched, deltas, 1)
        # Before the funnel's change is read: this locks the firms written to until commit, so
        # a concurrent first disbursement of the same request is seen, not counted twice.
        add_firm_deltas(deltas, session.connection())
        if not recount_funnel:
            _funnel_of_new(session, new, deltas)
        write_deltas(deltas, session.connection())


def register() -> None:
    """Keep the facts at every ORM flush (once per process; after history is recorded, which
    the facts read)."""
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)
        sa.event.listen(Session, "after_flush", _after_flush)
