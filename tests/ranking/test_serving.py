"""Serving: the current model or the rule score, a per-worker catalogue, changes seen by every
worker (through Redis, or through the database without it), and the ranked-result cache."""

from __future__ import annotations

import os

import pytest

from finplatform.api.schemas import MatchSchema
from finplatform.extensions import db
from finplatform.models import FinancingRequest, ModelStatus, ModelVersion, Role, User
from finplatform.models.base import utcnow
from finplatform.ranking import registry, versions
from finplatform.ranking.service import rank_products_for_request, worker_stats
from finplatform.storage.wiring import blob_store
from tests.factories import Factory
from tests.ranking.conftest import in_app, retire

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def _ranked_ids(request_id: int) -> list[int]:
    request = db.session.get(FinancingRequest, request_id)
    return [item.product.id for item in rank_products_for_request(request)]


def test_cold_start_ranks_by_the_rule_score_and_labels_it(app, catalogue, client, login, make):
    ranked = rank_products_for_request(catalogue["request"])
    assert len(ranked) == 3
    assert {item.source for item in ranked} == {"rule"}
    assert all(item.probability is None for item in ranked)
    assert [row["probability"] for row in MatchSchema(many=True).dump(ranked)] == [None] * 3

    owner = make.user(Role.ENTERPRISE, enterprise=catalogue["request"].enterprise)
    login(owner)
    page = client.get(f"/requests/{catalogue['request'].id}").get_data(as_text=True)
    assert 'data-source="rule"' in page


