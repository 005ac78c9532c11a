"""Rows of the world's financing requests: the requests, their kinds and their events."""

from __future__ import annotations

import numpy as np

from seeds.world import facts
from seeds.world.rows import RowContext, TableRows, datetimes, ids, or_none, rates, yuan


def request_rows(ctx: RowContext, requests, apps, firm_user) -> list[TableRows]:
    n = len(requests.firm)
    status_names = ("open", "fulfilled", "withdrawn", "expired")
    posted = datetimes(requests.posted_minute)
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
    max_rate = rates(requests.max_rate)
    rows = list(
        zip(
            ids(n),
            (requests.firm + 1).tolist(),
            yuan(requests.amount),
            requests.term.tolist(),
            [facts.PURPOSES[p] for p in requests.purpose.tolist()],
            [rate if rate else None for rate in max_rate],
            [facts.COLLATERALS[c] for c in requests.collateral.tolist()],
            [status_names[s] for s in apps.request_status.tolist()],
            datetimes(apps.request_updated),
            datetimes(apps.request_closed),
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
    actors = or_none(firm_user[requests.firm])
    closed = np.flatnonzero(apps.request_status > 0)
    closed_at = datetimes(apps.request_closed[closed])
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
