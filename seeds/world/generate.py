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

from datetime import datetime

import numpy as np

from finplatform.credit_code import make_credit_code
from seeds.reference import load_districts, load_industry_divisions
from seeds.world import facts
from seeds.world.application_rows import application_rows
from seeds.world.applications import choose_applications
from seeds.world.brokering_rows import brokering_rows
from seeds.world.decisions import decide_applications
from seeds.world.facts import (
    DEMO_ENTERPRISE,
    DEMO_INSTITUTION_NAME,
    MINUTES_PER_DAY,
    NEVER,
    SIZES,
    WorldSize,
    day_number,
)
from seeds.world.financing_requests import draw_requests
from seeds.world.firms import draw_firms
from seeds.world.institutions import draw_institutions, draw_memberships
from seeds.world.loan_rows import loan_rows
from seeds.world.organisation_rows import (
    enterprise_rows,
    institution_rows,
    membership_rows,
    specialist_rows,
    user_rows,
)
from seeds.world.passwords import world_password_hash
from seeds.world.product_rows import product_rows
from seeds.world.products import draw_products
from seeds.world.request_rows import request_rows
from seeds.world.rows import RowContext, World

DEMO_ENTERPRISE_CODE = make_credit_code(DEMO_ENTERPRISE["credit_code_first17"])
DAY = MINUTES_PER_DAY


def _first_draws(size: WorldSize, seed: int):
    """The world's generator, reference lists, first day and firms (drawn first of all)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    districts = load_districts()
    divisions = load_industry_divisions()
    start_day = day_number(datetime(size.first_year, 1, 1).date())
    demo_firm = {**DEMO_ENTERPRISE, "credit_code": DEMO_ENTERPRISE_CODE}
    firms = draw_firms(rng, size, districts, divisions, start_day, demo_firm)
    return rng, districts, divisions, start_day, firms


def world_firms(size: str | WorldSize, seed: int):
    """The firms `generate_world(size, seed)` draws, without drawing the rest of the world."""
    return _first_draws(SIZES[size] if isinstance(size, str) else size, seed)[4]


def generate_world(size: str | WorldSize = "demo", seed: int = 2014, password_hash=None) -> World:
    """Draw a whole world; `password_hash` is the hash every world user shares."""
    size = SIZES[size] if isinstance(size, str) else size
    password_hash = password_hash or world_password_hash("scrypt:1024:8:1", seed)
    rng, districts, divisions, start_day, firms = _first_draws(size, seed)
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

    context = RowContext(
        rng,
        size,
        [d.code for d in districts],
        [d.code for d in divisions],
        start_day,
        password_hash,
    )
    batches = build_rows(context, firms, institutions, memberships, products, requests, apps)
    # Credit loans after disbursement and the risk guarantee pool, from their own draws.
    disbursed = next(batch for batch in batches if batch.table == "disbursements")
    batches.extend(loan_rows(seed, size.first_year, disbursed, firms))
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


def build_rows(ctx: RowContext, firms, institutions, memberships, products, requests, apps) -> list:
    """Every table's rows, in load order; the rows draw from `ctx.rng` in this fixed order."""
    rng, size = ctx.rng, ctx.size
    n_firms, n_inst = size.enterprises, len(institutions.kind)
    # User ids: specialists, then institution staff, then firm users.
    n_spec = size.specialists
    staff_per = size.staff_per_institution
    staff_first = n_spec + 1
    first_staff = staff_first + np.arange(n_inst) * staff_per  # first staff user per institution
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
    span = (facts.END_DAY - ctx.start_day) * DAY
    firm_created = np.where(
        first_posted < NEVER,
        first_posted - rng.integers(DAY, 30 * DAY, n_firms),
        ctx.start_day * DAY + rng.integers(0, span, n_firms),
    )
    batches = [specialist_rows(ctx, n_spec)]
    batches.append(enterprise_rows(ctx, firms, firm_created))
    batches.append(institution_rows(ctx, institutions))
    batches.append(
        user_rows(ctx, institutions, firms, first_staff, with_user, firm_user, firm_created)
    )
    batches.append(membership_rows(ctx, institutions, memberships))
    batches.extend(product_rows(ctx, products, institutions))
    batches.extend(request_rows(ctx, requests, apps, firm_user))
    batches.extend(
        application_rows(ctx, requests, apps, firms, products, institutions, first_staff, firm_user)
    )
    batches.extend(brokering_rows(ctx, requests, apps, firms, firm_created))
    return batches
