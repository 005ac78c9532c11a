"""A deterministic demo world: firms, institutions, products and 2012-2014 financing decisions.

`generate_world(size, seed)` returns every row to insert, table by table in foreign-key order,
with explicit primary keys; the same seed gives the same rows, byte for byte (numpy's
Generator(PCG64(seed)), draws in a fixed order, dates from fixed anchors, never the clock).
No Flask and no database here: `seeds.loader` writes the rows.

Sizes (`facts.SIZES`): `small` (300 firms of which 200 active, 800 requests in 2014 only, for
tests), `demo` (2,000 firms, 60 institutions incl. 3 tech branches and 10 credit communities,
300 products, 2013-2014: what `make run` shows) and `full` (the plan's scale: 60,000 tech SMEs
of which 16,500 use the platform, about 15,000 of them in 2014, 200 institutions, 2,000
products, 100 specialists, 2012-2014 with 100,000 requests and about 460,000 applications).

Realism that matters for matching and reports:
- firms sit in Tianjin's 16 districts (滨海新区 most) and in GB/T 4754 divisions, weighted to
  the plan's focus industries; age, employees, revenue and R&D spend are log-normal, patents
  Poisson; the little-giant and high-tech flags and the credit rating follow a hidden quality;
- institutions of each kind post products of the kinds they offer (credit loans, IP pledges,
  guaranteed and pledge loans, equity, insurance, leasing) whose loan rates are the PBoC
  benchmark of the day the product was posted plus a markup (see `facts` for the benchmark
  table: one-year 6.00% from 2012-07-06, 5.60% from 2014-11-22), and approved rates are the
  benchmark on the decision day and term plus a risk markup, inside the product's range; credit
  loans (no collateral) ask for 1,000万-5,000万 of revenue and most for two years of age, except
  the credit communities' (which vouch for their members instead);
- requests peak at quarter ends (December most) and dip around the Spring Festival; volumes
  grow from 2012 to 2014; disbursements bunch in the last week of a quarter;
- a request asks for revenue × 2.9% × e^(0.5 quality) × a log-normal factor (σ 0.6; ×1.5 for
  equity), at least 5万; firms under 2,000万 of revenue seek credit loans less and guarantees
  more; each request applies to 1 + Poisson(4.1) of the products it is eligible for (at most 12,
  a mild preference for local institutions, the kind asked for first and the firm's own credit
  community), so that a specialist's shortlist of several products, many never answered, is
  the usual case;
- volumes are sized to the plan: the `full` world's 2014 disbursements come near the 200亿元
  facilitated, about 100亿元 of credit loans to about 1,300 firms, and 15,000 firms served
  (`bench/bench_world.py` prints them beside every target).

The hidden process (never stored; the matching engine must learn it from outcomes). For an
application of firm f to product p of institution i, the approval log-odds are

    base[i] + industry_appetite[i, industry(f)] + district_appetite[i, district(f)]
    + size_slope[i] * band                            # band: revenue 500万/2000万/1亿 → -1.5..1.5
    + 0.5 quality(f) + 0.6 (rating(f) - 0.5)          # rating on 0..1, unrated = 0.35
    - 0.9 max(log10(amount / revenue) + 0.3, 0)       # asking much more than revenue
    - 1.2 max(position of amount in p's range - 0.75, 0) - 0.5 max(term position - 0.8, 0)
    - 1.3 [p needs collateral and f offers none] + 0.4 little_giant + 0.25 high_tech
    + 0.6 [members-only community product] + 0.35 [pool-covered credit loan]
    + [credit loan] (6 (rating - 0.7) + 1.5 band - 1.3)          # unsecured: rating and size
    + [loan or leasing] 8 (0.5 - price position of p) (rating - 0.5)   # risk-based pricing
    + [IP pledge] (1.2 log(1 + patents) - 2.2) + [equity] (12 (R&D / revenue - 0.1) + 0.8 lg)
    + N(0, 0.4) - 2.7

where each institution draws its base (by kind, ± 0.5; funds -2.6), favours the divisions of
~30% of the plan's focus areas (+1.3) and dislikes ~15% of the rest (-1.1), prefers its own
district (+0.8) and one other (+0.4), and leans towards small or large firms (size_slope ~
N(0, 1.6)); a product's price position is where its lowest rate sits in its kind's markup range
(0 cheapest, 1 dearest): cheap lenders take good risks only, dear ones take weaker firms.
Quality is latent: firms show it only through rating, revenue, R&D, patents and flags.
Within one request the firm is fixed, so what ranks its products is the institutions' appetite
(industry, district, size), the fit of amount, term and collateral, and the kind × firm terms
(credit × rating and size, price × rating, IP pledge × patents, equity × R&D). The rule score
sees the appetite through industry × district approval rates only and none of the size or
kind × firm terms, which is why a model trained on this history ranks better (measured in
tests/test_world_matching.py and bench/bench_quality.py).
An institution answers a share of its applications (answer_rate ~ U(0.6, 0.97), +0.05 when a
specialist brokered it, +0.3 × (approval probability - 0.2): hopeless applications are left
unanswered more often); an application nobody answers expires after 30 days. Answered ones are
approved with the probability above (30% of rejections come without a review step), decided
after about `decision_days` (U(4, 25)) days; 85% of approvals are drawn (one tranche, or two for
12%, never above the approved amount, at most the requested amount); an approval not drawn
lapses after 90 days. A request is fulfilled at its first disbursement: half the firms then
withdraw their other pending applications, and an approval that would pay out after that is
declined (withdrawn) unless the firm tops up with it (15%). 4% of requests are withdrawn, and
one without outcome expires after 120 days. Everything is cut at 2014-12-31 23:59 Beijing time:
what happens later is not there, so the last weeks leave open requests and inbox items.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

from finplatform.credit_code import make_credit_code
from seeds.reference import load_districts, load_industry_divisions
from seeds.world import decisions, facts
from seeds.world.applications import choose_applications
from seeds.world.decisions import decide_applications
from seeds.world.facts import (
    ANCHOR64,
    DEMO_ENTERPRISE,
    DEMO_INSTITUTION_NAME,
    MINUTES_PER_DAY,
    SIZES,
    WORLD_PASSWORD,
    WorldSize,
    day_number,
)
from seeds.world.financing_requests import draw_requests
from seeds.world.firms import draw_firms
from seeds.world.identities import mobile_numbers, person_names
from seeds.world.institutions import draw_institutions, draw_memberships
from seeds.world.products import draw_products

__all__ = [
    "DEMO_ENTERPRISE",
    "DEMO_ENTERPRISE_CODE",
    "DEMO_INSTITUTION_NAME",
    "SIZES",
    "WORLD_PASSWORD",
    "TableRows",
    "World",
    "generate_world",
    "world_password_hash",
]

DEMO_ENTERPRISE_CODE = make_credit_code(DEMO_ENTERPRISE["credit_code_first17"])
NEVER = facts.NEVER
DAY = MINUTES_PER_DAY


@dataclass
class TableRows:
    """Rows for one table, as tuples in `columns` order."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple]