def test_the_current_model_ranks_with_an_approval_likelihood(
    app, catalogue, stored_version, client, login, make
):
    stored_version(status=ModelStatus.CURRENT)
    ranked = rank_products_for_request(catalogue["request"])
    assert {item.source for item in ranked} == {"model"}
    assert {item.model_version for item in ranked} == {"test-model"}
    assert all(0.0 <= item.probability <= 1.0 for item in ranked)
    probabilities = [item.probability for item in ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    dumped = MatchSchema(many=True).dump(ranked)
    assert [row["probability"] for row in dumped] == [
        round(item.probability * 100, 1) for item in ranked
    ]

    owner = make.user(Role.ENTERPRISE, enterprise=catalogue["request"].enterprise)
    login(owner)
    page = client.get(f"/requests/{catalogue['request'].id}").get_data(as_text=True)
    assert 'data-source="model"' in page
    assert f"{dumped[0]['probability']:.1f}%" in page


def test_a_model_that_cannot_load_leaves_the_rule_score_serving(app, catalogue, stored_version):
    version = stored_version(status=ModelStatus.CURRENT)
    blob_store().delete(f"models/{version.version}.joblib")
    db.session.commit()
    assert {item.source for item in rank_products_for_request(catalogue["request"])} == {"rule"}


def test_the_catalogue_is_prepared_once_per_worker(app, catalogue):
    for _ in range(3):
        rank_products_for_request(catalogue["request"])
    assert worker_stats().builds == 1


def test_without_redis_the_database_version_shows_a_product_change_to_another_worker(
    make_worker_app,
):
    worker_a, worker_b = make_worker_app(None), make_worker_app(None)
    with in_app(worker_b):
        make = Factory(db)
        bank = make.institution()
        products = [make.product(bank) for _ in range(3)]
        request_id = make.financing_request().id
        db.session.commit()
        ids = [product.id for product in products]
    with in_app(worker_a):
        before = _ranked_ids(request_id)
    assert sorted(before) == sorted(ids)
    with in_app(worker_b):
        retire(before[0])
    with in_app(worker_a):
        after = _ranked_ids(request_id)
        assert worker_stats().builds == 2
    assert before[0] not in after
    assert after == [product_id for product_id in before if product_id != before[0]]


@pytest.mark.redis
def test_a_product_change_through_one_worker_reaches_the_other_through_redis(make_worker_app):
    # The database recheck is pushed out of reach: only the Redis bump can tell worker A.
    settings = {"MATCH_CATALOGUE_RECHECK_SECONDS": 3600}
    worker_a = make_worker_app(REDIS_URL, **settings)
    worker_b = make_worker_app(REDIS_URL, **settings)
    with in_app(worker_b):
        make = Factory(db)
        bank = make.institution()
        for _ in range(3):
            make.product(bank)
        request_id = make.financing_request().id
        db.session.commit()
    with in_app(worker_a):
        before = _ranked_ids(request_id)
        assert _ranked_ids(request_id) == before
    with in_app(worker_b):
        retire(before[0])
    with in_app(worker_a):
        after = _ranked_ids(request_id)
    assert after == before[1:]


@pytest.mark.redis
def test_a_promotion_through_one_worker_switches_the_other_to_the_model(
    make_worker_app, engine_model, stored_version
):
    settings = {"MATCH_CATALOGUE_RECHECK_SECONDS": 3600}
    worker_a = make_worker_app(REDIS_URL, **settings)
    worker_b = make_worker_app(REDIS_URL, **settings)
    with in_app(worker_b):
        make = Factory(db)
        bank = make.institution()
        for _ in range(3):
            make.product(bank)
        request_id = make.financing_request().id
        admin = make.user(Role.ADMIN)
        version = stored_version()
        db.session.commit()
        version_id, admin_id = version.id, admin.id
    with in_app(worker_a):
        request = db.session.get(FinancingRequest, request_id)
        assert {item.source for item in rank_products_for_request(request)} == {"rule"}
    with in_app(worker_b):
        registry.promote(
            db.session.get(ModelVersion, version_id),
            db.session.get(User, admin_id),
        )
        db.session.commit()
    with in_app(worker_a):
        request = db.session.get(FinancingRequest, request_id)
        assert {item.source for item in rank_products_for_request(request)} == {"model"}


@pytest.mark.redis
def test_the_result_cache_answers_without_ranking_again_until_the_version_moves(app, catalogue):
    request = catalogue["request"]
    first = [(item.product.id, item.score) for item in rank_products_for_request(request)]
    computed = worker_stats().computed
    again = [(item.product.id, item.score) for item in rank_products_for_request(request)]
    assert again == first
    assert worker_stats().computed == computed

    versions.bump_version()
    rank_products_for_request(request)
    assert worker_stats().computed == computed + 1
    assert worker_stats().builds == 2


@pytest.mark.redis
def test_editing_the_request_misses_the_cache(app, catalogue):
    request = catalogue["request"]
    rank_products_for_request(request)
    computed = worker_stats().computed
    request.updated_at = utcnow()
    db.session.commit()
    rank_products_for_request(request)
    assert worker_stats().computed == computed + 1


@pytest.mark.redis
def test_the_api_sends_the_same_body_from_the_cache_until_a_product_changes(
    app, catalogue, client, make, db
):
    from finplatform.api.tokens import create_token

    request = catalogue["request"]
    owner = make.user(Role.ENTERPRISE, enterprise=request.enterprise)
    _row, token = create_token(owner, "matches")
    db.session.commit()
    path = f"/api/v1/requests/{request.id}/matches?top=2"
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get(path, headers=headers)
    computed = worker_stats().computed
    again = client.get(path, headers=headers)
    assert again.status_code == first.status_code == 200
    assert again.mimetype == "application/json"
    assert again.get_data() == first.get_data()
    assert [row["rank"] for row in again.json] == [1, 2]
    assert worker_stats().computed == computed
    english = client.get(path, headers={**headers, "Accept-Language": "en"})
    assert english.json[0]["product_id"] == first.json[0]["product_id"]
    assert english.json[0]["reasons"] != first.json[0]["reasons"]
    # The best product is retired: the next call ranks again without it.
    best = first.json[0]["product_id"]
    retire(best)
    after = client.get(path, headers=headers)
    assert best not in [row["product_id"] for row in after.json]
    assert worker_stats().computed == computed + 2


def test_the_api_records_the_first_ranking_once_and_hides_other_firms_requests(
    app, catalogue, client, make, db
):
    from finplatform.api.tokens import create_token

    request = catalogue["request"]
    owner = make.user(Role.ENTERPRISE, enterprise=request.enterprise)
    stranger = make.user(Role.ENTERPRISE)
    _row, token = create_token(owner, "matches")
    _row, other_token = create_token(stranger, "matches")
    db.session.commit()
    path = f"/api/v1/requests/{request.id}/matches"
    assert request.first_ranked_at is None
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    db.session.expire_all()
    first = db.session.get(FinancingRequest, request.id).first_ranked_at
    assert first is not None
    # Asked again (from the cache when there is one): the first ranking time stays.
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(FinancingRequest, request.id).first_ranked_at == first
    refused = client.get(path, headers={"Authorization": f"Bearer {other_token}"})
    assert refused.status_code == 404
    assert refused.mimetype == "application/problem+json"
