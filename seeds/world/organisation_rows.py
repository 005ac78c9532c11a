"""Rows of the world's people and organisations: users, enterprises, institutions, members."""

from __future__ import annotations

import numpy as np

from seeds.world import facts
from seeds.world.facts import ANCHOR64, DEMO_ENTERPRISE, MINUTES_PER_DAY, NEVER
from seeds.world.identities import mobile_numbers, person_names
from seeds.world.rows import RowContext, TableRows, datetimes, ids, or_none, yuan

DAY = MINUTES_PER_DAY
USER_COLUMNS = (
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


def specialist_rows(ctx: RowContext, n: int) -> TableRows:
    rng = ctx.rng
    created = datetimes(np.full(n, (ctx.start_day - 45) * DAY + 90))
    names = person_names(rng, n)
    phones = mobile_numbers(rng, n)
    return TableRows(
        "users",
        USER_COLUMNS,
        [
            (
                i + 1,
                f"specialist{i + 1:03d}@world.demo.local",
                names[i],
                phones[i],
                ctx.password_hash,
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


def enterprise_rows(ctx: RowContext, firms, created_minute) -> TableRows:
    rng = ctx.rng
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
        "little_giant_confirmed",
        "high_tech_confirmed",
        "credit_rating",
        "contact_name",
        "contact_phone",
        "specialist_id",
        "created_at",
    )
    rows = list(
        zip(
            ids(n),
            firms.codes,
            firms.names,
            [ctx.district_codes[d] for d in firms.district.tolist()],
            [ctx.division_codes[d] for d in firms.industry.tolist()],
            founded,
            firms.employees.tolist(),
            yuan(firms.revenue),
            yuan(firms.rd_spend),
            firms.patents.tolist(),
            firms.little_giant.tolist(),
            firms.high_tech.tolist(),
            # The world's designations are true (its hidden process reads them): they start
            # confirmed; loading its public-credit records re-reads them from the records.
            firms.little_giant.tolist(),
            firms.high_tech.tolist(),
            ratings,
            contacts,
            phones,
            or_none(firms.specialist),
            datetimes(created_minute),
            strict=True,
        )
    )
    return TableRows("enterprises", columns, rows)


def institution_rows(ctx: RowContext, institutions) -> TableRows:
    n = len(institutions.kind)
    status = ["approved" if a else "pending" for a in institutions.approved.tolist()]
    approved_at = datetimes(np.where(institutions.approved, institutions.approved_minute, NEVER))
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
            ids(n),
            institutions.names,
            institutions.kind,
            [ctx.district_codes[d] for d in institutions.district.tolist()],
            institutions.codes,
            status,
            approved_at,
            [None] * n,
            datetimes(institutions.created_minute),
            strict=True,
        )
    )
    return TableRows("institutions", columns, rows)


def user_rows(
    ctx: RowContext, institutions, firms, first_staff, with_user, firm_user, firm_created
):
    rng = ctx.rng
    staff_per = ctx.size.staff_per_institution
    n_inst = len(institutions.kind)
    rows = []
    staff_names = person_names(rng, n_inst * staff_per)
    staff_phones = mobile_numbers(rng, n_inst * staff_per)
    joined = np.where(
        institutions.approved, institutions.approved_minute, institutions.created_minute
    )
    staff_created = datetimes(np.repeat(joined + 30, staff_per))
    for i in range(n_inst):
        for k in range(staff_per):
            j = i * staff_per + k
            rows.append(
                (
                    int(first_staff[i]) + k,
                    f"staff{i + 1:03d}-{k + 1}@world.demo.local",
                    staff_names[j],
                    staff_phones[j],
                    ctx.password_hash,
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
    created = datetimes(firm_created[with_user] + 5)
    for j, firm in enumerate(with_user.tolist()):
        rows.append(
            (
                int(firm_user[firm]),
                f"firm{firm + 1:05d}@world.demo.local",
                names[j],
                None,
                ctx.password_hash,
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
    return TableRows("users", USER_COLUMNS, rows)


def membership_rows(ctx: RowContext, institutions, memberships) -> TableRows:
    """Credit communities' members, each joining after its community was approved."""
    rng = ctx.rng
    return TableRows(
        "community_memberships",
        ("community_id", "enterprise_id", "joined_at"),
        [
            (row + 1, firm + 1, joined)
            for (row, firm), joined in zip(
                memberships,
                datetimes(
                    institutions.approved_minute[[row for row, _ in memberships]]
                    + rng.integers(DAY, 19 * DAY, len(memberships))
                ),
                strict=True,
            )
        ],
    )
