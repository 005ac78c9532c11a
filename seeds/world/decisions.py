"""What became of each application: answers, decisions, drawdowns, withdrawals and expiry.

Times are whole minutes after `facts.ANCHOR` (UTC); `facts.NEVER` marks what did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

import numpy as np

from finplatform import clock
from finplatform.workcalendar import WorkingCalendar
from seeds.world import facts
from seeds.world.applications import approval_logit
from seeds.world.facts import END_MINUTE, MINUTES_PER_DAY, NEVER
from seeds.world.financing_requests import Requests
from seeds.world.firms import Firms
from seeds.world.institutions import Institutions
from seeds.world.products import Products

DAY = MINUTES_PER_DAY
# Application statuses, in ApplicationStatus order.
STATUSES = ("submitted", "in_review", "approved", "rejected", "disbursed", "withdrawn", "expired")
SUBMITTED, IN_REVIEW, APPROVED, REJECTED, DISBURSED, WITHDRAWN, EXPIRED = range(7)
NO_ANSWER_DAYS = 30  # an application nobody answers expires after this many days
APPROVAL_LAPSES_DAYS = 90  # an approval not drawn down within this many days lapses
REQUEST_EXPIRES_DAYS = 120
TOP_UP_SHARE = 0.15  # approvals drawn although the request was already funded


# The platform's default (setting RESPONSE_DEADLINE_WORKING_DAYS), on the official calendar.
RESPONSE_WORKING_DAYS = 3
CALENDAR = WorkingCalendar()
NOON = time(12, 0)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class Applications:
    """Applications and their event history as arrays, cut at the end of 2014."""

    request: np.ndarray
    product: np.ndarray
    status: np.ndarray
    submitted: np.ndarray
    respond_by: np.ndarray
    first_response: np.ndarray  # NEVER = none
    decided: np.ndarray
    approved_amount: np.ndarray  # 0 = not approved
    approved_rate: np.ndarray  # hundredths of a percent
    approved_term: np.ndarray
    reject_reason: np.ndarray  # index into facts.REJECT_REASONS, -1 = none
    brokered: np.ndarray
    events: int
    event_app: np.ndarray
    event_time: np.ndarray
    event_from: np.ndarray  # -1 = created
    event_to: np.ndarray
    # Tranches paid out: application row, time, amount (yuan).
    tranche_app: np.ndarray
    tranche_time: np.ndarray
    tranche_amount: np.ndarray
    # The requests' outcome.
    request_status: np.ndarray  # 0 open, 1 fulfilled, 2 withdrawn, 3 expired
    request_closed: np.ndarray
    request_updated: np.ndarray
    # The hidden approval probability, kept for checks (never stored).
    approval_probability: np.ndarray


def _quarter_end_pull(rng: np.random.Generator, minutes: np.ndarray) -> np.ndarray:
    """Banks bunch disbursements before the quarter's end: half of those falling in the
    quarter's last three weeks move to its last week."""
    days = minutes // DAY
    calendar = facts.ANCHOR64.astype("datetime64[D]") + days
    month = calendar.astype("datetime64[M]")
    quarter_end = (month - month.astype(np.int64) % 3 + 3).astype("datetime64[D]") - 1
    to_end = (quarter_end - calendar).astype(np.int64)
    pull = (to_end >= 7) & (to_end < 21) & (rng.random(len(minutes)) < 0.5)
    shift = to_end - rng.integers(0, 7, len(minutes))
    return minutes + np.where(pull, np.maximum(shift, 0) * DAY, 0)


def response_deadlines(submitted: np.ndarray) -> np.ndarray:
    """Each submission's respond-by minute, from the live service's own deadline rule.

    The rule depends only on the Beijing day of submission, so it runs once per distinct day.
    """
    local_days = (submitted + facts.LOCAL_OFFSET_MINUTES) // DAY
    distinct, position = np.unique(local_days, return_inverse=True)
    deadlines = np.empty(len(distinct), dtype=np.int64)
    for index, local_day in enumerate(distinct.tolist()):
        received = clock.beijing_instant(facts.ANCHOR.date() + timedelta(days=local_day), NOON)
        due = CALENDAR.response_deadline(received, RESPONSE_WORKING_DAYS)
        deadlines[index] = (due - facts.ANCHOR).total_seconds() // 60
    return deadlines[position]


