"""The institution's decision page shows the ranking's approval likelihood for the firm at the
application's product: the current model's probability, the same one the firm's ranking of its
request carries; nothing under the rule score."""

from __future__ import annotations

import re

from finplatform.models import ApplicationStatus, ModelStatus, Role
from finplatform.ranking.service import rank_products_for_request


def _likelihood(client, application_id: int) -> str:
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    found = re.search(r'id="decision-likelihood">(.*?)</dd>', page, re.S)
    assert found
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _bank_on_application(db, catalogue, client, login, make) -> int:
    application = make.application(
        catalogue["request"], catalogue["products"][2], status=ApplicationStatus.IN_REVIEW
    )
    db.session.commit()
    login(make.user(Role.INSTITUTION, institution=catalogue["bank"]))
    return application.id


def test_under_the_rule_score_the_bank_is_told_there_is_no_model_yet(
    app, db, catalogue, client, login, make
):
    application_id = _bank_on_application(db, catalogue, client, login, make)
    assert _likelihood(client, application_id) == "暂无已训练的模型"


def test_the_bank_reads_the_models_probability_for_this_firm_and_product(
    app, db, catalogue, stored_version, client, login, make
):
    stored_version(status=ModelStatus.CURRENT)
    request, product = catalogue["request"], catalogue["products"][2]
    application_id = _bank_on_application(db, catalogue, client, login, make)
    ranked = {item.product.id: item for item in rank_products_for_request(request)}
    expected = ranked[product.id].probability_pct
    assert expected is not None
    assert _likelihood(client, application_id) == f"{expected:.1f}% 排序模型"
