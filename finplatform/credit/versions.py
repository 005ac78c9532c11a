"""Versions of firms' credit profiles: a new one whenever an input changes, none ever changed.

`refresh_profiles` scores firms as of a day with the scorecard in service and stores a
version for each firm whose inputs (the features read from its records and attributes, and
the scorecard) differ from its latest version's; loading records and changing a firm's
revenue, employees or founding day call it. The profile as of a day is the latest version
valid from that day or earlier: records loaded later, even dated earlier, and outcomes learned
later never change it. `record_history` writes the versions of past days (the demo world's
history, whose records were known on their dates), each scored by the scorecard in service
then: the latest promoted version trained by that day, else `rules-v1`.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.orm import Session

from finplatform import clock
from finplatform.credit.inputs import observed_at
from finplatform.credit.points import FACTOR_LABELS, SCORECARD, score_profile
from finplatform.credit.scorecards import current_scorecard, load_card
from finplatform.extensions import db
from finplatform.models import (
    CreditProfileVersion,
    Enterprise,
    ScorecardVersion,
)

CHUNK = 1000
INPUTS = ("revenue_yuan", "employees", "founded_on")
AGE = "firm_age"
_CHANGED = "finplatform_credit_inputs_changed"


def _digest(name: str, observed: dict) -> str:
    text = json.dumps(
        [
            name,
            {
                # A firm's age grows every day: its founding day (as_of) is the input.
                key: [seen.source, seen.as_of]
                if key == AGE
                else [seen.shown, seen.source, seen.as_of]
                for key, seen in observed.items()
            },
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _latest(firm_ids: Sequence[int], on: date) -> dict[int, CreditProfileVersion]:
    found: dict[int, CreditProfileVersion] = {}
    for start in range(0, len(firm_ids), CHUNK):
        query = (
            sa.select(CreditProfileVersion)
            .where(
                CreditProfileVersion.enterprise_id.in_(firm_ids[start : start + CHUNK]),
                CreditProfileVersion.valid_from <= on,
            )
            .order_by(CreditProfileVersion.valid_from, CreditProfileVersion.id)
        )
        for version in db.session.scalars(query):
            found[version.enterprise_id] = version
    return found


def scorecard_on(on: date) -> tuple[str, dict | None]:
    """The scorecard in service on a past day: the latest promoted version trained by then."""
    version = db.session.scalar(
        sa.select(ScorecardVersion)
        .where(ScorecardVersion.promoted_at.is_not(None), ScorecardVersion.trained_on <= on)
        .order_by(ScorecardVersion.trained_on.desc(), ScorecardVersion.id.desc())
        .limit(1)
    )
    return (version.version, load_card(version)) if version else (SCORECARD, None)


def _serving() -> tuple[str, dict | None]:
    version = current_scorecard()
    return (version.version, load_card(version)) if version else (SCORECARD, None)


def refresh_profiles(firm_ids: Iterable[int], on: date | None = None, scored_by=None) -> int:
    """Store a new version for each firm whose inputs changed; returns how many were stored."""
    on = on or clock.today()
    name, card = scored_by or _serving()
    ids = sorted(set(firm_ids))
    latest = _latest(ids, on)
    stored = 0
    for firm_id, observed in observed_at(ids, on).items():
        digest = _digest(name, observed)
        previous = latest.get(firm_id)
        if previous is not None and previous.inputs_digest == digest:
            continue
        profile = score_profile(observed, name, card)
        db.session.add(
            CreditProfileVersion(
                enterprise_id=firm_id,
                valid_from=on,
                scorecard=name,
                score=profile["score"],
                grade=profile["grade"],
                base=profile["base"],
                factors=profile["factors"],
                inputs_digest=digest,
            )
        )
        stored += 1
    db.session.flush()
    return stored


def record_history(firm_ids: Iterable[int], days: Iterable[date]) -> int:
    """Versions for past days in order, each scored by the scorecard in service that day."""
    ids = sorted(set(firm_ids))
    return sum(refresh_profiles(ids, day, scorecard_on(day)) for day in sorted(set(days)))


def profile_as_of(enterprise: Enterprise, on: date) -> dict:
    """The version valid on `on`; before any version, computed from the records dated by then
    with the scorecard in service that day (`stored` says which)."""
    version = _latest([enterprise.id], on).get(enterprise.id)
    head = {"credit_code": enterprise.credit_code, "name": enterprise.name, "as_of": on.isoformat()}
    if version is None:
        name, card = scorecard_on(on)
        observed = observed_at([enterprise.id], on)[enterprise.id]
        return head | score_profile(observed, name, card) | {"stored": False, "valid_from": None}
    return head | {
        "scorecard": version.scorecard,
        "base": version.base,
        "score": version.score,
        "grade": version.grade,
        # Labels in the reader's language, whatever the language the version was stored in.
        "factors": [
            factor | {"label": str(FACTOR_LABELS.get(factor["name"], factor["label"]))}
            for factor in version.factors
        ],
        "stored": True,
        "valid_from": version.valid_from.isoformat(),
    }


def profiles_scored_at(pairs: Sequence[tuple[int, date]]) -> list[tuple[float, str]]:
    """(score, grade) of each (firm, day) as `profile_as_of` gives it, for many at once: the
    version valid that day, else computed from the records dated by then (one read of records
    per distinct day, not per firm)."""
    found = scores_at(pairs)
    waiting: dict[date, set[int]] = defaultdict(set)
    for (firm_id, day), (_score, grade) in zip(pairs, found, strict=True):
        if not grade:
            waiting[day].add(firm_id)
    computed: dict[tuple[int, date], tuple[float, str]] = {}
    for day, firm_ids in waiting.items():
        name, card = scorecard_on(day)
        for firm_id, observed in observed_at(firm_ids, day).items():
            profile = score_profile(observed, name, card)
            computed[firm_id, day] = (float(profile["score"]), profile["grade"])
    return [value if value[1] else computed[pair] for pair, value in zip(pairs, found, strict=True)]


def scores_at(pairs: Sequence[tuple[int, date]]) -> list[tuple[float, str]]:
    """(score, grade) of the version valid for each (firm, day); (nan, "") before any."""
    versions: dict[int, list[tuple[date, int, int, str]]] = defaultdict(list)
    firm_ids = sorted({firm_id for firm_id, _ in pairs})
    for start in range(0, len(firm_ids), CHUNK):
        rows = db.session.execute(
            sa.select(
                CreditProfileVersion.enterprise_id,
                CreditProfileVersion.valid_from,
                CreditProfileVersion.id,
                CreditProfileVersion.score,
                CreditProfileVersion.grade,
            ).where(CreditProfileVersion.enterprise_id.in_(firm_ids[start : start + CHUNK]))
        )
        for firm_id, valid_from, version_id, score, grade in rows:
            versions[firm_id].append((valid_from, version_id, score, grade))
    for found in versions.values():
        found.sort()
    result = []
    for firm_id, day in pairs:
        found = versions.get(firm_id, [])
        at = bisect.bisect_right(found, (day, float("inf"))) - 1
        result.append((float(found[at][2]), found[at][3]) if at >= 0 else (float("nan"), ""))
    return result


def _note_changes(session: Session, _context) -> None:
    for firm in session.dirty:
        if isinstance(firm, Enterprise):
            state = sa.inspect(firm)
            if any(state.attrs[name].history.has_changes() for name in INPUTS):
                session.info.setdefault(_CHANGED, set()).add(firm.id)


def _refresh_before_commit(session: Session) -> None:
    if not (has_app_context() and session is db.session()):
        return
    # The commit's own flush comes after this hook: flush first to see its changes.
    session.flush()
    changed = session.info.pop(_CHANGED, None)
    if changed:
        refresh_profiles(changed)


def register() -> None:
    """Store a new profile version when a firm's revenue, employees or founding day change
    (once per process)."""
    if not sa.event.contains(Session, "after_flush", _note_changes):
        sa.event.listen(Session, "after_flush", _note_changes)
        sa.event.listen(Session, "before_commit", _refresh_before_commit)
