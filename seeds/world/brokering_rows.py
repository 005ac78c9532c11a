"""Rows of the specialists' brokering: referrals before brokered applications, visits, calls."""

from __future__ import annotations

import numpy as np

from seeds.world import facts
from seeds.world.facts import MINUTES_PER_DAY, NEVER
from seeds.world.rows import RowContext, TableRows, datetimes, ids, local_dates

DAY = MINUTES_PER_DAY
REFERRAL_COLUMNS = (
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
CONTACT_COLUMNS = (
    "id",
    "specialist_id",
    "enterprise_id",
    "channel",
    "happened_at",
    "note",
    "follow_up_on",
    "created_at",
)


def brokering_rows(ctx: RowContext, requests, apps, firms, firm_created) -> list[TableRows]:
    rng = ctx.rng
    # A specialist recommended the product before each brokered application.
    brokered = np.flatnonzero(apps.brokered)
    firm = requests.firm[apps.request[brokered]]
    lead = rng.integers(60, DAY, len(brokered))
    created = np.maximum(
        apps.submitted[brokered] - lead, requests.posted_minute[apps.request[brokered]]
    )
    created_at = datetimes(created)
    seen_at = datetimes(apps.submitted[brokered])
    referrals = list(
        zip(
            ids(len(brokered)),
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
    years = (facts.END_DAY - ctx.start_day) / 365.25
    visits = rng.poisson(1.5 * years, len(owned))
    firm_rows = np.repeat(owned, visits)
    start = np.maximum(firm_created[firm_rows], ctx.start_day * DAY)
    happened = start + (rng.random(len(firm_rows)) * (facts.END_MINUTE - start)).astype(np.int64)
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
            local_dates(np.minimum(follow_up, 10**9)),
            (follow_up < NEVER).tolist(),
            strict=True,
        )
    ]
    happened_at = datetimes(happened)
    contacts = list(
        zip(
            ids(len(firm_rows)),
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
        TableRows("referrals", REFERRAL_COLUMNS, referrals),
        TableRows("contact_logs", CONTACT_COLUMNS, contacts),
    ]