@dataclass
class World:
    """A generated world: row batches in load order, and the draws they came from."""

    size: WorldSize
    seed: int
    batches: list[TableRows]
    draws: dict = field(default_factory=dict, repr=False)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        counts: dict[str, int] = {}
        for batch in self.batches:
            counts[batch.table] = counts.get(batch.table, 0) + len(batch.rows)
        return counts

    def digest(self) -> str:
        """A sha256 over every row, to compare two generations without a database."""
        digest = hashlib.sha256()
        for batch in self.batches:
            digest.update(repr((batch.table, batch.columns)).encode())
            for row in batch.rows:
                digest.update(repr(row).encode())
        return digest.hexdigest()


def world_password_hash(method: str = "scrypt", seed: int = 0) -> str:
    """One werkzeug-compatible hash of WORLD_PASSWORD with a salt fixed by the seed.

    Hashing each user's password separately would take minutes (scrypt is slow by design) and
    a random salt would break determinism; demo users share this one hash.
    """
    name, *args = method.split(":")
    if name != "scrypt":
        raise ValueError(f"world users need a scrypt method, not {method!r}")
    n, r, p = (int(a) for a in args) if args else (2**15, 8, 1)
    salt = hashlib.sha256(f"finplatform-world-{seed}".encode()).hexdigest()[:16]
    hashed = hashlib.scrypt(
        WORLD_PASSWORD.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
    ).hex()
    return f"scrypt:{n}:{r}:{p}${salt}${hashed}"


