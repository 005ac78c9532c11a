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
from flask_sqlalchemy.pagination import SelectPagination

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


class RowsPagination(SelectPagination):
    """A counted page whose items are the statement's rows (named tuples of columns), not
    entities: the busiest lists select the few columns they show instead of loading objects."""

    def _query_items(self) -> list:
        statement = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(statement, self._params).all())

    def _query_count(self) -> int:
        counted = sa.select(sa.func.count()).select_from(
            self._query_args["select"].order_by(None).subquery()
        )
        return self._query_args["session"].execute(counted, self._params).scalar()

    @property
    def _params(self) -> dict | None:
        return self._query_args.get("params")


def counted_rows_page(statement: sa.Select, params: dict | None = None) -> RowsPagination:
    """`counted_page` of a column select: the requested page of its rows, with the total;
    `params` gives its bound parameters' values (a statement built once per worker)."""
    return RowsPagination(
        select=statement,
        params=params,
        session=db.session(),
        page=_requested_page(),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=None,
        error_out=False,
    )


def uncounted_page(statement: sa.Select, as_rows: bool = False) -> UncountedPage:
    """The requested page (from 1; lower numbers read as 1) of the ordered `statement`'s
    entities (or, with `as_rows`, its rows of columns), without counting them."""
    page, per_page = max(_requested_page(), 1), current_app.config["PAGE_SIZE"]
    window = statement.limit(per_page + 1).offset((page - 1) * per_page)
    rows = (db.session.execute(window) if as_rows else db.session.scalars(window)).all()
    return UncountedPage(
        items=list(rows[:per_page]), page=page, per_page=per_page, has_next=len(rows) > per_page
    )
