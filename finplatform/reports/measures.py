"""The report's SQL: every figure is one aggregate query, never a Python loop over rows.

A `Measure` says which table a figure counts, which column dates a row (the day it belongs to),
which column says when the row was recorded (to tell late corrections from the original figures),
what its amount is, and how it breaks down by product kind, institution, institution kind,
district and industry. The same description builds the totals, the breakdowns and the drill-down
rows, so the rows behind a figure are exactly the rows it counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.history.periods import held_at
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    District,
    FinancingRequest,
    FirmAttributes,
    Industry,
    Institution,
    InstitutionKind,
    Match,
    Product,
    ProductKind,
)
from finplatform.models.base import Money
from finplatform.reports.designations import DESIGNATION, DESIGNATIONS
from finplatform.reports.periods import Month, local_midnight, year_months

ZERO = Decimal("0.00")
DIMENSIONS = (
    "product_kind",
    "institution",
    "institution_kind",
    "district",
    "industry",
    "designation",
)


@dataclass(frozen=True)
class Scope:
    """Rows dated in [date_from, date_to) and recorded in (recorded_after, recorded_until]."""

    date_from: date | None
    date_to: date
    recorded_after: datetime | None = None
    recorded_until: datetime | None = None

    @classmethod
    def month(cls, month: Month, recorded_until: datetime | None = None) -> Scope:
        """One month's own rows (optionally only those recorded by a closing instant)."""
        return cls(month.first_day, month.end_day, None, recorded_until)

    @classmethod
    def year_to_date(cls, month: Month) -> Scope:
        """1 January to the end of `month`."""
        return cls(date(month.year, 1, 1), month.end_day)


Join = tuple[object, object]


@dataclass(frozen=True)
class Measure:
    """What one report figure counts; see the module docstring."""

    name: str
    entity: type
    date_column: sa.ColumnElement
    is_date: bool
    recorded_column: sa.ColumnElement
    count: sa.ColumnElement
    amount: sa.ColumnElement | None
    conditions: tuple = ()
    joins: tuple[Join, ...] = ()
    dimensions: dict[str, tuple[sa.ColumnElement, tuple[Join, ...]]] = field(default_factory=dict)

    def scope_conditions(self, scope: Scope) -> list[sa.ColumnElement[bool]]:
        """The WHERE conditions selecting this measure's rows in a scope."""
        low, high = scope.date_from, scope.date_to
        if not self.is_date:
            low = local_midnight(low) if low is not None else None
            high = local_midnight(high)
        conditions = [*self.conditions, self.date_column < high]
        if low is not None:
            conditions.append(self.date_column >= low)
        if scope.recorded_after is not None:
            conditions.append(self.recorded_column > scope.recorded_after)
        if scope.recorded_until is not None:
            conditions.append(self.recorded_column <= scope.recorded_until)
        return conditions

    def select(
        self,
        columns: Sequence,
        scope: Scope,
        filters: dict[str, str] | None = None,
        dimension: str | Sequence[str] | None = None,
        where: Sequence = (),
    ) -> sa.Select:
        """SELECT `columns` over this measure's rows (and `where`), joined as the filters and
        dimension(s) need."""
        joins = list(self.joins)
        conditions = [*self.scope_conditions(scope), *where]
        for name, key in (filters or {}).items():
            column, needed = self.dimensions[name]
            joins.extend(needed)
            conditions.append(column == _typed_key(column, key))
        for name in [dimension] if isinstance(dimension, str) else dimension or ():
            joins.extend(self.dimensions[name][1])
        statement = sa.select(*columns).select_from(self.entity)
        seen: list = []
        for target, onclause in joins:
            if target not in seen:
                seen.append(target)
                # Outer: a firm stored without history (raw SQL) still counts in the totals.
                outer = target is FirmAttributes
                statement = statement.join(target, onclause, isouter=outer)
        return statement.where(*conditions)


def _typed_key(column, key: str):
    """Drill-down keys arrive as text; integer columns compare with integers."""
    if isinstance(column.type, sa.Integer):
        return int(key) if str(key).lstrip("-").isdigit() else -1
    return key


def sum_money(expression) -> sa.ColumnElement:
    """SUM of an amount column as Money, zero when there are no rows."""
    return sa.type_coerce(sa.func.coalesce(sa.func.sum(expression), 0), Money)


def _firm_at(firm_id, when) -> Join:
    """The firm's attributes as they were at `when` (`finplatform.history`)."""
    return (
        FirmAttributes,
        sa.and_(FirmAttributes.enterprise_id == firm_id, held_at(FirmAttributes, when)),
    )


