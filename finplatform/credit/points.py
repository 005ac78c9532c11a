"""Points of a credit profile (企业信用画像): a score 0–100, one of six grades (A+ … E), and
every factor with its contribution, source and as-of date.

Two kinds of scorecard score it. `rules-v1` gives fixed points per factor, written here so
that anyone can check a score by hand; it serves until a learned scorecard
(`finplatform.credit.scorecard`, trained and promoted by `finplatform.credit.scorecards`) is
in service, whose points per factor come from its bins and coefficients. Either way a profile
is a base and a list of factors that add up to the score.

Profiles are versioned (`finplatform.credit.versions`); `finplatform.credit.profile` reads
the profile as of a day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l

from finplatform.credit import scorecard
from finplatform.credit.scorecard import Observed

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
    "firm_age": _l("Years in business"),
    "revenue": _l("Annual revenue"),
    "employees": _l("Employees"),
}


@dataclass
class Factor:
    """One part of the score: what it is, how many points it adds, where it comes from."""

    name: str
    label: str
    value: str
    contribution: float
    source: str
    as_of: str


def _factor(name: str, seen: Observed, points: float) -> Factor:
    return Factor(name, str(FACTOR_LABELS[name]), seen.shown, points, seen.source, seen.as_of)


def rules_factors(observed: dict[str, Observed]) -> list[Factor]:
    """The `rules-v1` points of the factors a firm has records for."""
    factors: list[Factor] = []
    tax = observed["tax_grade"]
    if tax.source:
        factors.append(_factor("tax_grade", tax, TAX_POINTS.get(tax.shown, 0)))
    trend = observed["headcount_trend"]
    if trend.source:
        points = 5 if trend.value >= 0.1 else -5 if trend.value <= -0.1 else 0
        factors.append(_factor("headcount_trend", trend, points))
    for name, each, cap in (
        ("utility_arrears", -4, -12),
        ("court_judgements", -6, -18),
        ("penalties", -3, -9),
    ):
        if observed[name].value > 0:
            factors.append(_factor(name, observed[name], max(each * observed[name].value, cap)))
    if observed["dishonest_debtor"].value > 0:
        factors.append(_factor("dishonest_debtor", observed["dishonest_debtor"], -40))
    for name, points in (("tech_sme", 5), ("high_tech", 8)):
        if observed[name].value > 0:
            factors.append(_factor(name, observed[name], points))
    if observed["patents"].value > 0:
        factors.append(_factor("patents", observed["patents"], min(observed["patents"].value, 7)))
    for factor in factors:
        factor.contribution = int(factor.contribution)
    return factors


def rules_score(observed: dict[str, Observed]) -> int:
    """The `rules-v1` score of a firm's features."""
    total = BASE_SCORE + sum(f.contribution for f in rules_factors(observed))
    return max(0, min(100, total))


def card_factors(card: dict, observed: dict[str, Observed]) -> tuple[float, list[Factor]]:
    """A learned scorecard's base and its points for every feature (rounded to 0.1)."""
    base, parts = scorecard.points(card, scorecard.matrix([observed]))
    return round(base, 1), [
        _factor(name, observed[name], round(float(parts[0][i]), 1))
        for i, name in enumerate(scorecard.FEATURES)
    ]


def grade_for(score: int) -> str:
    """The grade of a score: A+ from 85, A from 75, B from 65, C from 55, D from 45, else E."""
    return next(grade for lowest, grade in GRADES if score >= lowest)


def score_profile(observed: dict[str, Observed], name: str, card: dict | None) -> dict:
    """Score, grade, base and factors of a firm's features under a scorecard (None:
    `rules-v1`)."""
    if card is None:
        base, factors = BASE_SCORE, rules_factors(observed)
    else:
        base, factors = card_factors(card, observed)
    score = int(max(0, min(100, round(base + sum(f.contribution for f in factors)))))
    return {
        "scorecard": name,
        "base": base,
        "score": score,
        "grade": grade_for(score),
        "factors": [asdict(factor) for factor in factors],
    }
