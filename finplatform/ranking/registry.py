"""The model registry: train versions from the platform's history, promote, roll back.

A training run builds the engine's tables from every answered application
(`finplatform.ranking.tables`), trains with `matching.model.train_model`, saves the artifact
into the blob store (`finplatform.ranking.artifacts`) and records a `ModelVersion` candidate
with its held-out metrics. The version name is derived from the training data and parameters,
so a retried job finds the version it already made instead of making a second one.

A candidate becomes current only when it beats the current version on the candidate's
held-out window (both scored on the same rows, `matching.evaluate.beats` on NDCG@10), or the
rule score when no version serves yet; an admin may override with a note. Rolling back makes
an earlier version current again. Both are audited and move the catalogue version, so every
worker serves the new current version on its next ranking call.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from finplatform.audit import record_audit
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.jobs import report_progress
from finplatform.models import ModelStatus, ModelVersion, User
from finplatform.ranking.artifacts import artifact_exists, load_artifact, save_artifact
from finplatform.ranking.tables import TrainingTables, training_tables
from finplatform.ranking.versions import invalidate_catalogue
from finplatform.states import put_in_service
from matching.evaluate import PRIMARY_METRIC, beats
from matching.features import FEATURE_NAMES, ProductTable, pair_features
from matching.harness import eligible_candidates, mean_metrics
from matching.history import InstitutionHistory
from matching.model import TRAINING_STEPS, MatchingModel, train_model
from matching.rules import rule_scores
from matching.schema import rows_of
from matching.store import ModelStoreError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SMALL_HISTORY_ROWS = 5000
# The promotion note of a version the training job put in service itself (labels
# "promotion_reason"); a person's promotion keeps their own note.
AUTOMATIC_PROMOTION = "automatic"
"""Below this many answered applications the booster gets less capacity: on the `small` demo
world (about 2,000 rows) 40 rounds of depth 3 rank held-out requests a little better than 100
rounds of depth 6 (NDCG@10 0.824 against 0.818, averaged over five world seeds; the rule score
0.803)."""


def default_training_params(history_rows: int) -> dict:
    """Booster settings for a history of this size (see SMALL_HISTORY_ROWS)."""
    if history_rows < SMALL_HISTORY_ROWS:
        return {"max_iter": 40, "max_depth": 3, "learning_rate": 0.05}
    return {"max_iter": 100}


def current_model_version() -> ModelVersion | None:
    """The model version in service, or None (cold start: the rule score serves)."""
    return db.session.scalar(
        sa.select(ModelVersion).where(ModelVersion.status == ModelStatus.CURRENT)
    )


def model_versions() -> list[ModelVersion]:
    """Every recorded version, oldest first."""
    return list(db.session.scalars(sa.select(ModelVersion).order_by(ModelVersion.id)))


def find_version(name: str) -> ModelVersion | None:
    """The version recorded under `name`, if any."""
    return db.session.scalar(sa.select(ModelVersion).where(ModelVersion.version == name))


def load_version(version: ModelVersion) -> MatchingModel:
    """Load a version's artifact from the blob store (digests and compatibility checked)."""
    return load_artifact(version.version)


def _finite(value):
    """JSON-safe metrics: nan/inf (no request counted) become None."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _day_to_datetime(day: int) -> datetime:
    return EPOCH + timedelta(days=int(day))


def version_name(tables: TrainingTables, params: dict) -> str:
    """A version name derived from the training data, the parameters and the feature list."""
    digest = hashlib.sha256()
    settings = {"params": params, "features": FEATURE_NAMES}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for table in (tables.requests, tables.products, tables.history):
        for name in sorted(vars(table)):
            column = np.ascontiguousarray(getattr(table, name))
            digest.update(name.encode())
            digest.update(str((column.dtype.str, column.shape)).encode())
            digest.update(column.tobytes())
    return "m" + digest.hexdigest()[:16]


def _window_candidates(tables: TrainingTables, window: dict):
    """Every eligible product active on the day of each request of a held-out window, graded
    by the applications decided by the window's end (``matching.harness``)."""
    history = tables.history
    request_rows = rows_of(tables.requests.id, history.request_id)
    known = request_rows >= 0
    posted = np.where(known, tables.requests.posted_at[request_rows], -1)
    rows = (
        known
        & (posted >= window["validation_from_day"])
        & (posted <= window["last_posted_day"])
        & (history.decided_at <= window["last_decided_day"])
    )
    return eligible_candidates(
        tables.requests,
        tables.products,
        np.unique(request_rows[rows]),
        history.take(np.flatnonzero(rows)),
        tables.active_from,
        tables.active_to,
    )


