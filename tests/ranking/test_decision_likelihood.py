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


def test_the_bank_reads_the_models_probability_for_this_firm_and_product(
    app, db, catalogue, stored_version, client, login, make
):
    request, product = catalogue["request"], catalogue["products"][2]
    application = make.application(request, product, status=ApplicationStatus.IN_REVIEW)
    db.session.commit()
    login(make.user(Role.INSTITUTION, institution=catalogue["bank"]))
    assert _likelihood(client, application.id) == "暂无已训练的模型"

    stored_version(status=ModelStatus.CURRENT)
    ranked = {item.product.id: item for item in rank_products_for_request(request)}
    expected = ranked[product.id].probability_pct
    assert expected is not None
    assert _likelihood(client, application.id) == f"{expected:.1f}% 排序模型"
