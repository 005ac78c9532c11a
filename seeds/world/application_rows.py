"""Rows of the world's applications: the applications, their events and disbursements."""

from __future__ import annotations

import numpy as np

from seeds.world import decisions, facts
from seeds.world.rows import (
    RowContext,
    TableRows,
    datetimes,
    ids,
    local_dates,
    or_none,
    rates,
    yuan,
)

DISBURSEMENT_COLUMNS = (
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


def application_rows(
    ctx: RowContext, requests, apps, firms, products, institutions, first_staff, firm_user
) -> list[TableRows]:
    m = len(apps.request)
    firm = requests.firm[apps.request]
    inst = products.institution[apps.product]
    kind = [facts.PRODUCT_KINDS[k] for k in products.kind[apps.product].tolist()]
    statuses = decisions.STATUSES
    reasons = [facts.REJECT_REASONS[r] if r >= 0 else None for r in apps.reject_reason]
    reason_notes = {
        "revenue_too_low": "申请金额超过企业经营规模可支撑的水平",
        "credit_history": "企业信用记录不足",
        "outside_policy": "不在本机构当前支持的行业范围内",
        "documents_incomplete": "材料不完整，请补充后重新申请",
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
    submitted = datetimes(apps.submitted)
    approved = apps.approved_amount > 0
    rows = list(
        zip(
            ids(m),
            (apps.request + 1).tolist(),
            (apps.product + 1).tolist(),
            (firm + 1).tolist(),
            (inst + 1).tolist(),
            kind,
            yuan(requests.amount[apps.request]),
            [statuses[s] for s in apps.status.tolist()],
            [False] * m,
            or_none(specialist),
            submitted,
            datetimes(apps.respond_by),
            datetimes(apps.first_response),
            datetimes(apps.decided),
            [v if ok else None for v, ok in zip(yuan(apps.approved_amount), approved, strict=True)],
            [v if ok else None for v, ok in zip(rates(apps.approved_rate), approved, strict=True)],
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
    notes = np.where(apps.event_to == decisions.REJECTED, apps.reject_reason[e_app], -1).tolist()
    events = list(
        zip(
            ids(len(e_app)),
            (e_app + 1).tolist(),
            datetimes(apps.event_time),
            or_none(actor),
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
    disbursed = datetimes(apps.tranche_time)
    kind_of = np.array(facts.PRODUCT_KINDS)
    inst_kind = np.array(institutions.kind)
    disbursements = list(
        zip(
            ids(len(t_app)),
            (t_app + 1).tolist(),
            yuan(apps.tranche_amount),
            rates(apps.approved_rate[t_app]),
            apps.approved_term[t_app].tolist(),
            local_dates(apps.tranche_time),
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
            [ctx.district_codes[d] for d in firms.district[t_firm].tolist()],
            [ctx.division_codes[d] for d in firms.industry[t_firm].tolist()],
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
        TableRows("disbursements", DISBURSEMENT_COLUMNS, disbursements),
    ]
