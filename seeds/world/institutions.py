"""Drawing the world's institutions with their hidden appetite, and credit communities' members.

Arrays hold one entry per institution (index = id - 1); the appetite is never stored: the
matching engine has to learn it from outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finplatform.domain.reference import District, IndustryDivision
from seeds.world import facts
from seeds.world.facts import MINUTES_PER_DAY, WorldSize
from seeds.world.firms import Firms
from seeds.world.identities import credit_codes, unique_names


@dataclass
class Institutions:
    """Institutions as arrays (index i is institution id i + 1) with their hidden appetite."""

    kind: list[str]
    district: np.ndarray
    approved: np.ndarray
    approved_minute: np.ndarray
    created_minute: np.ndarray
    names: list[str]
    codes: list[str | None]
    community_index: np.ndarray  # 0.. for credit communities, -1 otherwise
    # Hidden appetite (never stored): base approval logit, logit shift by industry division and
    # by district, slope over firm size bands, share of applications answered, days to decide.
    base: np.ndarray
    industry_appetite: np.ndarray
    district_appetite: np.ndarray
    size_slope: np.ndarray
    answer_rate: np.ndarray
    decision_days: np.ndarray


def draw_institutions(
    rng: np.random.Generator,
    size: WorldSize,
    districts: list[District],
    divisions: list[IndustryDivision],
    history_start_day: int,
    demo_branch_name: str,
) -> Institutions:
    """Institutions of each kind with their appetite; institution 1 is the demo tech branch."""
    kinds = [kind for kind, count in size.institutions.items() for _ in range(count)]
    n = len(kinds)
    district_p = facts.DISTRICT_WEIGHTS / facts.DISTRICT_WEIGHTS.sum()
    district = rng.choice(len(districts), size=n, p=district_p)
    binhai = [d.code for d in districts].index("120116")
    district[0] = binhai
    short = [d.short_name_zh for d in districts]
    full = [d.name_zh for d in districts]
    bank = rng.integers(len(facts.BANKS), size=n)
    brand_a = rng.integers(len(facts.BRAND_CHARS), size=n)
    brand_b = rng.integers(len(facts.BRAND_CHARS), size=n)
    insurer = rng.integers(len(facts.INSURERS), size=n)
    theme = rng.integers(len(facts.COMMUNITY_THEMES), size=n)
    names = []
    for i, kind in enumerate(kinds):
        d = district[i]
        brand = facts.BRAND_CHARS[brand_a[i]] + facts.BRAND_CHARS[brand_b[i]]
        names.append(
            {
                "tech_branch": f"{facts.BANKS[bank[i]]}天津{short[d]}科技支行",
                "bank": f"{facts.BANKS[bank[i]]}天津{short[d]}支行",
                "credit_community": f"{full[d]}{facts.COMMUNITY_THEMES[theme[i]]}信用共同体",
                "guarantee": f"天津{brand}融资担保有限公司",
                "fund": f"天津{brand}创业投资基金",
                "insurer": f"{facts.INSURERS[insurer[i]]}天津{short[d]}支公司",
                "leasing": f"天津{brand}融资租赁有限公司",
                "service": f"天津{short[d]}科技金融服务中心",
            }[kind]
        )
    names[0] = demo_branch_name
    if "fund" in kinds:
        names[kinds.index("fund")] = "天津市科技成果转化基金"
    names = unique_names(names)
    codes = credit_codes(rng, n, [districts[d].code for d in district], "2")
    # Credit communities are associations, not registered firms: no code of their own.
    codes = [
        None if kind == "credit_community" else code
        for kind, code in zip(kinds, codes, strict=True)
    ]
    pending = np.zeros(n, dtype=bool)
    service = [i for i, kind in enumerate(kinds) if kind == "service"]
    pending[service[: max(1, len(service) // 5)]] = True
    approved_day = history_start_day - rng.integers(20, 400, n)
    approved_minute = approved_day * MINUTES_PER_DAY + 120 + rng.integers(0, 420, n)
    created_minute = approved_minute - rng.integers(2, 30, n) * MINUTES_PER_DAY
    community_index = np.full(n, -1)
    community_rows = [i for i, kind in enumerate(kinds) if kind == "credit_community"]
    community_index[community_rows] = np.arange(len(community_rows))

    focus_keys = sorted({key for d in divisions for key in d.tech_focus})
    favoured_focus = rng.random((n, len(focus_keys))) < 0.3
    division_focus = np.array(
        [[key in d.tech_focus for key in focus_keys] for d in divisions], dtype=bool
    )
    favoured = (favoured_focus.astype(int) @ division_focus.T.astype(int)) > 0
    disliked = (rng.random((n, len(divisions))) < 0.15) & ~favoured
    industry_appetite = 1.3 * favoured - 1.1 * disliked
    district_appetite = np.zeros((n, len(districts)))
    district_appetite[np.arange(n), district] = 0.8
    extra = rng.integers(len(districts), size=n)
    district_appetite[np.arange(n), extra] += 0.4
    kind_base = {
        "tech_branch": 0.2,
        "bank": -0.3,
        "credit_community": 0.5,
        "guarantee": 0.0,
        "fund": -2.6,
        "insurer": 0.6,
        "leasing": 0.1,
        "service": 0.0,
    }
    base = np.array([kind_base[k] for k in kinds]) + rng.normal(0.0, 0.5, n)
    base[0] = 0.5  # the demo branch is open-minded enough to show approvals
    return Institutions(
        kind=kinds,
        district=district,
        approved=~pending,
        approved_minute=np.where(pending, -1, approved_minute),
        created_minute=created_minute,
        names=names,
        codes=codes,
        community_index=community_index,
        base=base,
        industry_appetite=industry_appetite,
        district_appetite=district_appetite,
        size_slope=rng.normal(0.0, 1.6, n),
        answer_rate=rng.uniform(0.6, 0.97, n),
        decision_days=rng.uniform(4.0, 25.0, n),
    )


def draw_memberships(
    rng: np.random.Generator, firms: Firms, institutions: Institutions, per_community: int
) -> list[tuple[int, int]]:
    """(community row, firm row) pairs: each community recruits firms, mostly from its district."""
    pairs = []
    for row in np.flatnonzero(institutions.community_index >= 0):
        weight = np.where(firms.district == institutions.district[row], 6.0, 1.0)
        weight *= np.where(firms.active, 2.0, 1.0)
        members = np.sort(
            rng.choice(len(weight), size=per_community, replace=False, p=weight / weight.sum())
        )
        firms.communities[members] |= 1 << int(institutions.community_index[row])
        pairs.extend((int(row), int(member)) for member in members)
    return pairs
