"""URL converters shared by every route."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Primary keys are 32-bit INTEGER columns; a larger number in a URL can name no record.
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` bounded to the database's id range, so an oversized id is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
