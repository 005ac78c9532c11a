"""Pages of the lists: the page a request asks for (`?page=`), of the configured size.

Most lists are counted, for "page 3 of 12". A list whose total costs far more than one page is
not: the demand pool is one: whether an open request fits an institution is decided per request
against every one of its products, so counting the whole pool means judging every open request
of the city, while the newest page only needs the first few that fit. Such a page asks for one
row more than it shows to know whether a next page exists, and says which page it is without
"of how many".
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request

from finplatform.extensions import db


@dataclass(frozen=True)
class UncountedPage:
    """One page of rows with its neighbours known, but not the number of pages."""

    items: list
    page: int
    per_page: int
    has_next: bool
    # Read by the pagination macro, like Flask-SQLAlchemy's pages: no total, no page count.
    total = None
    pages = None

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The previous page's number, if any."""
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        """The next page's number, if any."""
        return self.page + 1 if self.has_next else None


def _requested_page() -> int:
    return request.args.get("page", 1, type=int)


def counted_page(statement: sa.Select):
    """The requested page of the ordered `statement`'s entities, with the total; a page past the
    end is empty, not an error."""
    return db.paginate(
        statement,
        page=_requested_page(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )


def uncounted_page(statement: sa.Select) -> UncountedPage:
    """The requested page (from 1; lower numbers read as 1) of the ordered `statement`'s
    entities, without counting them."""
    page, per_page = max(_requested_page(), 1), current_app.config["PAGE_SIZE"]
    rows = db.session.scalars(statement.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return UncountedPage(
        items=list(rows[:per_page]), page=page, per_page=per_page, has_next=len(rows) > per_page
    )