_ANCHOR_SECONDS = int(facts.ANCHOR.timestamp())


def _datetimes(minutes: np.ndarray) -> list[datetime | None]:
    minutes = np.asarray(minutes, dtype=np.int64)
    valid = minutes < NEVER
    seconds = (np.where(valid, minutes, 0) * 60 + _ANCHOR_SECONDS).tolist()
    if valid.all():
        return [datetime.fromtimestamp(second, UTC) for second in seconds]
    return [
        datetime.fromtimestamp(second, UTC) if ok else None
        for second, ok in zip(seconds, valid.tolist(), strict=True)
    ]


def _local_dates(minutes: np.ndarray) -> list:
    days = (np.asarray(minutes) + facts.LOCAL_OFFSET_MINUTES) // DAY
    return (ANCHOR64.astype("datetime64[D]") + days).tolist()


def _yuan(values: np.ndarray) -> list[Decimal | None]:
    return [Decimal(v) for v in np.asarray(values, dtype=np.int64).tolist()]


def _rates(hundredths: np.ndarray) -> list[Decimal]:
    return [Decimal(v).scaleb(-2) for v in np.asarray(hundredths, dtype=np.int64).tolist()]


def _ids(n: int, first: int = 1) -> list[int]:
    return list(range(first, first + n))


def _or_none(values: np.ndarray, missing: int = 0) -> list:
    return [None if v == missing else v for v in np.asarray(values).tolist()]


