"""Drawing the world's firms: where they are, what they do, their size and hidden quality.

Arrays hold one entry per firm (index = id - 1); `seeds.world.organisation_rows` turns them
into table rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finplatform.domain.reference import District, IndustryDivision
from seeds.world import facts
from seeds.world.facts import WorldSize
from seeds.world.identities import credit_codes, unique_names


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class Firms:
    """Enterprises as arrays; index i is enterprise id i + 1."""

    district: np.ndarray
    industry: np.ndarray
    quality: np.ndarray  # hidden: the firm's true creditworthiness, N(0, 1)
    founded_day: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray  # yuan, whole 万元
    rd_spend: np.ndarray
    patents: np.ndarray
    little_giant: np.ndarray
    high_tech: np.ndarray
    rating: np.ndarray  # index into CREDIT_RATINGS, -1 = unrated
    active: np.ndarray
    activity: np.ndarray  # relative request frequency of active firms
    communities: np.ndarray  # bitmask of credit community indexes
    names: list[str]
    codes: list[str]
    specialist: np.ndarray | None = None  # user id of the owning specialist, 0 = none


def draw_firms(
    rng: np.random.Generator,
    size: WorldSize,
    districts: list[District],
    divisions: list[IndustryDivision],
    history_start_day: int,
    demo_firm: dict,
) -> Firms:
    """Firms with skewed (log-normal) size, revenue and R&D; firm 1 is the demo firm."""
    n = size.enterprises
    district_p = facts.DISTRICT_WEIGHTS / facts.DISTRICT_WEIGHTS.sum()
    district = rng.choice(len(districts), size=n, p=district_p)
    industry_weight = np.array([3.0 if d.tech_focus else 0.6 for d in divisions])
    industry_weight[[i for i, d in enumerate(divisions) if d.code == "75"]] = 2.0
    industry = rng.choice(len(divisions), size=n, p=industry_weight / industry_weight.sum())
    quality = rng.normal(0.0, 1.0, n)
    age_years = np.exp(rng.normal(np.log(6.0), 0.6, n)) + 0.2
    founded_day = history_start_day - np.round(age_years * 365.25).astype(np.int64)
    employees = np.clip(
        np.round(np.exp(rng.normal(np.log(35.0), 0.9, n) + 0.25 * quality)), 3, 1500
    ).astype(np.int64)
    log_revenue = (
        np.log(6e6) + rng.normal(0.0, 1.1, n) + 0.35 * quality + 0.6 * np.log(employees / 35.0)
    )
    revenue = np.clip(np.round(np.exp(log_revenue) / 10_000), 5, 200_000).astype(np.int64) * 10_000
    intensity = np.clip(np.exp(rng.normal(np.log(0.06), 0.6, n)) + 0.015 * quality, 0.0, 0.6)
    rd_spend = (np.round(revenue * intensity / 10_000) * 10_000).astype(np.int64)
    patents = rng.poisson(np.exp(0.8 + 0.45 * quality + 0.3 * np.log(employees / 20.0)))
    high_tech = rng.random(n) < _sigmoid(-0.8 + 0.9 * quality + 8.0 * (intensity - 0.06))
    little_giant = rng.random(n) < _sigmoid(
        -4.2 + 1.0 * quality + 1.2 * np.log10(revenue / 1e7) + 0.8 * high_tech
    )
    score = quality + rng.normal(0.0, 0.7, n)
    rating = np.digitize(score, np.array([-2.6, -2.0, -1.4, -0.8, -0.3, 0.3, 0.9, 1.6]))
    rating = np.where(rng.random(n) < 0.25, -1, rating)
    active = np.zeros(n, dtype=bool)
    active[rng.choice(np.arange(1, n), size=size.active_enterprises - 1, replace=False)] = True
    active[0] = True
    # Bigger and better firms borrow more often (and are easier to serve).
    activity = np.exp(rng.normal(0.0, 0.6, n) + 0.25 * np.log(revenue / 6e6))

    focus_word = [facts.INDUSTRY_WORDS[d.tech_focus[0] if d.tech_focus else ""] for d in divisions]
    brand_a = rng.integers(len(facts.BRAND_CHARS), size=n)
    brand_b = rng.integers(len(facts.BRAND_CHARS), size=n)
    suffix = rng.integers(len(facts.COMPANY_SUFFIXES), size=n)
    names = [
        "天津"
        + facts.BRAND_CHARS[a]
        + facts.BRAND_CHARS[b]
        + focus_word[ind]
        + facts.COMPANY_SUFFIXES[s]
        for a, b, ind, s in zip(
            brand_a.tolist(), brand_b.tolist(), industry.tolist(), suffix, strict=True
        )
    ]
    codes = credit_codes(rng, n, [districts[d].code for d in district], "1")

    # Firm 1 is the demo enterprise that `flask seed demo-accounts` signs in as.
    demo_district = [d.code for d in districts].index(demo_firm["district_code"])
    demo_industry = [d.code for d in divisions].index(demo_firm["industry_code"])
    district[0], industry[0] = demo_district, demo_industry
    employees[0], patents[0] = demo_firm["employees"], demo_firm["patents"]
    high_tech[0], quality[0] = True, 0.8
    names[0], codes[0] = demo_firm["name"], demo_firm["credit_code"]
    return Firms(
        district=district,
        industry=industry,
        quality=quality,
        founded_day=founded_day,
        employees=employees,
        revenue=revenue,
        rd_spend=rd_spend,
        patents=patents,
        little_giant=little_giant,
        high_tech=high_tech,
        rating=rating,
        active=active,
        activity=activity,
        communities=np.zeros(n, dtype=np.int64),
        names=unique_names(names),
        codes=codes,
    )