def _firm_then(firm_id, when, *before: Join) -> dict[str, tuple]:
    """Breakdowns by the firm's district, industry and confirmed designation as they were at
    `when` (the row's date): a firm that moved is counted where it was at the time."""
    then = _firm_at(firm_id, when)
    return {
        "district": (FirmAttributes.district_code, (*before, then)),
        "industry": (FirmAttributes.industry_code, (*before, then)),
        "designation": (DESIGNATION, (*before, then)),
    }


_APP_INSTITUTION: Join = (Institution, Institution.id == Application.institution_id)


def _app_dimensions(when) -> dict[str, tuple]:
    return {
        "product_kind": (Application.product_kind_code, ()),
        "institution": (Application.institution_id, ()),
        "institution_kind": (Institution.kind_code, (_APP_INSTITUTION,)),
        **_firm_then(Application.enterprise_id, when),
    }


_MATCH_PRODUCT: Join = (Product, Product.id == Match.product_id)
_MATCH_REQUEST: Join = (FinancingRequest, FinancingRequest.id == Match.request_id)

# A reversal row (negative amount) takes back one disbursement: the count is net.
NET_DISBURSEMENT_COUNT = sa.func.coalesce(
    sa.func.sum(sa.case((Disbursement.reverses_id.is_(None), 1), else_=-1)), 0
)

MEASURES: dict[str, Measure] = {
    "requests": Measure(
        name="requests",
        entity=FinancingRequest,
        date_column=FinancingRequest.created_at,
        is_date=False,
        recorded_column=FinancingRequest.created_at,
        count=sa.func.count(FinancingRequest.id),
        amount=sum_money(FinancingRequest.amount_yuan),
        dimensions=_firm_then(FinancingRequest.enterprise_id, FinancingRequest.created_at),
    ),
    "matches": Measure(
        name="matches",
        entity=Match,
        date_column=Match.created_at,
        is_date=False,
        recorded_column=Match.created_at,
        count=sa.func.count(Match.id),
        amount=None,
        dimensions={
            "product_kind": (Product.kind_code, (_MATCH_PRODUCT,)),
            "institution": (Product.institution_id, (_MATCH_PRODUCT,)),
            "institution_kind": (
                Institution.kind_code,
                (_MATCH_PRODUCT, (Institution, Institution.id == Product.institution_id)),
            ),
            **_firm_then(FinancingRequest.enterprise_id, Match.created_at, _MATCH_REQUEST),
        },
    ),
    "applications": Measure(
        name="applications",
        entity=Application,
        date_column=Application.submitted_at,
        is_date=False,
        recorded_column=Application.created_at,
        count=sa.func.count(Application.id),
        amount=sum_money(Application.amount_yuan),
        dimensions=_app_dimensions(Application.submitted_at),
    ),
    "approvals": Measure(
        name="approvals",
        entity=Application,
        date_column=Application.decided_at,
        is_date=False,
        recorded_column=Application.created_at,
        count=sa.func.count(Application.id),
        amount=sum_money(Application.approved_amount_yuan),
        conditions=(Application.approved_amount_yuan.is_not(None),),
        dimensions=_app_dimensions(Application.decided_at),
    ),
    "rejections": Measure(
        name="rejections",
        entity=Application,
        date_column=Application.decided_at,
        is_date=False,
        recorded_column=Application.created_at,
        count=sa.func.count(Application.id),
        amount=sum_money(Application.amount_yuan),
        conditions=(Application.status == ApplicationStatus.REJECTED,),
        dimensions=_app_dimensions(Application.decided_at),
    ),
    "disbursements": Measure(
        name="disbursements",
        entity=Disbursement,
        date_column=Disbursement.disbursed_on,
        is_date=True,
        recorded_column=Disbursement.created_at,
        count=NET_DISBURSEMENT_COUNT,
        amount=sum_money(Disbursement.amount_yuan),
        dimensions={
            "product_kind": (Disbursement.product_kind_code, ()),
            "institution": (Disbursement.institution_id, ()),
            "institution_kind": (Disbursement.institution_kind_code, ()),
            "district": (Disbursement.district_code, ()),
            "industry": (Disbursement.industry_code, ()),
            # As when the disbursement was recorded, like its district and industry.
            "designation": (
                DESIGNATION,
                (_firm_at(Disbursement.enterprise_id, Disbursement.created_at),),
            ),
        },
    ),
}


