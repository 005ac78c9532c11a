"""Every enumeration value has one label, in Chinese by default and in English on request."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from finplatform.labels import ENUMERATIONS, audit_details, label, options, promotion_note
from finplatform.models import (
    ApplicationStatus,
    ClaimStatus,
    ContactChannel,
    InstitutionStatus,
    LoanStatus,
    MatchSource,
    ModelStatus,
    OfferStatus,
    ProductStatus,
    ReferralKind,
    RepaymentKind,
    RequestStatus,
    Role,
)

ROOT = Path(__file__).resolve().parent.parent
MODEL_ENUMERATIONS = {
    "role": Role,
    "application_status": ApplicationStatus,
    "request_status": RequestStatus,
    "offer_status": OfferStatus,
    "institution_status": InstitutionStatus,
    "product_status": ProductStatus,
    "model_status": ModelStatus,
    "match_source": MatchSource,
    "referral_kind": ReferralKind,
    "contact_channel": ContactChannel,
    "repayment_kind": RepaymentKind,
    "loan_status": LoanStatus,
    "claim_status": ClaimStatus,
}


@pytest.mark.parametrize("name", sorted(MODEL_ENUMERATIONS))
def test_every_value_of_the_models_enumerations_has_a_label(app, name):
    enumeration = MODEL_ENUMERATIONS[name]
    assert set(ENUMERATIONS[name]) == {member.value for member in enumeration}


def test_labels_read_in_chinese_by_default_and_in_english_on_request(app):
    assert label("application_status", ApplicationStatus.IN_REVIEW) == "审核中"
    assert label("application_status", "in_review") == "审核中"
    assert label("role", Role.COMMISSION) == "科委查看账号（只读）"
    assert label("reject_reason", "documents_incomplete") == "材料不完整或无法核实"
    with force_locale("en"):
        assert label("application_status", "in_review") == "In review"
        assert label("reject_reason", "documents_incomplete") == (
            "Documents incomplete or not verifiable"
        )


def test_reference_lists_are_labelled_from_their_tables(app):
    assert label("product_kind", "credit_loan") == "信用贷款"
    assert label("institution_kind", "tech_branch") == "科技支行"
    assert label("district", "120116") == "滨海新区"
    with force_locale("en"):
        assert label("product_kind", "credit_loan") == "Credit loan (no collateral)"


def test_an_unlabelled_value_shows_as_itself_and_nothing_shows_as_nothing(app, caplog):
    assert label("application_status", "no_such_status") == "no_such_status"
    assert "no label for application_status value 'no_such_status'" in caplog.text
    assert label("application_status", None) == ""


def test_options_keep_the_enumerations_order(app):
    assert options("request_status") == [
        ("open", "进行中"),
        ("fulfilled", "已满足"),
        ("withdrawn", "已撤回"),
        ("expired", "已过期"),
    ]
    assert options("request_status", [RequestStatus.EXPIRED]) == [("expired", "已过期")]


def _audit_actions_in_code() -> set[str]:
    """The action of every record_audit call: literal strings, and f-strings like
    f"application.{to.value}" expanded over the enumeration they are built from."""
    expansions = {
        "application": ApplicationStatus,
        "request": RequestStatus,
        "institution": InstitutionStatus,
        "product": ProductStatus,
    }
    actions = set()
    for path in (ROOT / "finplatform").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_audit"):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                actions.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                prefix = first.values[0].value.rstrip(".")
                actions.update(f"{prefix}.{member.value}" for member in expansions[prefix])
            else:
                raise AssertionError(f"{path}: record_audit with an action this test cannot read")
    return actions


def test_every_audit_action_recorded_by_the_code_has_a_label():
    actions = _audit_actions_in_code()
    assert "login.succeeded" in actions and "application.in_review" in actions
    assert sorted(actions - set(ENUMERATIONS["audit_action"])) == []


def test_every_job_step_reported_by_the_code_has_a_label():
    steps = set()
    pattern = re.compile(r"progress\(\s*[^,()]+,\s*[^,()]+,\s*(f?\"[^\"]*\")")
    for path in (ROOT / "finplatform").rglob("*.py"):
        steps.update(literal.strip('"') for literal in pattern.findall(path.read_text("utf-8")))
    assert {"training", "workbook"} <= steps
    assert sorted(steps - set(ENUMERATIONS["job_step"])) == []


def test_audit_details_read_as_words_not_json(app):
    assert audit_details(
        "application.rejected", {"from": "in_review", "to": "rejected", "note": "缺少报表"}
    ) == [("变更前", "审核中"), ("变更后", "已拒绝"), ("备注", "缺少报表")]
    assert audit_details("target.updated", {"from": "15000.0000", "to": "16000"}) == [
        ("变更前", "15,000"),
        ("变更后", "16,000"),
    ]
    assert audit_details("user.created", {"role": "specialist"}) == [("角色", "科技金融专员")]
    assert audit_details("model.promoted", {"automatic": True, "comparison": {"beats": True}}) == [
        ("自动", "是")
    ]
    with force_locale("en"):
        assert audit_details("request.fulfilled", {"to": "fulfilled"}) == [("After", "Fulfilled")]


def test_automatic_promotions_read_as_their_reason(app):
    assert promotion_note("automatic") == "自动：在留出的融资需求上优于在用版本"
    assert promotion_note("automatic: beats the current version on held-out data") == (
        "自动：在留出的融资需求上优于在用版本"
    )
    assert promotion_note("季节性调整") == "季节性调整"


def test_api_problem_titles_come_from_the_labels(client):
    problem = client.get("/api/v1/requests").get_json()
    assert problem["status"] == 401 and problem["title"] == "需要登录"
    assert client.get("/api/v1/no-such-thing").get_json()["title"] == "页面不存在"
