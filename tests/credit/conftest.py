"""Credit fixtures: the loan helpers, for tests that learn from repayment outcomes."""

from tests.loans.conftest import bank_user, disburse  # noqa: F401 (fixtures used by name)