def _amount_column(measure: Measure):
    return measure.amount if measure.amount is not None else sa.literal(None)


def totals(measure: Measure, scope: Scope, where: Sequence = ()) -> dict:
    """Count and amount of a measure in a scope (of its rows matching `where`)."""
    count, amount = db.session.execute(
        measure.select([measure.count, _amount_column(measure)], scope, where=where)
    ).one()
    return {
        "count": int(count or 0),
        "amount": to_money(amount) if measure.amount is not None else None,
    }


def breakdown_sums(
    measure: Measure, scope: Scope, dimension: str, where: Sequence = ()
) -> list[tuple]:
    """(key, count, amount) per key of a dimension."""
    column = measure.dimensions[dimension][0]
    statement = measure.select(
        [column.label("key"), measure.count.label("count"), _amount_column(measure).label("amt")],
        scope,
        dimension=dimension,
        where=where,
    ).group_by(column)
    return [(row.key, row.count, row.amt) for row in db.session.execute(statement)]


def breakdowns_sums(measure: Measure, scope: Scope, names: list[str]) -> dict[str, list[tuple]]:
    """(key, count, amount) rows by each of some dimensions."""
    return {name: breakdown_sums(measure, scope, name) for name in names}


def breakdown_entries(
    measure: Measure, dimension: str, rows: list[tuple], labels: dict | None = None
) -> list[dict]:
    """(key, count, amount) rows as labelled entries, largest amount (or count) first
    (`labels`: the dimension's names when already read)."""
    if labels is None:
        labels = dimension_labels(dimension, [key for key, _, _ in rows])
    result = [
        {
            "key": str(key),
            "name_zh": labels.get(key, (str(key), str(key)))[0],
            "name_en": labels.get(key, (str(key), str(key)))[1],
            "count": int(count or 0),
            "amount": to_money(amount) if measure.amount is not None else None,
        }
        for key, count, amount in rows
    ]
    result.sort(key=lambda item: (-(item["amount"] or 0), -item["count"], item["key"]))
    return result


def dimension_labels(dimension: str, keys: list) -> dict:
    """Chinese and English names of a dimension's keys, read in one query."""
    if not keys:
        return {}
    if dimension == "designation":
        return {key: DESIGNATIONS[key] for key in keys if key in DESIGNATIONS}
    table = {
        "product_kind": (ProductKind.code, ProductKind.name_zh, ProductKind.name_en),
        "institution": (Institution.id, Institution.name, Institution.name),
        "institution_kind": (
            InstitutionKind.code,
            InstitutionKind.name_zh,
            InstitutionKind.name_en,
        ),
        "district": (District.code, District.name_zh, District.name_en),
        "industry": (Industry.code, Industry.name_zh, Industry.name_en),
    }[dimension]
    rows = db.session.execute(sa.select(*table).where(table[0].in_(keys))).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def to_money(value) -> Decimal:
    """A database sum as Decimal yuan with fen (zero for None)."""
    if value is None:
        return ZERO
    return Decimal(value).quantize(Decimal("0.01"))


def month_bucket(measure: Measure, year: int) -> sa.ColumnElement:
    """The Beijing-time month number (1–12) a measure's row falls in, within one year."""
    if measure.is_date:
        return sa.extract("month", measure.date_column)
    return bucket_for_year(measure.date_column, year)


def totals_by_month(
    measure: Measure, months: list[Month], where: Sequence = ()
) -> dict[Month, dict]:
    """Count and amount of a measure in each of some months of one year (one grouped query)."""
    if not months:
        return {}
    year = months[0].year
    scope = Scope(min(months).first_day, max(months).end_day)
    bucket = month_bucket(measure, year).label("number")
    rows = db.session.execute(
        measure.select(
            [bucket, measure.count, _amount_column(measure)], scope, where=where
        ).group_by(bucket)
    ).all()
    found = {int(row[0]): row for row in rows}
    result = {}
    for month in months:
        row = found.get(month.month)
        result[month] = {
            "count": int(row[1] or 0) if row else 0,
            "amount": (to_money(row[2]) if row else ZERO) if measure.amount is not None else None,
        }
    return result


def bucket_for_year(column, year: int) -> sa.ColumnElement:
    """The Beijing-time month number (1–12) of a UTC timestamp, from the year's boundaries."""
    whens = [(column < month.end_at, month.month) for month in year_months(year)]
    return sa.case(*whens, else_=13)
