"""Errors that services raise for people to read, with the form field they concern."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the platform refused an operation; `message` is shown to the user."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class Conflict(DomainError):
    """The record changed under the user (already decided, already recorded, duplicate)."""


class AlreadyDecided(Conflict):
    """Another user decided the record first (two staff at once, or a stale page)."""