def _window_features(tables: TrainingTables, window_days: int | None, candidates) -> np.ndarray:
    index = InstitutionHistory(tables.history, window_days=window_days)
    table = ProductTable(tables.products, index)
    return pair_features(table, tables.requests, candidates.request_rows, candidates.product_rows)


def window_metrics(model: MatchingModel, tables: TrainingTables, window: dict) -> dict:
    """A model's ranking metrics on a held-out window (requests posted from
    `validation_from_day` to `last_posted_day`, decided by `last_decided_day`), each request
    ranked against every eligible product active on its day."""
    candidates = _window_candidates(tables, window)
    window_days = model.metadata.get("training_window", {}).get("history_window_days", 365)
    features = _window_features(tables, window_days, candidates)
    scores = model.approval_probability(features)
    return _finite(mean_metrics(candidates.request_rows, scores, candidates.grades))


def rule_window_metrics(tables: TrainingTables, window: dict) -> dict:
    """The rule score's metrics on the same candidates as ``window_metrics``."""
    candidates = _window_candidates(tables, window)
    window_days = window.get("history_window_days", 365)
    features = _window_features(tables, window_days, candidates)
    scores = rule_scores(features)
    return _finite(mean_metrics(candidates.request_rows, scores, candidates.grades))


def compare(
    candidate: MatchingModel,
    window: dict,
    current: ModelVersion | None,
    tables: TrainingTables,
) -> dict:
    """Score the candidate and the current version (else the rule score) on the same window."""
    candidate_metrics = window_metrics(candidate, tables, window)
    against, current_metrics = None, None
    if current is not None:
        against = current.version
        try:
            current_metrics = window_metrics(load_version(current), tables, window)
        except ModelStoreError:
            # A current version that cannot load cannot serve either: anything beats it.
            current_metrics = {PRIMARY_METRIC: float("-inf")}
    else:
        current_metrics = rule_window_metrics(tables, window)
    candidate_value = candidate_metrics.get(PRIMARY_METRIC)
    current_value = current_metrics.get(PRIMARY_METRIC)
    wins = candidate_value is not None and (
        current_value is None
        or beats({PRIMARY_METRIC: candidate_value}, {PRIMARY_METRIC: current_value})
    )
    return _finite(
        {
            "metric": PRIMARY_METRIC,
            "against": against or "rule",
            "candidate": candidate_metrics,
            "current": current_metrics,
            "beats": wins,
        }
    )


def _record(model: MatchingModel, name: str, comparison: dict) -> ModelVersion:
    meta = model.metadata
    window = meta["training_window"]
    version = ModelVersion(
        version=name,
        status=ModelStatus.CANDIDATE,
        artifact=meta["artifact"],
        metrics=_finite(meta["metrics"]),
        details=_finite(
            {
                "feature_names": meta["feature_names"],
                "library_versions": meta.get("versions", {}),
                "training_window": window,
                "rows": meta.get("rows", {}),
                "data_digest_sha256": meta.get("data_digest_sha256"),
                "artifact_sha256": meta.get("artifact_sha256"),
                "params": meta.get("params", {}),
                "comparison": comparison,
            }
        ),
        trained_from=_day_to_datetime(window["first_posted_day"]),
        trained_to=_day_to_datetime(window["last_decided_day"]),
    )
    db.session.add(version)
    db.session.flush()
    return version


