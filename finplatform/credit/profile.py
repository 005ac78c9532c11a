"""A firm's credit profile (企业信用画像) from its public-credit records: a score 0–100, one of
six grades (A+ … E), and every factor with its contribution, source and as-of date.

This is the first, rule-based scorecard (`rules-v1`): fixed points per factor, written here so
that anyone can check a score by hand. The learned, versioned scorecard is to replace the
points, not the shape: a profile is always a list of factors that add up to the score.
Only records dated on or before the profile's day count, so a past day's profile shows what
was known then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform.extensions import db
from finplatform.models import CreditRecord, CreditRecordKind, Enterprise

K = CreditRecordKind
SCORECARD = "rules-v1"
BASE_SCORE = 60
TAX_POINTS = {"A": 15, "B": 5, "M": 0, "C": -15, "D": -30}
GRADES = ((85, "A+"), (75, "A"), (65, "B"), (55, "C"), (45, "D"), (0, "E"))
"""Lowest score of each grade, best first."""

FACTOR_LABELS = {
    "tax_grade": _l("Latest tax credit grade"),
    "headcount_trend": _l("Social-security headcount over twelve months"),
    "utility_arrears": _l("Utility arrears in the last two years"),
    "court_judgements": _l("Court judgements in the last three years"),
    "dishonest_debtor": _l("On the dishonest judgement debtor list"),
    "penalties": _l("Administrative penalties in the last two years"),
    "tech_sme": _l("Tech-SME registration"),
    "high_tech": _l("Valid high-tech enterprise certificate"),
    "patents": _l("Patents"),
}


@dataclass
class Factor:
    """One part of the score: what it is, how many points it adds, where it comes from."""

    name: str
    label: str
    value: str
    contribution: int
    source: str
    as_of: str


def _records(enterprise_id: int, on: date) -> list[CreditRecord]:
    return list(
        db.session.scalars(
            sa.select(CreditRecord)
            .where(CreditRecord.enterprise_id == enterprise_id, CreditRecord.as_of <= on)
            .order_by(CreditRecord.as_of, CreditRecord.id)
        )
    )


def _factor(name: str, value, points: int, records: list[CreditRecord]) -> Factor:
    sources = sorted({record.source for record in records})
    latest = max((record.as_of for record in records), default=None)
    return Factor(
        name=name,
        label=str(FACTOR_LABELS[name]),
        value=str(value),
        contribution=points,
        source="; ".join(sources),
        as_of=latest.isoformat() if latest else "",
    )


def _since(records, kind, start: date) -> list[CreditRecord]:
    return [r for r in records if r.kind == kind and r.as_of >= start]


def _factors(records: list[CreditRecord], on: date) -> list[Factor]:
    factors: list[Factor] = []
    taxes = _since(records, K.TAX_GRADE, on - timedelta(days=2 * 366))
    if taxes:
        grade = taxes[-1].grade
        factors.append(_factor("tax_grade", grade, TAX_POINTS.get(grade, 0), taxes[-1:]))
    headcounts = _since(records, K.SOCIAL_SECURITY, on - timedelta(days=366))
    if len(headcounts) >= 2 and headcounts[0].quantity:
        change = (headcounts[-1].quantity - headcounts[0].quantity) / headcounts[0].quantity
        points = 5 if change >= 0.1 else -5 if change <= -0.1 else 0
        factors.append(
            _factor("headcount_trend", f"{change:+.0%}", points, [headcounts[0], headcounts[-1]])
        )
    two_years = on - timedelta(days=2 * 366)
    for name, kind, each, cap, start in (
        ("utility_arrears", K.UTILITY_ARREARS, -4, -12, two_years),
        ("court_judgements", K.COURT_JUDGEMENT, -6, -18, on - timedelta(days=3 * 366)),
        ("penalties", K.PENALTY, -3, -9, two_years),
    ):
        found = _since(records, kind, start)
        if found:
            factors.append(_factor(name, len(found), max(each * len(found), cap), found))
    listed = _since(records, K.DISHONEST_DEBTOR, on - timedelta(days=5 * 366))
    if listed:
        factors.append(_factor("dishonest_debtor", len(listed), -40, listed))
    registered = _since(records, K.TECH_SME, date(on.year - 1, 1, 1))
    if registered:
        factors.append(_factor("tech_sme", registered[-1].reference, 5, registered[-1:]))
    certificates = [
        r
        for r in records
        if r.kind == K.HIGH_TECH and (r.valid_until is None or r.valid_until >= on)
    ]
    if certificates:
        factors.append(_factor("high_tech", certificates[-1].reference, 8, certificates[-1:]))
    patents = [r for r in records if r.kind == K.PATENT]
    if patents:
        factors.append(_factor("patents", len(patents), min(len(patents), 7), patents))
    return factors


def grade_for(score: int) -> str:
    """The grade of a score: A+ from 85, A from 75, B from 65, C from 55, D from 45, else E."""
    return next(grade for lowest, grade in GRADES if score >= lowest)


def credit_profile(enterprise: Enterprise, on: date) -> dict:
    """The firm's profile as of `on`, from the records dated on or before it."""
    factors = _factors(_records(enterprise.id, on), on)
    score = max(0, min(100, BASE_SCORE + sum(f.contribution for f in factors)))
    return {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "as_of": on.isoformat(),
        "scorecard": SCORECARD,
        "base": BASE_SCORE,
        "score": score,
        "grade": grade_for(score),
        "factors": [asdict(factor) for factor in factors],
    }
