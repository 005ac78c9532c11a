"""Confirmed flags: a firm's claimed status counts only while its public-credit records
confirm it.

- 科技小巨人: claimed on the profile (`is_little_giant`), confirmed by a 科技小巨人认定 record;
- 高新技术企业: claimed (`is_high_tech`), confirmed by a 高新技术企业证书 record;
- 科技型中小企业: every firm on the platform claims it, confirmed by its 入库 registration.

A record confirms from its date (`as_of`) to its `valid_until` day included (without one, from
its date on). The confirmed flags live on the firm, so the attribute history records each
change from the moment the platform learns it (a load of records, a changed claim, or the
daily `flask credit confirm` that lets certificates expire); ranking, eligibility and reports
read them, never the claim alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import CreditRecord, CreditRecordKind, Enterprise
from finplatform.ranking import versions

K = CreditRecordKind
CONFIRMED_BY = {
    "little_giant_confirmed": (K.LITTLE_GIANT, "is_little_giant"),
    "high_tech_confirmed": (K.HIGH_TECH, "is_high_tech"),
    "tech_sme_confirmed": (K.TECH_SME, None),
}
"""Confirmed flag → (the record kind that confirms it, the claim it confirms; None: always
claimed)."""

CHUNK = 500


def _valid_kinds(firm_ids: list[int], on: date) -> dict[int, set[CreditRecordKind]]:
    """Firm id → the confirming kinds it holds a record of, valid on `on`."""
    kinds = [kind for kind, _claim in CONFIRMED_BY.values()]
    held: dict[int, set[CreditRecordKind]] = {firm_id: set() for firm_id in firm_ids}
    for start in range(0, len(firm_ids), CHUNK):
        rows = db.session.execute(
            sa.select(CreditRecord.enterprise_id, CreditRecord.kind)
            .where(
                CreditRecord.enterprise_id.in_(firm_ids[start : start + CHUNK]),
                CreditRecord.kind.in_(kinds),
                CreditRecord.as_of <= on,
                sa.or_(CreditRecord.valid_until.is_(None), CreditRecord.valid_until >= on),
            )
            .distinct()
        )
        for firm_id, kind in rows:
            held[firm_id].add(kind)
    return held


def confirmed_flags(firm: Enterprise, held: set[CreditRecordKind]) -> dict[str, bool]:
    """The firm's confirmed flags given the confirming kinds it holds valid records of."""
    return {
        flag: kind in held and (claim is None or bool(getattr(firm, claim)))
        for flag, (kind, claim) in CONFIRMED_BY.items()
    }


def confirm(firms: Iterable[Enterprise], on: date) -> int:
    """Set the firms' confirmed flags as the records valid on `on` state them; returns how many
    firms changed. The caller's transaction writes them (and so their history)."""
    firms = list(firms)
    held = _valid_kinds([firm.id for firm in firms], on)
    changed = 0
    for firm in firms:
        flags = confirmed_flags(firm, held[firm.id])
        if any(getattr(firm, name) != value for name, value in flags.items()):
            for name, value in flags.items():
                setattr(firm, name, value)
            changed += 1
    if changed:
        # Cached rankings read the firms' old flags: every worker re-ranks after the commit.
        versions.invalidate_catalogue()
    return changed


def confirm_ids(firm_ids: Iterable[int], on: date) -> int:
    """`confirm` for firms given by id."""
    ids = sorted(set(firm_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        firms = db.session.scalars(
            sa.select(Enterprise).where(Enterprise.id.in_(ids[start : start + CHUNK]))
        )
        changed += confirm(firms, on)
    return changed


def confirm_all(on: date) -> int:
    """`confirm` for every firm (the daily run that lets certificates expire)."""
    return confirm_ids(db.session.scalars(sa.select(Enterprise.id)).all(), on)
