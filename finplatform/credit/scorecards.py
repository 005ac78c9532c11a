"""The scorecard registry: train a version on the outcomes known by a day, promote, serve.

Like the ranking model's registry (`finplatform.ranking.registry`): a training run records a
`ScorecardVersion` candidate named after its training data, so a rerun finds the version it
already made; the scorecard itself (bins, weights, coefficients) is a JSON blob in the
platform's storage (`scorecards/<version>.json`). The loans known by the training day are cut
by disbursement day: the earlier 70 % train, the later 30 % are held out. A candidate becomes
current only when its held-out AUC beats the current version's on the same loans (or the fixed
points of `rules-v1` while none serves); an admin may override with a note.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sklearn.metrics import roc_auc_score

from finplatform.audit import record_audit
from finplatform.credit import scorecard
from finplatform.credit.inputs import LabelledLoan, labelled_loans
from finplatform.credit.points import rules_score
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import ModelStatus, ScorecardVersion, User
from finplatform.states import put_in_service
from finplatform.storage.wiring import blob_store

RULES = "rules-v1"
PREFIX = "scorecards"
TRAIN_SHARE = 0.7
MIN_EACH = scorecard.MIN_EACH


def auc(defaulted: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC of a score (higher is safer) at telling repaid loans from delinquent ones."""
    defaulted = np.asarray(defaulted, dtype=bool)
    if defaulted.all() or not defaulted.any():
        return None
    return float(roc_auc_score(defaulted, -np.asarray(score, dtype=float)))


def ks(defaulted: np.ndarray, score: np.ndarray) -> float | None:
    """Kolmogorov–Smirnov: the largest gap between delinquent and repaid loans' score curves."""
    defaulted = np.asarray(defaulted, dtype=bool)
    if defaulted.all() or not defaulted.any():
        return None
    order = np.argsort(np.asarray(score, dtype=float), kind="stable")
    bad = np.cumsum(defaulted[order]) / defaulted.sum()
    good = np.cumsum(~defaulted[order]) / (~defaulted).sum()
    return float(np.max(np.abs(bad - good)))


def save_card(name: str, card: dict) -> str:
    """Store a scorecard as JSON; returns its key."""
    key = f"{PREFIX}/{name}.json"
    blob_store().put(
        key, json.dumps(card, sort_keys=True).encode(), content_type="application/json"
    )
    return key


def load_card(version: ScorecardVersion) -> dict:
    """A version's scorecard from the store (digest checked by the store)."""
    return json.loads(blob_store().get(version.artifact))


def current_scorecard() -> ScorecardVersion | None:
    """The scorecard version in service, or None (`rules-v1` scores)."""
    return db.session.scalar(
        sa.select(ScorecardVersion).where(ScorecardVersion.status == ModelStatus.CURRENT)
    )


def find_scorecard(name: str) -> ScorecardVersion | None:
    """The version recorded under `name`, if any."""
    return db.session.scalar(sa.select(ScorecardVersion).where(ScorecardVersion.version == name))


def _rules_scores(rows: list[LabelledLoan]) -> np.ndarray:
    return np.array([rules_score(row.observed) for row in rows], dtype=float)


def held_out_scores(version: ScorecardVersion | None, rows: list[LabelledLoan]) -> np.ndarray:
    """Scores of held-out loans under a version (None: `rules-v1`)."""
    if version is None:
        return _rules_scores(rows)
    x = scorecard.matrix([row.observed for row in rows])
    return scorecard.scores(load_card(version), x)


def _name(rows: list[LabelledLoan], trained_on: date) -> str:
    digest = hashlib.sha256(json.dumps(scorecard.FEATURES).encode())
    digest.update(trained_on.isoformat().encode())
    for row in rows:
        digest.update(f"{row.loan_id}:{int(row.defaulted)}".encode())
    return "s" + digest.hexdigest()[:16]


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 4)


def train_scorecard(known_by: date, *, auto_promote: bool = True) -> ScorecardVersion:
    """Train on the loans whose outcome is known by `known_by`, record the version, and make
    it current when it beats the one in service on the held-out loans. The caller commits."""
    rows = labelled_loans(known_by)
    name = _name(rows, known_by)
    existing = find_scorecard(name)
    if existing is not None:
        return existing
    cut = int(len(rows) * TRAIN_SHARE)
    train, held_out = rows[:cut], rows[cut:]
    y_train = np.array([row.defaulted for row in train], dtype=bool)
    bad = int(y_train.sum())
    if bad < MIN_EACH or len(train) - bad < MIN_EACH:
        raise DomainError(
            _l(
                "Not enough repayment history to train a scorecard: %(bad)d delinquent and "
                "%(good)d repaid loans with a known outcome to learn from, %(least)d of each "
                "needed.",
                bad=bad,
                good=len(train) - bad,
                least=MIN_EACH,
            )
        )
    card = scorecard.fit(scorecard.matrix([row.observed for row in train]), y_train)
    y_held = np.array([row.defaulted for row in held_out], dtype=bool)
    mine = scorecard.scores(card, scorecard.matrix([row.observed for row in held_out]))
    current = current_scorecard()
    theirs = held_out_scores(current, held_out)
    my_auc, their_auc = auc(y_held, mine), auc(y_held, theirs)
    beats = my_auc is not None and (their_auc is None or my_auc > their_auc)
    version = ScorecardVersion(
        version=name,
        artifact=save_card(name, card),
        trained_on=known_by,
        metrics={
            "auc": _finite(my_auc),
            "ks": _finite(ks(y_held, mine)),
            "train_loans": len(train),
            "train_defaults": int(y_train.sum()),
            "held_out_loans": len(held_out),
            "held_out_defaults": int(y_held.sum()),
        },
        details={
            "against": current.version if current else RULES,
            "against_auc": _finite(their_auc),
            "beats": beats,
            "held_out_from": held_out[0].disbursed_on.isoformat() if held_out else None,
        },
    )
    db.session.add(version)
    db.session.flush()
    if auto_promote and beats:
        _make_current(version, None, "automatic")
    return version


def _make_current(version: ScorecardVersion, actor: User | None, note: str) -> None:
    previous = current_scorecard()
    put_in_service(version, previous, actor, note)
    record_audit(
        "scorecard.promoted",
        version,
        actor=actor,
        detail={"version": version.version, "previous": previous.version if previous else None},
    )


def promote_scorecard(
    version: ScorecardVersion, actor: User, *, note: str = "", override: bool = False
) -> None:
    """Make a candidate current if it beat the version in service when trained, or on an
    admin's noted override."""
    if version.status == ModelStatus.CURRENT:
        raise DomainError(_l("This version is already in service."))
    current = current_scorecard()
    beat_current = version.details.get("beats") and version.details.get("against") == (
        current.version if current else RULES
    )
    if not beat_current and not (override and note.strip()):
        raise DomainError(
            _l(
                "This scorecard did not beat the one in service on held-out loans; promote it "
                "with an override and a note."
            )
        )
    _make_current(version, actor, note.strip())