def train_version(
    params: dict | None = None,
    *,
    auto_promote: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> ModelVersion:
    """Train on the platform's history and record the version (once per data and parameters).

    With `auto_promote`, the new version becomes current when it beats the current one.
    The caller commits.
    """
    progress = progress or report_progress
    # Reading the history, then the model's own steps, then comparing and recording.
    total = 1 + TRAINING_STEPS + 2
    progress(0, total, "reading_history")
    tables = training_tables()
    if len(tables.history) == 0:
        raise DomainError(_l("Not enough history to train: no application has been answered yet."))
    params = {**default_training_params(len(tables.history)), **(params or {})}
    name = version_name(tables, params)
    existing = find_version(name)
    if existing is not None:
        return existing
    if artifact_exists(name):
        # A retried job whose first run saved the files but never recorded the row (with an
        # S3 store; the database store keeps both or neither).
        model = load_artifact(name)
        progress(TRAINING_STEPS, total, "training")
    else:
        try:
            model = train_model(
                tables.requests,
                tables.products,
                tables.history,
                progress=lambda done, _total, step: progress(1 + done, total, step),
                **params,
            )
        except ValueError as error:
            raise DomainError(_l("Not enough history to train: %(why)s", why=str(error))) from error
        save_artifact(model, name)
    progress(1 + TRAINING_STEPS, total, "comparing")
    current = current_model_version()
    comparison = compare(model, model.metadata["training_window"], current, tables)
    version = _record(model, name, comparison)
    progress(total - 1, total, "recorded")
    if auto_promote and comparison["beats"]:
        _make_current(version, None, AUTOMATIC_PROMOTION)
        record_audit(
            "model.promoted",
            version,
            detail={"version": name, "previous": comparison["against"], "automatic": True},
        )
    progress(total, total, "done")
    return version


def train_job(params: dict | None = None, auto_promote: bool = True) -> dict:
    """Job entry point: train, record, commit; returns the version's name and status."""
    try:
        version = train_version(params, auto_promote=auto_promote)
        db.session.commit()
    except IntegrityError:
        # Two runs of the same job raced; the other one recorded the version.
        db.session.rollback()
        tables = training_tables()
        params = {**default_training_params(len(tables.history)), **(params or {})}
        version = find_version(version_name(tables, params))
        if version is None:
            raise
    return {"version": version.version, "status": version.status.value}


def comparison_with_current(version: ModelVersion) -> dict:
    """The version against the current one on its held-out window (stored, else recomputed)."""
    current = current_model_version()
    stored = version.details.get("comparison") or {}
    expected = current.version if current is not None else "rule"
    if stored.get("against") == expected:
        return stored
    tables = training_tables()
    return compare(load_version(version), version.details["training_window"], current, tables)


def _make_current(version: ModelVersion, actor: User | None, note: str) -> ModelVersion | None:
    previous = current_model_version()
    put_in_service(version, previous, actor, note)
    invalidate_catalogue()
    return previous


def promote(
    version: ModelVersion, actor: User, *, note: str = "", override: bool = False
) -> ModelVersion:
    """Make a version current if it beats the current one, or on an admin's noted override."""
    if version.status == ModelStatus.CURRENT:
        raise DomainError(_l("This version is already in service."))
    comparison = comparison_with_current(version)
    note = note.strip()
    if not comparison["beats"]:
        if not override:
            raise DomainError(
                _l(
                    "Version %(version)s does not beat %(current)s on held-out data "
                    "(NDCG@10 %(mine)s vs %(theirs)s); promote it with an override and a note.",
                    version=version.version,
                    current=comparison["against"],
                    mine=_fmt(comparison["candidate"].get(PRIMARY_METRIC)),
                    theirs=_fmt(comparison["current"].get(PRIMARY_METRIC)),
                )
            )
        if not note:
            raise DomainError(_l("An override needs a note saying why."), field="note")
    previous = _make_current(version, actor, note)
    record_audit(
        "model.promoted",
        version,
        actor=actor,
        detail={
            "version": version.version,
            "previous": previous.version if previous is not None else None,
            "override": bool(override and not comparison["beats"]),
            "note": note,
            "comparison": comparison,
        },
    )
    return version


def rollback(version: ModelVersion, actor: User, *, note: str = "") -> ModelVersion:
    """Put an earlier version back in service (it stays loadable: its files are kept)."""
    current = current_model_version()
    if version.status == ModelStatus.CURRENT:
        raise DomainError(_l("This version is already in service."))
    if current is not None and version.id > current.id:
        raise DomainError(_l("Only an earlier version can be rolled back to; promote newer ones."))
    try:
        load_version(version)
    except ModelStoreError as error:
        raise DomainError(_l("This version cannot be loaded: %(why)s", why=str(error))) from error
    previous = _make_current(version, actor, note.strip())
    record_audit(
        "model.rolled_back",
        version,
        actor=actor,
        detail={
            "version": version.version,
            "previous": previous.version if previous is not None else None,
            "note": note.strip(),
        },
    )
    return version


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"