def decide_applications(
    rng: np.random.Generator,
    requests: Requests,
    firms: Firms,
    products: Products,
    institutions: Institutions,
    req: np.ndarray,
    prod: np.ndarray,
) -> Applications:
    """Run each application through the hidden process and the calendar, then cut at 2014-12-31."""
    m, n_requests = len(req), len(requests.firm)
    inst = products.institution[prod]
    posted = requests.posted_minute[req]
    submitted = posted + np.round(rng.exponential(1.5 * DAY, m)).astype(np.int64) + 10
    retired = products.retired_minute[prod]
    submitted = np.where((retired >= 0) & (submitted >= retired), posted + 10, submitted)
    submitted = np.minimum(submitted, END_MINUTE - 30)
    respond_by = response_deadlines(submitted)

    f = requests.firm[req]
    brokered = (firms.specialist[f] > 0) & (rng.random(m) < 0.35)
    logit = approval_logit(rng, requests, firms, products, institutions, req, prod)
    probability = _sigmoid(logit)
    # Institutions leave hopeless applications unanswered more often than promising ones.
    answer = institutions.answer_rate[inst] + 0.05 * brokered + 0.3 * (probability - 0.2)
    answered = rng.random(m) < np.clip(answer, 0.05, 0.99)
    approved = rng.random(m) < probability
    draws = rng.random(m) < 0.85
    pace = institutions.decision_days[inst] * DAY
    review = submitted + np.round(rng.exponential(0.3 * pace) + 30).astype(np.int64)
    decided = review + np.round(rng.exponential(0.7 * pace) + 60).astype(np.int64)
    direct = (~approved) & (rng.random(m) < 0.3)  # rejected at first sight, no review
    review = np.where(direct, NEVER, review)
    first_response = np.where(direct, decided, review)
    disbursed_at = _quarter_end_pull(
        rng, decided + np.round(rng.exponential(7 * DAY, m) + 120).astype(np.int64)
    )
    early_withdraw = np.where(
        rng.random(m) < 0.04, submitted + rng.integers(60, 20 * DAY, m), NEVER
    )

    # The request's story: it is fulfilled at its first disbursement, or the firm withdraws it.
    natural_disbursement = np.where(
        answered & approved & draws & (early_withdraw > decided), disbursed_at, NEVER
    )
    fulfilled_at = np.full(n_requests, NEVER)
    np.minimum.at(fulfilled_at, req, natural_disbursement)
    request_withdraw = np.where(
        rng.random(n_requests) < 0.04,
        requests.posted_minute + rng.integers(3 * DAY, 40 * DAY, n_requests),
        NEVER,
    )
    request_withdrawn = request_withdraw < fulfilled_at
    fulfilled_at = np.where(request_withdrawn, NEVER, fulfilled_at)
    request_withdraw = np.where(request_withdrawn, request_withdraw, NEVER)

    # When the request is settled, pending applications are withdrawn by the firm.
    settled = np.minimum(fulfilled_at[req], request_withdraw[req])
    is_first = (natural_disbursement == fulfilled_at[req]) & (fulfilled_at[req] < NEVER)
    pending_at_settle = np.where(answered, decided, submitted + NO_ANSWER_DAYS * DAY) > settled
    # Half the firms withdraw their other applications once funded; the rest let them run.
    pending_at_settle &= (rng.random(m) < 0.5) | (request_withdraw[req] < NEVER)
    withdraw = np.where(
        pending_at_settle & ~is_first, np.minimum(early_withdraw, settled + 60), early_withdraw
    )
    withdraw = np.where(withdraw < NEVER, np.maximum(withdraw, submitted + 30), NEVER)
    stop = np.where(answered, decided, submitted + NO_ANSWER_DAYS * DAY)
    withdrawn_path = withdraw < stop
    no_answer = ~withdrawn_path & ~answered
    decision = ~withdrawn_path & answered
    # An approval the firm will not draw because it withdrew the request is given up.
    given_up = request_withdraw[req] < disbursed_at
    # An approval that would pay out after the request was already funded is declined, unless
    # the firm tops up its first loan with it (TOP_UP_SHARE).
    late = (disbursed_at > fulfilled_at[req]) & (rng.random(m) >= TOP_UP_SHARE)
    declined = ~given_up & late
    drawn = decision & approved & draws & ~given_up & ~declined

    times = np.full((m, 4), NEVER)
    to = np.full((m, 4), -1)
    times[:, 0], to[:, 0] = submitted, SUBMITTED
    has_review = (review < np.where(withdrawn_path, withdraw, decided)) & ~no_answer
    times[:, 1] = np.where(has_review, review, NEVER)
    to[:, 1] = IN_REVIEW
    times[:, 2] = np.select(
        [withdrawn_path, no_answer], [withdraw, submitted + NO_ANSWER_DAYS * DAY], decided
    )
    to[:, 2] = np.select(
        [withdrawn_path, no_answer, approved], [WITHDRAWN, EXPIRED, APPROVED], REJECTED
    )
    lapse = decided + APPROVAL_LAPSES_DAYS * DAY
    give_up = np.where(
        given_up,
        np.maximum(request_withdraw[req], decided) + 60,
        np.maximum(fulfilled_at[req], decided) + rng.integers(DAY, 10 * DAY, m),
    )
    gives_up = (given_up | declined) & (give_up < lapse)
    times[:, 3] = np.where(
        decision & approved, np.select([drawn, gives_up], [disbursed_at, give_up], lapse), NEVER
    )
    to[:, 3] = np.select([drawn, gives_up], [DISBURSED, WITHDRAWN], EXPIRED)
    present = times <= END_MINUTE
    # Each application's status is its last event's; events form one chain from "submitted".
    n_events = present.sum(axis=1)
    last = np.where(present, np.arange(4), -1).max(axis=1)
    status = to[np.arange(m), last]
    event_app, event_slot = np.nonzero(present)
    event_time = times[event_app, event_slot]
    event_to = to[event_app, event_slot]
    # Rows come app by app, slot by slot: each event starts where the previous one ended.
    event_from = np.concatenate([[-1], event_to[:-1]])
    event_from[event_slot == 0] = -1

    got_decision = present[:, 2] & decision
    approved_now = got_decision & approved
    product_max = products.amount_max[prod]
    full_amount = np.minimum(requests.amount[req], product_max)
    share = np.where(rng.random(m) < 0.6, 1.0, rng.uniform(0.5, 1.0, m))
    approved_amount = np.maximum(
        np.floor(full_amount * share / 10_000) * 10_000, products.amount_min[prod]
    ).astype(np.int64)
    approved_amount = np.where(approved_now, approved_amount, 0)
    term = np.clip(requests.term[req], products.term_min[prod], products.term_max[prod])
    kind = np.array(facts.PRODUCT_KINDS)[products.kind[prod]]
    risk = 1.0 - np.where(firms.rating[f] >= 0, firms.rating[f] / 8.0, 0.4)
    priced = facts.benchmark_rate(decided // DAY, term) * (1.1 + 0.35 * risk) * 100
    rate = np.clip(np.round(priced), products.rate_min[prod], products.rate_max[prod])
    rate = np.where(kind == "insurance", products.rate_min[prod], rate)
    rate = np.where(kind == "equity_investment", 0, rate).astype(np.int64)

    rejected_now = got_decision & ~approved
    revenue = firms.revenue[f].astype(np.float64)
    reason = np.select(
        [
            requests.amount[req] > 0.8 * revenue,
            firms.rating[f] < 4,
            institutions.industry_appetite[inst, firms.industry[f]] < 0,
        ],
        [0, 1, 2],
        3,
    )

    # Tranches: most draw the approved amount at once; some in two parts, never above it.
    paid = present[:, 3] & drawn
    two = paid & (rng.random(m) < 0.12)
    first_share = np.where(two, rng.uniform(0.4, 0.7, m), np.where(rng.random(m) < 0.8, 1.0, 0.9))
    first_amount = np.floor(approved_amount * first_share / 10_000) * 10_000
    first_amount = np.maximum(first_amount, 10_000).astype(np.int64)
    second_time = disbursed_at + rng.integers(30, 90, m) * DAY
    second = two & (second_time <= END_MINUTE)
    second_amount = (
        np.floor((approved_amount - first_amount) * rng.uniform(0.5, 1.0, m) / 10_000) * 10_000
    ).astype(np.int64)
    second &= second_amount > 0
    tranche_app = np.concatenate([np.flatnonzero(paid), np.flatnonzero(second)])
    tranche_time = np.concatenate([disbursed_at[paid], second_time[second]])
    tranche_amount = np.concatenate([first_amount[paid], second_amount[second]])
    order = np.lexsort((tranche_time, tranche_app))

    # Request status at the end of 2014.
    last_event = np.full(n_requests, -1)
    np.maximum.at(last_event, req, np.where(present, times, -1).max(axis=1))
    live = np.zeros(n_requests, dtype=bool)
    live[req[np.isin(status, (SUBMITTED, IN_REVIEW, APPROVED))]] = True
    fulfilled = fulfilled_at <= END_MINUTE
    withdrawn = request_withdraw <= END_MINUTE
    expiry = np.maximum(requests.posted_minute + REQUEST_EXPIRES_DAYS * DAY, last_event + DAY)
    expired = ~fulfilled & ~withdrawn & ~live & (expiry <= END_MINUTE)
    request_status = np.select([fulfilled, withdrawn, expired], [1, 2, 3], 0)
    request_closed = np.select(
        [fulfilled, withdrawn, expired], [fulfilled_at, request_withdraw, expiry], NEVER
    )
    request_updated = np.where(
        request_status > 0, request_closed, np.where(last_event >= 0, last_event, NEVER)
    )
    return Applications(
        request=req,
        product=prod,
        status=status,
        submitted=submitted,
        respond_by=respond_by,
        first_response=np.where(
            present[:, 1], review, np.where(got_decision, first_response, NEVER)
        ),
        decided=np.where(got_decision, decided, NEVER),
        approved_amount=approved_amount,
        approved_rate=np.where(approved_now, rate, 0),
        approved_term=np.where(approved_now, term, 0),
        reject_reason=np.where(rejected_now, reason, -1),
        brokered=brokered,
        events=int(n_events.sum()),
        event_app=event_app,
        event_time=event_time,
        event_from=event_from,
        event_to=event_to,
        tranche_app=tranche_app[order],
        tranche_time=tranche_time[order],
        tranche_amount=tranche_amount[order],
        request_status=request_status,
        request_closed=request_closed,
        request_updated=request_updated,
        approval_probability=probability,
    )