def generate_world(size: str | WorldSize = "demo", seed: int = 2014, password_hash=None) -> World:
    """Draw a whole world; `password_hash` is the hash every world user shares."""
    size = SIZES[size] if isinstance(size, str) else size
    password_hash = password_hash or world_password_hash("scrypt:1024:8:1", seed)
    rng = np.random.Generator(np.random.PCG64(seed))
    districts = load_districts()
    divisions = load_industry_divisions()
    start_day = day_number(datetime(size.first_year, 1, 1).date())
    demo_firm = {**DEMO_ENTERPRISE, "credit_code": DEMO_ENTERPRISE_CODE}

    firms = draw_firms(rng, size, districts, divisions, start_day, demo_firm)
    institutions = draw_institutions(
        rng, size, districts, divisions, start_day, DEMO_INSTITUTION_NAME
    )
    per_community = max(10, size.active_enterprises // 30)
    memberships = draw_memberships(rng, firms, institutions, per_community)
    products = draw_products(rng, size, institutions, len(divisions), len(districts), start_day)
    # Specialists own portfolios of active firms, mostly in their own district.
    n_specialists = size.specialists
    specialist_district = rng.choice(
        len(districts), size=n_specialists, p=facts.DISTRICT_WEIGHTS / facts.DISTRICT_WEIGHTS.sum()
    )
    affinity = np.where(
        specialist_district[None, :] == np.arange(len(districts))[:, None], 8.0, 1.0
    )
    cumulative = np.cumsum(affinity / affinity.sum(axis=1, keepdims=True), axis=1)
    pick = (rng.random(size.enterprises)[:, None] > cumulative[firms.district]).sum(axis=1)
    owned = firms.active & (rng.random(size.enterprises) < 0.6)
    owned[0] = True
    firms.specialist = np.where(owned, np.minimum(pick, n_specialists - 1) + 1, 0)
    firms.specialist[0] = 1

    requests = draw_requests(rng, size, firms, start_day)
    req, prod = choose_applications(rng, size, requests, firms, products, institutions, start_day)
    apps = decide_applications(rng, requests, firms, products, institutions, req, prod)

    builder = _RowBuilder(rng, size, districts, divisions, start_day, password_hash)
    batches = builder.build(firms, institutions, memberships, products, requests, apps)
    draws = {
        "firms": firms,
        "institutions": institutions,
        "products": products,
        "requests": requests,
        "applications": apps,
        "divisions": divisions,
        "districts": districts,
        "start_day": start_day,
    }
    return World(size=size, seed=seed, batches=batches, draws=draws)


class _RowBuilder:
    """Turns the drawn arrays into table rows (Decimal money, aware UTC datetimes)."""

    def __init__(self, rng, size, districts, divisions, start_day, password_hash):
        self.rng = rng
        self.size = size
        self.district_codes = [d.code for d in districts]
        self.division_codes = [d.code for d in divisions]
        self.start_day = start_day
        self.password_hash = password_hash

    def build(self, firms, institutions, memberships, products, requests, apps) -> list:
        rng, size = self.rng, self.size
        n_firms, n_inst = size.enterprises, len(institutions.kind)
        # User ids: specialists, then institution staff, then firm users.
        n_spec = size.specialists
        staff_per = size.staff_per_institution
        staff_first = n_spec + 1
        first_staff = (
            staff_first + np.arange(n_inst) * staff_per
        )  # first staff user per institution
        firm_user_first = staff_first + n_inst * staff_per
        candidates = np.flatnonzero(firms.active)[1:]  # the demo firm gets its demo account
        with_user = np.sort(
            rng.choice(candidates, size=int(len(candidates) * size.firm_user_share), replace=False)
        )
        firm_user = np.zeros(n_firms, dtype=np.int64)
        firm_user[with_user] = firm_user_first + np.arange(len(with_user))

        # Firms register shortly before their first request (or some time in the history).
        first_posted = np.full(n_firms, NEVER)
        np.minimum.at(first_posted, requests.firm, requests.posted_minute)
        span = (facts.END_DAY - self.start_day) * DAY
        firm_created = np.where(
            first_posted < NEVER,
            first_posted - rng.integers(DAY, 30 * DAY, n_firms),
            self.start_day * DAY + rng.integers(0, span, n_firms),
        )
        batches = [self._specialists(n_spec)]
        batches.append(self._enterprises(firms, firm_created))
        batches.append(self._institutions(institutions))
        batches.append(
            self._users(institutions, firms, first_staff, with_user, firm_user, firm_created)
        )
        batches.append(
            TableRows(
                "community_memberships",
                ("community_id", "enterprise_id", "joined_at"),
                [
                    (row + 1, firm + 1, joined)
                    for (row, firm), joined in zip(
                        memberships,
                        _datetimes(
                            institutions.approved_minute[[row for row, _ in memberships]]
                            + rng.integers(DAY, 19 * DAY, len(memberships))
                        ),
                        strict=True,
                    )
                ],
            )
        )
        batches.extend(self._products(products, institutions))
        batches.extend(self._requests(requests, apps, firm_user))
        batches.extend(
            self._applications(
                requests, apps, firms, products, institutions, first_staff, firm_user
            )
        )
        batches.extend(self._brokering(requests, apps, firms, firm_created))
        return batches

    def _specialists(self, n: int) -> TableRows:
        rng = self.rng
        created = _datetimes(np.full(n, (self.start_day - 45) * DAY + 90))
        names = person_names(rng, n)
        phones = mobile_numbers(rng, n)
        return TableRows(
            "users",
            _USER_COLUMNS,
            [
                (
                    i + 1,
                    f"specialist{i + 1:03d}@world.demo.local",
                    names[i],
                    phones[i],
                    self.password_hash,
                    "specialist",
                    None,
                    None,
                    True,
                    None,
                    None,
                    None,
                    created[i],
                )
                for i in range(n)
            ],
        )

    def _enterprises(self, firms, created_minute) -> TableRows:
        rng = self.rng
        n = len(firms.names)
        contacts = person_names(rng, n)
        phones = mobile_numbers(rng, n)
        contacts[0] = DEMO_ENTERPRISE["contact_name"]
        phones[0] = DEMO_ENTERPRISE["contact_phone"]
        founded = (ANCHOR64.astype("datetime64[D]") + firms.founded_day).tolist()
        ratings = [facts.CREDIT_RATINGS[r] if r >= 0 else None for r in firms.rating.tolist()]
        columns = (
            "id",
            "credit_code",
            "name",
            "district_code",
            "industry_code",
            "founded_on",
            "employees",
            "revenue_yuan",
            "rd_spend_yuan",
            "patents",
            "is_little_giant",
            "is_high_tech",
            "credit_rating",
            "contact_name",
            "contact_phone",
            "specialist_id",
            "created_at",
        )
        rows = list(
            zip(
                _ids(n),
                firms.codes,
                firms.names,
                [self.district_codes[d] for d in firms.district.tolist()],
                [self.division_codes[d] for d in firms.industry.tolist()],
                founded,
                firms.employees.tolist(),
                _yuan(firms.revenue),
                _yuan(firms.rd_spend),
                firms.patents.tolist(),
                firms.little_giant.tolist(),
                firms.high_tech.tolist(),
                ratings,
                contacts,
                phones,
                _or_none(firms.specialist),
                _datetimes(created_minute),
                strict=True,
            )
        )
        return TableRows("enterprises", columns, rows)

    def _institutions(self, institutions) -> TableRows:
        n = len(institutions.kind)
        status = ["approved" if a else "pending" for a in institutions.approved.tolist()]
        approved_at = _datetimes(
            np.where(institutions.approved, institutions.approved_minute, NEVER)
        )
        columns = (
            "id",
            "name",
            "kind_code",
            "district_code",
            "credit_code",
            "status",
            "approved_at",
            "approved_by_id",
            "created_at",
        )
        rows = list(
            zip(
                _ids(n),
                institutions.names,
                institutions.kind,
                [self.district_codes[d] for d in institutions.district.tolist()],
                institutions.codes,
                status,
                approved_at,
                [None] * n,
                _datetimes(institutions.created_minute),
                strict=True,
            )
        )
        return TableRows("institutions", columns, rows)

    def _users(self, institutions, firms, first_staff, with_user, firm_user, firm_created):
        rng = self.rng
        staff_per = self.size.staff_per_institution
        n_inst = len(institutions.kind)
        rows = []
        staff_names = person_names(rng, n_inst * staff_per)
        staff_phones = mobile_numbers(rng, n_inst * staff_per)
        joined = np.where(
            institutions.approved, institutions.approved_minute, institutions.created_minute
        )
        staff_created = _datetimes(np.repeat(joined + 30, staff_per))
        for i in range(n_inst):
            for k in range(staff_per):
                j = i * staff_per + k
                rows.append(
                    (
                        int(first_staff[i]) + k,
                        f"staff{i + 1:03d}-{k + 1}@world.demo.local",
                        staff_names[j],
                        staff_phones[j],
                        self.password_hash,
                        "institution",
                        None,
                        i + 1,
                        True,
                        None,
                        None,
                        None,
                        staff_created[j],
                    )
                )
        names = person_names(rng, len(with_user))
        created = _datetimes(firm_created[with_user] + 5)
        for j, firm in enumerate(with_user.tolist()):
            rows.append(
                (
                    int(firm_user[firm]),
                    f"firm{firm + 1:05d}@world.demo.local",
                    names[j],
                    None,
                    self.password_hash,
                    "enterprise",
                    firm + 1,
                    None,
                    True,
                    None,
                    None,
                    None,
                    created[j],
                )
            )
        return TableRows("users", _USER_COLUMNS, rows)

    def _products(self, products, institutions) -> list[TableRows]:
        n = len(products.kind)
        kind = [facts.PRODUCT_KINDS[k] for k in products.kind.tolist()]
        retired = products.retired_minute >= 0
        created = _datetimes(products.created_minute)
        retired_at = _datetimes(np.where(retired, products.retired_minute, NEVER))
        descriptions = [
            f"面向科技型中小企业的{name}，期限{lo}-{hi}个月。"
            for name, lo, hi in zip(
                products.names, products.term_min.tolist(), products.term_max.tolist(), strict=True
            )
        ]
        columns = (
            "id",
            "institution_id",
            "kind_code",
            "name",
            "description",
            "amount_min_yuan",
            "amount_max_yuan",
            "term_min_months",
            "term_max_months",
            "rate_min",
            "rate_max",
            "fee_rate",
            "collateral_required",
            "guarantee_required",
            "min_years",
            "min_revenue_yuan",
            "little_giant_only",
            "members_only",
            "pool_covered",
            "status",
            "retired_at",
            "updated_at",
            "external_id",
            "created_at",
        )
        rows = list(
            zip(
                _ids(n),
                (products.institution + 1).tolist(),
                kind,
                products.names,
                descriptions,
                _yuan(products.amount_min),
                _yuan(products.amount_max),
                products.term_min.tolist(),
                products.term_max.tolist(),
                _rates(products.rate_min),
                _rates(products.rate_max),
                _rates(products.fee_rate),
                products.collateral_required.tolist(),
                products.guarantee_required.tolist(),
                products.min_years.tolist(),
                _yuan(products.min_revenue),
                products.little_giant_only.tolist(),
                products.members_only.tolist(),
                products.pool_covered.tolist(),
                ["retired" if r else "active" for r in retired.tolist()],
                retired_at,
                retired_at,
                products.external_ids,
                created,
                strict=True,
            )
        )
        industry_pairs = np.argwhere(products.industries)
        district_pairs = np.argwhere(products.districts)
        return [
            TableRows("products", columns, rows),
            TableRows(
                "product_industries",
                ("product_id", "industry_code"),
                [(int(p) + 1, self.division_codes[d]) for p, d in industry_pairs.tolist()],
            ),
            TableRows(
                "product_districts",
                ("product_id", "district_code"),
                [(int(p) + 1, self.district_codes[d]) for p, d in district_pairs.tolist()],
            ),
        ]

    def _requests(self, requests, apps, firm_user) -> list[TableRows]:
        n = len(requests.firm)
        status_names = ("open", "fulfilled", "withdrawn", "expired")
        posted = _datetimes(requests.posted_minute)
        columns = (
            "id",
            "enterprise_id",
            "amount_yuan",
            "term_months",
            "purpose",
            "max_rate",
            "collateral_offered",
            "status",
            "updated_at",
            "closed_at",
            "external_id",
            "created_at",
        )
        max_rate = _rates(requests.max_rate)
        rows = list(
            zip(
                _ids(n),
                (requests.firm + 1).tolist(),
                _yuan(requests.amount),
                requests.term.tolist(),
                [facts.PURPOSES[p] for p in requests.purpose.tolist()],
                [rate if rate else None for rate in max_rate],
                [facts.COLLATERALS[c] for c in requests.collateral.tolist()],
                [status_names[s] for s in apps.request_status.tolist()],
                _datetimes(apps.request_updated),
                _datetimes(apps.request_closed),
                [None] * n,
                posted,
                strict=True,
            )
        )
        kind_pairs = [
            (i + 1, kind)
            for i, mask in enumerate(requests.kinds.tolist())
            for bit, kind in enumerate(facts.PRODUCT_KINDS)
            if mask >> bit & 1
        ]
        # Request events: opened when posted; closed when fulfilled, withdrawn or expired.
        actors = _or_none(firm_user[requests.firm])
        closed = np.flatnonzero(apps.request_status > 0)
        closed_at = _datetimes(apps.request_closed[closed])
        events = [(i + 1, i + 1, posted[i], actors[i], None, "open", "") for i in range(n)]
        events.extend(
            (
                n + j + 1,
                int(i) + 1,
                closed_at[j],
                actors[i] if apps.request_status[i] == 2 else None,
                "open",
                status_names[apps.request_status[i]],
                "",
            )
            for j, i in enumerate(closed.tolist())
        )
        events.sort(key=lambda event: (event[1], event[2]))
        events = [(k + 1, *event[1:]) for k, event in enumerate(events)]
        return [
            TableRows("financing_requests", columns, rows),
            TableRows("request_kinds", ("request_id", "kind_code"), kind_pairs),
            TableRows(
                "request_events",
                ("id", "request_id", "at", "actor_id", "from_status", "to_status", "note"),
                events,
            ),
        ]

    def _applications(
        self, requests, apps, firms, products, institutions, first_staff, firm_user
    ) -> list[TableRows]:
        m = len(apps.request)
        firm = requests.firm[apps.request]
        inst = products.institution[apps.product]
        kind = [facts.PRODUCT_KINDS[k] for k in products.kind[apps.product].tolist()]
        statuses = decisions.STATUSES
        reasons = [facts.REJECT_REASONS[r] if r >= 0 else None for r in apps.reject_reason]
        reason_notes = {
            "insufficient_revenue": "申请金额超过企业经营规模可支撑的水平",
            "credit_history": "企业信用记录不足",
            "outside_appetite": "不在本机构当前支持的行业范围内",
            "documents": "材料不完整，请补充后重新申请",
            None: "",
        }
        specialist = np.where(apps.brokered, firms.specialist[firm], 0)
        version = np.bincount(apps.event_app, minlength=m)
        columns = (
            "id",
            "request_id",
            "product_id",
            "enterprise_id",
            "institution_id",
            "product_kind_code",
            "amount_yuan",
            "status",
            "from_offer",
            "specialist_id",
            "submitted_at",
            "respond_by",
            "first_response_at",
            "decided_at",
            "approved_amount_yuan",
            "approved_rate",
            "approved_term_months",
            "reject_reason",
            "reject_note",
            "offer_id",
            "overdue_notified_at",
            "external_id",
            "version",
            "created_at",
        )
        submitted = _datetimes(apps.submitted)
        approved = apps.approved_amount > 0
        rows = list(
            zip(
                _ids(m),
                (apps.request + 1).tolist(),
                (apps.product + 1).tolist(),
                (firm + 1).tolist(),
                (inst + 1).tolist(),
                kind,
                _yuan(requests.amount[apps.request]),
                [statuses[s] for s in apps.status.tolist()],
                [False] * m,
                _or_none(specialist),
                submitted,
                _datetimes(apps.respond_by),
                _datetimes(apps.first_response),
                _datetimes(apps.decided),
                [
                    v if ok else None
                    for v, ok in zip(_yuan(apps.approved_amount), approved, strict=True)
                ],
                [
                    v if ok else None
                    for v, ok in zip(_rates(apps.approved_rate), approved, strict=True)
                ],
                [
                    v if ok else None
                    for v, ok in zip(apps.approved_term.tolist(), approved, strict=True)
                ],
                reasons,
                [reason_notes[r] for r in reasons],
                [None] * m,
                [None] * m,
                [None] * m,
                version.tolist(),
                submitted,
                strict=True,
            )
        )
        # Who made each transition: the firm (or its specialist) submits and withdraws, the
        # institution's first staff member reviews and decides, nobody lets it expire.
        e_app = apps.event_app
        firm_actor = np.where(firm_user[firm[e_app]] > 0, firm_user[firm[e_app]], specialist[e_app])
        staff_actor = first_staff[inst[e_app]]
        actor = np.select(
            [
                np.isin(apps.event_to, (decisions.SUBMITTED, decisions.WITHDRAWN)),
                apps.event_to == decisions.EXPIRED,
            ],
            [firm_actor, 0],
            staff_actor,
        )
        notes = np.where(
            apps.event_to == decisions.REJECTED, apps.reject_reason[e_app], -1
        ).tolist()
        events = list(
            zip(
                _ids(len(e_app)),
                (e_app + 1).tolist(),
                _datetimes(apps.event_time),
                _or_none(actor),
                [statuses[s] if s >= 0 else None for s in apps.event_from.tolist()],
                [statuses[s] for s in apps.event_to.tolist()],
                [reason_notes[facts.REJECT_REASONS[r]] if r >= 0 else "" for r in notes],
                strict=True,
            )
        )
        t_app = apps.tranche_app
        t_firm = firm[t_app]
        t_inst = inst[t_app]
        t_prod = apps.product[t_app]
        disbursed = _datetimes(apps.tranche_time)
        kind_of = np.array(facts.PRODUCT_KINDS)
        inst_kind = np.array(institutions.kind)
        disbursements = list(
            zip(
                _ids(len(t_app)),
                (t_app + 1).tolist(),
                _yuan(apps.tranche_amount),
                _rates(apps.approved_rate[t_app]),
                apps.approved_term[t_app].tolist(),
                _local_dates(apps.tranche_time),
                [None] * len(t_app),
                [None] * len(t_app),
                [None] * len(t_app),
                [""] * len(t_app),
                first_staff[t_inst].tolist(),
                (t_firm + 1).tolist(),
                (t_inst + 1).tolist(),
                inst_kind[t_inst].tolist(),
                kind_of[products.kind[t_prod]].tolist(),
                products.pool_covered[t_prod].tolist(),
                [self.district_codes[d] for d in firms.district[t_firm].tolist()],
                [self.division_codes[d] for d in firms.industry[t_firm].tolist()],
                disbursed,
                strict=True,
            )
        )
        return [
            TableRows("applications", columns, rows),
            TableRows(
                "application_events",
                ("id", "application_id", "at", "actor_id", "from_status", "to_status", "note"),
                events,
            ),
            TableRows("disbursements", _DISBURSEMENT_COLUMNS, disbursements),
        ]

    def _brokering(self, requests, apps, firms, firm_created) -> list[TableRows]:
        rng = self.rng
        # A specialist recommended the product before each brokered application.
        brokered = np.flatnonzero(apps.brokered)
        firm = requests.firm[apps.request[brokered]]
        lead = rng.integers(60, DAY, len(brokered))
        created = np.maximum(
            apps.submitted[brokered] - lead, requests.posted_minute[apps.request[brokered]]
        )
        created_at = _datetimes(created)
        seen_at = _datetimes(apps.submitted[brokered])
        referrals = list(
            zip(
                _ids(len(brokered)),
                ["recommend_product"] * len(brokered),
                firms.specialist[firm].tolist(),
                (firm + 1).tolist(),
                (apps.request[brokered] + 1).tolist(),
                (apps.product[brokered] + 1).tolist(),
                [None] * len(brokered),
                [""] * len(brokered),
                seen_at,
                created_at,
                strict=True,
            )
        )
        # Visits and calls: about one and a half a year per firm in a portfolio.
        owned = np.flatnonzero(firms.specialist > 0)
        years = (facts.END_DAY - self.start_day) / 365.25
        visits = rng.poisson(1.5 * years, len(owned))
        firm_rows = np.repeat(owned, visits)
        start = np.maximum(firm_created[firm_rows], self.start_day * DAY)
        happened = start + (rng.random(len(firm_rows)) * (facts.END_MINUTE - start)).astype(
            np.int64
        )
        order = np.argsort(happened, kind="stable")
        firm_rows, happened = firm_rows[order], happened[order]
        channels = np.array(["visit", "call", "meeting", "other"])[
            rng.choice(4, size=len(firm_rows), p=[0.45, 0.4, 0.1, 0.05])
        ]
        notes = np.array(["了解融资需求", "介绍科技金融产品", "协助准备申请材料", "回访放款情况"])[
            rng.integers(0, 4, len(firm_rows))
        ]
        follow_up = np.where(
            rng.random(len(firm_rows)) < 0.3,
            happened + rng.integers(7, 30, len(firm_rows)) * DAY,
            NEVER,
        )
        follow_dates = [
            d if ok else None
            for d, ok in zip(
                _local_dates(np.minimum(follow_up, 10**9)),
                (follow_up < NEVER).tolist(),
                strict=True,
            )
        ]
        happened_at = _datetimes(happened)
        contacts = list(
            zip(
                _ids(len(firm_rows)),
                firms.specialist[firm_rows].tolist(),
                (firm_rows + 1).tolist(),
                channels.tolist(),
                happened_at,
                notes.tolist(),
                follow_dates,
                happened_at,
                strict=True,
            )
        )
        return [
            TableRows("referrals", _REFERRAL_COLUMNS, referrals),
            TableRows("contact_logs", _CONTACT_COLUMNS, contacts),
        ]


_USER_COLUMNS = (
    "id",
    "email",
    "name",
    "phone",
    "password_hash",
    "role",
    "enterprise_id",
    "institution_id",
    "active",
    "locale",
    "last_login_at",
    "locked_at",
    "created_at",
)
_DISBURSEMENT_COLUMNS = (
    "id",
    "application_id",
    "amount_yuan",
    "rate",
    "term_months",
    "disbursed_on",
    "idempotency_key",
    "external_id",
    "reverses_id",
    "note",
    "recorded_by_id",
    "enterprise_id",
    "institution_id",
    "institution_kind_code",
    "product_kind_code",
    "pool_covered",
    "district_code",
    "industry_code",
    "created_at",
)
_REFERRAL_COLUMNS = (
    "id",
    "kind",
    "specialist_id",
    "enterprise_id",
    "request_id",
    "product_id",
    "institution_id",
    "note",
    "seen_at",
    "created_at",
)
_CONTACT_COLUMNS = (
    "id",
    "specialist_id",
    "enterprise_id",
    "channel",
    "happened_at",
    "note",
    "follow_up_on",
    "created_at",
)
