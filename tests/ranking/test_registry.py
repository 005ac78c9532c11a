"""Training from the platform's history, promotion only of a better version (or an audited
override), rollback, idempotent jobs, and the batch re-ranking of open requests."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from finplatform.exceptions import DomainError
from finplatform.models import (
    AuditEvent,
    FinancingRequest,
    Match,
    ModelStatus,
    ModelVersion,
    RequestStatus,
    Role,
)
from finplatform.ranking import registry, tables
from finplatform.ranking.batch import rematch_open_requests
from finplatform.ranking.service import rank_products_for_request

# Another seed trains the same booster (it draws nothing below 200,000 rows without early
# stopping): a new version with the same held-out metrics, which therefore does not beat the
# current one.
NOT_BETTER = {"random_state": 1}


def _audits(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def trained(small_world, db, make):
    """The first version trained on the small world, in service.

    Graded with repayment (a defaulted loan is no success, `matching.grades`), the small
    world's 42 held-out requests do not show it ahead of the rule score (NDCG@10 0.720 against
    0.729; 0.734 against 0.712 when defaults counted as successes), so where it does not win an
    admin's noted override puts it in service, as the admin page would.
    """
    result = registry.train_job()
    version = registry.find_version(result["version"])
    if version.status != ModelStatus.CURRENT:
        registry.promote(version, make.user(Role.ADMIN), override=True, note="small world")
    return version


def test_training_on_the_small_world_is_compared_with_the_rule_score_and_serves(trained, db, app):
    assert trained.status == ModelStatus.CURRENT
    metrics = trained.metrics
    assert metrics["model"]["requests"] >= 20
    comparison = trained.details["comparison"]
    assert comparison["against"] == "rule"
    assert comparison["beats"] == (
        comparison["candidate"]["ndcg@10"] > comparison["current"]["ndcg@10"]
    )
    for key in ("ndcg@5", "ndcg@10", "hit@10", "mrr"):
        assert key in metrics["model"]
    assert set(metrics) >= {"random", "popularity", "rule"}
    details = trained.details
    assert details["feature_names"] and details["data_digest_sha256"]
    assert {"numpy", "sklearn"} <= set(details["library_versions"])
    assert trained.trained_from <= trained.trained_to

    request = db.session.scalars(
        sa.select(FinancingRequest).where(FinancingRequest.status == RequestStatus.OPEN)
    ).first()
    ranked = rank_products_for_request(request)
    assert ranked and {item.source for item in ranked} == {"model"}


def test_a_retried_training_job_makes_no_second_version(trained, db):
    assert registry.train_job() == {"version": trained.version, "status": "current"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModelVersion)) == 1


def test_promotion_refuses_a_version_that_does_not_win_unless_overridden_with_a_note(
    trained, db, make
):
    admin = make.user(Role.ADMIN)
    not_better = registry.train_version(NOT_BETTER)
    db.session.commit()
    assert not_better.status == ModelStatus.CANDIDATE
    assert not_better.details["comparison"]["against"] == trained.version
    assert not_better.details["comparison"]["beats"] is False

    with pytest.raises(DomainError, match=not_better.version):
        registry.promote(not_better, admin)
    with pytest.raises(DomainError) as refused:
        registry.promote(not_better, admin, override=True)
    assert refused.value.field == "note"
    db.session.rollback()
    assert registry.current_model_version().version == trained.version

    registry.promote(not_better, admin, override=True, note="seasonal test")
    db.session.commit()
    assert registry.current_model_version().version == not_better.version
    assert db.session.get(ModelVersion, trained.id).status == ModelStatus.RETIRED
    assert not_better.promoted_by_id == admin.id and not_better.promotion_note == "seasonal test"
    (event,) = [e for e in _audits(db, "model.promoted") if e.actor_id == admin.id]
    assert event.detail["override"] is True and event.detail["note"] == "seasonal test"
    assert event.detail["previous"] == trained.version

    registry.rollback(db.session.get(ModelVersion, trained.id), admin, note="back")
    db.session.commit()
    assert registry.current_model_version().version == trained.version
    (rolled,) = _audits(db, "model.rolled_back")
    assert rolled.actor_id == admin.id
    assert rolled.detail == {
        "version": trained.version,
        "previous": not_better.version,
        "note": "back",
    }


def test_rollback_goes_only_to_an_earlier_version(trained, db, make):
    admin = make.user(Role.ADMIN)
    not_better = registry.train_version(NOT_BETTER)
    db.session.commit()
    with pytest.raises(DomainError):
        registry.rollback(not_better, admin)
    with pytest.raises(DomainError):
        registry.rollback(trained, admin)
    db.session.rollback()
    assert registry.current_model_version().version == trained.version


def test_rematch_writes_the_matches_of_open_requests_and_a_rerun_writes_the_same(trained, db):
    first = rematch_open_requests()
    open_count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FinancingRequest)
        .where(FinancingRequest.status == RequestStatus.OPEN)
    )
    assert first["requests"] == open_count > 0
    assert first["source"] == "model" and first["model_version"] == trained.version

    def rows():
        return sorted(
            (m.request_id, m.product_id, m.rank, round(m.score, 9), m.source.value)
            for m in db.session.scalars(sa.select(Match))
        )

    written = rows()
    assert len(written) == first["matches"] > 0
    assert all(m.model_version_id == trained.id for m in db.session.scalars(sa.select(Match)))
    assert all(0 <= m.probability <= 1 for m in db.session.scalars(sa.select(Match)))
    rematch_open_requests()
    db.session.expire_all()
    assert rows() == written


def test_training_tables_read_a_history_longer_than_one_id_list(small_world, monkeypatch):
    whole = tables.training_tables()
    monkeypatch.setattr(tables, "ID_BATCH", 97)
    batched = tables.training_tables()
    assert len(np.unique(whole.history.request_id)) > 5 * 97
    for name, column in vars(whole.requests).items():
        np.testing.assert_array_equal(getattr(batched.requests, name), column)


def test_the_held_out_comparison_ranks_every_eligible_product(trained, db):
    # The promotion check ranks each held-out request against every product eligible and active
    # that day, so it sees far more candidates than the few products the firms applied to.
    data = tables.training_tables()
    window = trained.details["training_window"]
    candidates = registry._window_candidates(data, window)
    per_request = len(candidates) / len(np.unique(candidates.request_rows))
    applications = data.history.request_id[
        np.isin(data.history.request_id, data.requests.id[np.unique(candidates.request_rows)])
    ]
    assert per_request > 2 * len(applications) / len(np.unique(applications))
    # Before any version served, the rule score was scored on those same candidates.
    comparison = trained.details["comparison"]
    assert comparison["current"] == registry.rule_window_metrics(data, window)
