"""URL converters and query arguments shared by every route: numbers stay within what the
database's integer columns hold."""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

# Primary keys are 32-bit INTEGER columns; a larger number in a URL can name no record.
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` bounded to the database's id range, so an oversized id is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _database_int(value: str) -> int:
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError(f"{value!r} is outside the database's integer range")
    return number


class QueryArguments(ImmutableMultiDict):
    """Query and form values whose `type=int` conversions stop at the database's integer range.

    `request.args.get("year", type=int)` answers the default for a number no column can hold,
    exactly as it does for text that is not a number, instead of passing it to a query where
    the driver would fail on it.
    """

    def get(self, key, default=None, type=None):  # noqa: A002
        return super().get(key, default, _database_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, _database_int if type is int else type)


class PlatformRequest(Request):
    parameter_storage_class = QueryArguments
