"""API fixtures: a token for any user, and a client that sends it."""

from __future__ import annotations

import pytest

from finplatform.api.tokens import create_token


@pytest.fixture
def token_for(db):
    """Create an API token for a user; returns the token text."""

    def make_token(user, name: str = "test system") -> str:
        _row, text = create_token(user, name)
        db.session.commit()
        return text

    return make_token


def bearer(token: str, **headers) -> dict:
    """Headers that sign a request in with `token`."""
    return {"Authorization": f"Bearer {token}", **headers}
