"""The OpenAPI contract, fuzzed: schemathesis drives the live app over HTTP with a real token
of every role.

Every operation in /api/v1/openapi.json gets generated requests (valid and invalid); each
response must not be a 5xx, must match the document (status, content type, headers, body
schema), invalid data must be refused and valid data accepted. A valid request may still be
refused by a rule the document states for the operation — 403 for a role the operation is not
for, 404 for an id that names nothing the token sees, 409 for a state conflict, 422 for a
business rule such as an amount above what is approved — and that counts as accepted: the
statuses are listed here explicitly instead of leaving the check out.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from finplatform.credit.consent import grant_for_application
from finplatform.models import Role

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# A valid request refused by a documented rule of the operation (see the module's docstring).
ACCEPTED_REFUSALS = ["2xx", "403", "404", "409", "422"]


@pytest.fixture
def tokens(db, make, token_for):
    """A small world for the fuzzer, and a token of each role."""
    bank = make.institution()
    make.institution(status="pending")
    product = make.product(bank)
    firm = make.enterprise()
    users = {
        Role.ENTERPRISE: make.user(Role.ENTERPRISE, enterprise=firm),
        Role.INSTITUTION: make.user(Role.INSTITUTION, institution=bank),
        Role.SPECIALIST: make.user(Role.SPECIALIST),
        Role.COMMISSION: make.user(Role.COMMISSION),
        Role.ADMIN: make.user(Role.ADMIN),
        Role.DATA_PROVIDER: make.user(Role.DATA_PROVIDER),
    }
    # An application the firm authorised the bank for, so that consent lists have an item.
    application = make.application(make.financing_request(firm), product)
    grant_for_application(application, users[Role.ENTERPRISE])
    return {role: token_for(user) for role, user in users.items()}


def _config() -> SchemathesisConfig:
    config = SchemathesisConfig()
    config.projects.default.checks.positive_data_acceptance.expected_statuses = ACCEPTED_REFUSALS
    return config


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_operation_keeps_its_contract_for_every_role(live_server, tokens, role, mode):
    schema = schemathesis.openapi.from_url(live_server + "/api/v1/openapi.json", config=_config())
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            # The test sends its own token: a negative case whose only change is a missing or
            # altered Authorization header could never reach the server as generated.
            assume(mode == GenerationMode.POSITIVE or "Authorization" in (case.headers or {}))
            case.call_and_validate(base_url=live_server, headers=headers, checks=CHECKS)

        fuzz()
