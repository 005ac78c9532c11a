"""Fault fixtures: a private PostgreSQL server that a test may stop, crash and restart."""

from __future__ import annotations

import pytest

from tests.faults.private_postgres import PrivatePostgres


@pytest.fixture
def server():
    """A running private PostgreSQL, removed after the test."""
    postgres = PrivatePostgres()
    postgres.start()
    yield postgres
    postgres.remove()
