"""The OpenAPI contract, fuzzed: schemathesis drives the live app over HTTP with a real token.

Every operation in /api/v1/openapi.json gets generated requests (valid and invalid); each
response must not be a 5xx and must match the document (status, content type, body schema).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from finplatform.models import Role

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def api_world(db, make, token_for):
    """A small world for the fuzzer: institutions, products, and an enterprise's token."""
    bank = make.institution()
    make.institution(status="pending")
    make.product(bank)
    enterprise_user = make.user(Role.ENTERPRISE)
    return {"token": token_for(enterprise_user)}


def test_every_operation_keeps_its_contract(live_server, api_world):
    schema = schemathesis.openapi.from_url(live_server + "/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {api_world['token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def fuzz(case):
            # Schema-valid strings may carry NUL characters, which the platform refuses on
            # purpose (400, see finplatform/input_guard.py): that one check is left out.
            case.call_and_validate(
                base_url=live_server, headers=headers, excluded_checks=[positive_data_acceptance]
            )

        fuzz()
