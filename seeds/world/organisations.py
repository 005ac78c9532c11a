"""Drawing the world's organisations: firms, institutions with their hidden appetite, products.

Everything here returns numpy arrays (one entry per record, index = id - 1) and plain lists of
strings; `seeds.world.rows` turns them into table rows. All draws come from one Generator in a
fixed order, so one seed gives one world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finplatform.credit_code import ALPHABET, WEIGHTS
from finplatform.domain.reference import District, IndustryDivision
from seeds.world import facts
from seeds.world.facts import MINUTES_PER_DAY, WorldSize


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Chinese personal names: a surname and one or two given-name characters."""
    surname = rng.integers(len(facts.SURNAMES), size=n)
    first = rng.integers(len(facts.GIVEN), size=n)
    second = rng.integers(len(facts.GIVEN), size=n)
    two = rng.random(n) < 0.6
    return [
        facts.SURNAMES[s] + facts.GIVEN[a] + (facts.GIVEN[b] if t else "")
        for s, a, b, t in zip(
            surname.tolist(), first.tolist(), second.tolist(), two.tolist(), strict=True
        )
    ]


def mobile_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """Mainland mobile numbers (13x-18x)."""
    prefix = rng.choice(np.array([130, 135, 138, 139, 150, 186, 187]), size=n)
    rest = rng.integers(0, 100_000_000, size=n)
    return [f"{p}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)]


def unique_names(names: list[str]) -> list[str]:
    """Make names unique by numbering repeats in order: 某某公司, 某某公司（2）, …."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        result.append(name if count == 1 else f"{name}（{count}）")
    return result


def credit_codes(rng: np.random.Generator, n: int, district_codes: list[str], kind: str) -> list:
    """Unique valid unified social credit codes: 9 + type + division + organisation code.

    The 9-character organisation part is an affine permutation of the record number, so codes
    never repeat; `kind` "1" is an enterprise, "2" another organisation. The check character is
    computed as `finplatform.credit_code` does, vectorised (60,000 codes one by one take seconds).
    """
    modulus = 31**9
    step = int(rng.integers(10**12, 10**13))
    while np.gcd(step, 31) != 1:
        step += 1
    offset = int(rng.integers(0, modulus))
    # Below 2**63: n * step < 10**18.
    remaining = (np.arange(n, dtype=np.int64) * step + offset) % modulus
    digits = np.zeros((n, 17), dtype=np.int64)
    digits[:, 0] = ALPHABET.index("9")
    digits[:, 1] = ALPHABET.index(kind)
    digits[:, 2:8] = np.array([[int(ch) for ch in code] for code in district_codes]).reshape(n, 6)
    for position in range(16, 7, -1):
        digits[:, position] = remaining % 31
        remaining = remaining // 31
    check = (31 - (digits @ np.array(WEIGHTS)) % 31) % 31
    alphabet = np.array(list(ALPHABET))
    chars = alphabet[np.column_stack([digits, check])]
    return ["".join(row) for row in chars.tolist()]


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


@dataclass
class Products:
    """Products as arrays; index i is product id i + 1."""

    institution: np.ndarray
    kind: np.ndarray  # index into facts.PRODUCT_KINDS
    amount_min: np.ndarray  # yuan
    amount_max: np.ndarray
    term_min: np.ndarray
    term_max: np.ndarray
    rate_min: np.ndarray  # hundredths of a percent
    rate_max: np.ndarray
    fee_rate: np.ndarray
    collateral_required: np.ndarray
    guarantee_required: np.ndarray
    min_years: np.ndarray
    min_revenue: np.ndarray
    little_giant_only: np.ndarray
    members_only: np.ndarray
    pool_covered: np.ndarray
    # Hidden: where the product's lowest rate sits in its kind's markup range (0 = cheapest,
    # 1 = dearest; 0.5 for products without a rate). Cheap lenders take good risks only.
    price_position: np.ndarray
    industries: np.ndarray  # product × division, all False = open to every division
    districts: np.ndarray  # product × district, all False = open to every district
    created_minute: np.ndarray
    retired_minute: np.ndarray  # -1 = still active
    names: list[str]
    external_ids: list[str]


def draw_products(
    rng: np.random.Generator,
    size: WorldSize,
    institutions: Institutions,
    n_divisions: int,
    n_districts: int,
    history_start_day: int,
) -> Products:
    """Products of every kind, their ranges and rates anchored to the benchmark of their day."""
    n = size.products
    approved = np.flatnonzero(institutions.approved)
    kind_weight = {
        "tech_branch": 3.0,
        "bank": 2.0,
        "credit_community": 1.0,
        "guarantee": 1.5,
        "fund": 1.0,
        "insurer": 1.0,
        "leasing": 1.0,
        "service": 0.7,
    }
    weight = np.array([kind_weight[institutions.kind[i]] for i in approved])
    rest = rng.choice(approved, size=n - len(approved) - 5, p=weight / weight.sum())
    institution = np.sort(np.concatenate([np.zeros(5, dtype=np.int64), approved, rest]))
    kind = np.empty(n, dtype=np.int64)
    for i, inst in enumerate(institution.tolist()):
        options = facts.KINDS_BY_INSTITUTION[institutions.kind[inst]]
        p = np.array([0.5, 0.25, 0.15, 0.1][: len(options)])
        kind[i] = facts.PRODUCT_KINDS.index(options[rng.choice(len(options), p=p / p.sum())])
    # The demo branch offers one product of each loan kind it knows.
    kind[:4] = [facts.PRODUCT_KINDS.index(k) for k in facts.KINDS_BY_INSTITUTION["tech_branch"]]

    launched_late = rng.random(n) < 0.3
    span_days = facts.END_DAY - history_start_day
    created_day = np.where(
        launched_late,
        history_start_day + rng.integers(0, max(span_days - 60, 1), n),
        history_start_day - rng.integers(1, 200, n),
    )
    created_minute = np.maximum(
        created_day * MINUTES_PER_DAY + 90 + rng.integers(0, 400, n),
        institutions.approved_minute[institution] + 60,
    )
    created_day = created_minute // MINUTES_PER_DAY
    retired = (rng.random(n) < 0.07) & (created_day + 240 < facts.END_DAY)
    retired[:5] = False
    retired_day = created_day + 180 + rng.integers(0, 400, n)
    retired_minute = np.where(
        retired & (retired_day < facts.END_DAY), retired_day * MINUTES_PER_DAY + 200, -1
    )

    amount_min = np.zeros(n, dtype=np.int64)
    amount_max = np.zeros(n, dtype=np.int64)
    term_min = np.zeros(n, dtype=np.int64)
    term_max = np.zeros(n, dtype=np.int64)
    rate_min = np.zeros(n, dtype=np.int64)
    rate_max = np.zeros(n, dtype=np.int64)
    fee_rate = np.zeros(n, dtype=np.int64)
    price_position = np.full(n, 0.5)
    one_year = facts.benchmark_rate(created_day, np.full(n, 12))
    for k, name in enumerate(facts.PRODUCT_KINDS):
        rows = np.flatnonzero(kind == k)
        m = len(rows)
        if not m:
            continue
        log_min, width, tmin, tspan, markup, fee = facts.PRODUCT_SHAPES[name]
        low = np.round(10 ** rng.uniform(*log_min, m) / 10_000) * 10_000
        high = np.round(low * 10 ** rng.uniform(*width, m) / 100_000) * 100_000
        amount_min[rows] = np.maximum(low, 10_000)
        amount_max[rows] = np.maximum(high, amount_min[rows])
        term_min[rows] = rng.choice(np.array(tmin), m)
        term_max[rows] = term_min[rows] + rng.choice(np.array(tspan), m)
        if markup is not None:
            base = one_year[rows]
            price_position[rows] = rng.random(m)
            lowest = markup[0] + price_position[rows] * (markup[1] - 0.05 - markup[0])
            rate_min[rows] = np.round(base * (1 + lowest) * 100)
            rate_max[rows] = np.round(base * (1 + markup[1] + rng.uniform(0.1, 0.4, m)) * 100)
        elif name == "insurance":  # the premium, % of the sum insured
            rate_min[rows] = np.round(rng.uniform(0.5, 1.5, m) * 100)
            rate_max[rows] = rate_min[rows] + np.round(rng.uniform(0.3, 1.5, m) * 100)
        fee_rate[rows] = np.round(rng.uniform(*fee, m) * 100)

    kind_name = np.array(facts.PRODUCT_KINDS)[kind]
    inst_kind = np.array(institutions.kind)[institution]
    restrict_industry = rng.random(n) < 0.3
    industries = institutions.industry_appetite[institution] > 0
    industries &= restrict_industry[:, None]
    restrict_district = (rng.random(n) < 0.2) & (inst_kind != "credit_community")
    districts = np.zeros((n, n_districts), dtype=bool)
    districts[np.arange(n), institutions.district[institution]] = True
    extra = rng.integers(n_districts, size=(n, 3))
    districts[np.arange(n)[:, None], extra] = True
    districts &= restrict_district[:, None]
    loan = np.isin(kind_name, ("credit_loan", "ip_pledge", "guarantee_loan", "pledge_loan"))
    # Banks lend without collateral to established firms only (credit communities vouch for
    # their members instead): such credit loans ask for revenue, most also for years.
    unsecured = (kind_name == "credit_loan") & (inst_kind != "credit_community")
    return Products(
        institution=institution,
        kind=kind,
        amount_min=amount_min,
        amount_max=amount_max,
        term_min=term_min,
        term_max=term_max,
        rate_min=rate_min,
        rate_max=rate_max,
        fee_rate=fee_rate,
        collateral_required=(kind_name == "pledge_loan") | (loan & (rng.random(n) < 0.08)),
        guarantee_required=kind_name == "guarantee_loan",
        min_years=np.maximum(
            np.where(rng.random(n) < 0.3, rng.integers(1, 4, n), 0),
            np.where(unsecured & (rng.random(n) < 0.6), 2, 0),
        ),
        min_revenue=np.maximum(
            np.where(rng.random(n) < 0.2, np.round(10 ** rng.uniform(6, 7, n) / 1e5) * 1e5, 0),
            np.where(unsecured, np.round(10 ** rng.uniform(7.0, 7.7, n) / 1e6) * 1e6, 0),
        ).astype(np.int64),
        little_giant_only=(rng.random(n) < 0.04) & loan,
        members_only=inst_kind == "credit_community",
        pool_covered=(kind_name == "credit_loan")
        & np.isin(inst_kind, ("tech_branch", "bank"))
        & (rng.random(n) < 0.5),
        price_position=price_position,
        industries=industries,
        districts=districts,
        created_minute=created_minute,
        retired_minute=retired_minute,
        names=_product_names(rng, kind_name, created_day),
        external_ids=[
            f"P{inst + 1:04d}-{i + 1:05d}" for i, inst in enumerate(institution.tolist())
        ],
    )


_KIND_WORDS = {
    "credit_loan": "信用贷",
    "ip_pledge": "知识产权质押贷",
    "guarantee_loan": "担保贷",
    "pledge_loan": "抵质押贷",
    "equity_investment": "股权投资计划",
    "insurance": "科技保险",
    "leasing": "设备融资租赁",
    "other": "综合金融服务",
}


def _product_names(rng: np.random.Generator, kind_name: np.ndarray, created_day) -> list[str]:
    brand = rng.integers(len(facts.PRODUCT_BRANDS), size=len(kind_name))
    year = (facts.ANCHOR64.astype("datetime64[D]") + created_day).astype("datetime64[Y]")
    year = year.astype(np.int64) + 1970
    return [
        f"{facts.PRODUCT_BRANDS[b]}{_KIND_WORDS[k]}（{y}版）"
        for b, k, y in zip(brand.tolist(), kind_name.tolist(), year.tolist(), strict=True)
    ]
