"""Rows of the world's credit loans after disbursement: loans with their schedules and
repayments, and the risk guarantee pool (pools, contributions, admitted institutions, cover
registrations, claims, payouts and recoveries), following `seeds.world.credit`'s behaviour and
the platform's own rules (30 days to register, claims after 90 days past due for the covered
outstanding principal × the cover ratio rounded down, recoveries shared in proportion).

Only credit-loan disbursements get loan rows: they are the pool's book and the plan's
credit-loan programme; the world's other disbursements stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

import numpy as np

from finplatform.clock import BEIJING
from finplatform.loans.schedules import build_schedule, penalty_interest
from finplatform.models import ClaimStatus, RepaymentKind
from finplatform.workcalendar import WorkingCalendar
from seeds.world.credit import Behaviour, credit_quality, draw_behaviour
from seeds.world.facts import HISTORY_END
from seeds.world.rows import TableRows

CREDIT_LOAN = "credit_loan"
FEN = Decimal("0.01")
KINDS = (RepaymentKind.EQUAL_INSTALMENT, RepaymentKind.EQUAL_PRINCIPAL, RepaymentKind.INTEREST_ONLY)
KIND_P = (0.45, 0.15, 0.4)
# Each year's pool: (funder, yuan, day) contributions. 2014: the plan's 10亿元.
CONTRIBUTIONS = {
    2012: (("天津市科学技术委员会", 200_000_000, date(2012, 3, 1)),
           ("滨海新区", 100_000_000, date(2012, 7, 2))),
    2013: (("天津市科学技术委员会", 300_000_000, date(2013, 2, 25)),
           ("滨海新区", 100_000_000, date(2013, 4, 1)),
           ("武清区", 50_000_000, date(2013, 6, 3)),
           ("北辰区", 50_000_000, date(2013, 6, 3))),
    2014: (("天津市科学技术委员会", 600_000_000, date(2014, 2, 20)),
           ("滨海新区", 200_000_000, date(2014, 3, 31)),
           ("武清区", 100_000_000, date(2014, 5, 5)),
           ("东丽区", 50_000_000, date(2014, 5, 5)),
           ("北辰区", 50_000_000, date(2014, 6, 3))),
}  # fmt: skip
PER_LOAN_CAP = Decimal("30000000")
SME_EMPLOYEES, SME_REVENUE = 500, 200_000_000
REGISTRATION_DAYS, CLAIM_AFTER_DAYS, MAX_TERM = 30, 90, 36
REDUCED_SHARE = Decimal("0.9")
PENALTY_MARKUP = Decimal("1.5")  # the products' default: the loan's rate raised by 50 %


def _instant(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), BEIJING).astimezone(UTC)


def _down(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_DOWN)


@dataclass
class Book:
    """Rows accumulated table by table, with the next id of each."""

    rows: dict[str, list[tuple]] = field(default_factory=dict)

    def add(self, table: str, *values) -> int:
        """Append a row (its id first) and return the id."""
        rows = self.rows.setdefault(table, [])
        row_id = len(rows) + 1
        rows.append((row_id, *values))
        return row_id


COLUMNS = {
    "guarantee_pools": (
        "id", "year", "name", "leverage_limit", "registration_days", "claim_after_days",
        "max_term_months", "created_at",
    ),
    "pool_contributions": (
        "id", "pool_id", "funder", "amount_yuan", "contributed_on", "created_at",
    ),
    "pool_members": (
        "id", "pool_id", "institution_id", "cover_ratio", "per_loan_cap_yuan", "quota_yuan",
        "admitted_on", "created_at",
    ),
    "loans": (
        "id", "disbursement_id", "enterprise_id", "institution_id", "product_kind_code",
        "principal_yuan", "rate", "penalty_rate", "term_months", "repayment_kind", "disbursed_on",
        "voided_on", "written_off_on", "created_at",
    ),
    "instalments": ("id", "loan_id", "number", "due_on", "principal_yuan", "interest_yuan"),
    "repayments": (
        "id", "loan_id", "paid_on", "amount_yuan", "idempotency_key",
        "reverses_id", "note", "recorded_by_id", "created_at",
    ),
    "repayment_allocations": (
        "id", "repayment_id", "instalment_id", "interest_yuan", "principal_yuan", "penalty_yuan",
    ),
    "cover_registrations": (
        "id", "loan_id", "pool_id", "member_id", "covered_principal_yuan", "registered_on",
        "withdrawn_on", "registered_by_id", "created_at",
    ),
    "claims": (
        "id", "registration_id", "pool_id", "filed_on", "days_past_due",
        "outstanding_principal_yuan", "claimed_yuan", "evidence", "status", "approved_yuan",
        "decision_reason", "decided_at", "paid_on", "filed_by_id", "decided_by_id", "created_at",
    ),
    "recoveries": (
        "id", "claim_id", "pool_id", "recovered_on", "recovered_yuan", "pool_share_yuan",
        "recorded_by_id", "created_at",
    ),
}  # fmt: skip


def _pools(book: Book, first_year: int, institutions: dict[int, str]) -> dict[int, dict]:
    """Each year's pool with its contributions and admitted institutions: year → {id, members}."""
    pools = {}
    for year in range(first_year, HISTORY_END.year + 1):
        created = _instant(date(year, 1, 2), 9)
        pool_id = book.add(
            "guarantee_pools",
            year,
            f"{year}年科技型中小企业信用贷款风险保证金",
            Decimal("10"),
            REGISTRATION_DAYS,
            CLAIM_AFTER_DAYS,
            MAX_TERM,
            created,
        )
        funds = Decimal(0)
        for funder, amount, day in CONTRIBUTIONS[year]:
            book.add("pool_contributions", pool_id, funder, Decimal(amount), day, _instant(day))
            funds += amount
        members = {}
        quota = (funds * 10 / max(len(institutions), 1) * 2).quantize(Decimal("10000"))
        for institution_id, kind in sorted(institutions.items()):
            ratio = Decimal("0.6") if kind == "tech_branch" else Decimal("0.5")
            member_id = book.add(
                "pool_members", pool_id, institution_id, ratio, PER_LOAN_CAP, quota,
                date(year, 1, 2), created,
            )  # fmt: skip
            members[institution_id] = (member_id, ratio)
        pools[year] = {"id": pool_id, "members": members}
    return pools


def _pay(book: Book, loan_id: int, line, instalment_id: int, day: date, staff, rate) -> None:
    """Pay an instalment in full on `day`, with the penalty interest a late day accrued."""
    penalty = penalty_interest(line.principal, line.due_on, [], day, rate)
    repayment_id = book.add(
        "repayments", loan_id, day, penalty + line.principal + line.interest, None, None, "",
        staff, _instant(day, 15),
    )  # fmt: skip
    book.add(
        "repayment_allocations", repayment_id, instalment_id, line.interest, line.principal,
        penalty,
    )  # fmt: skip


def _claim(book: Book, b, i: int, registration_id: int, pool: dict, loan: dict) -> date | None:
    """File, decide, pay and recover the claim of a defaulted covered loan, as far as the
    history reaches; returns the payout day (the write-off) if it was paid."""
    filed = loan["default_due"] + timedelta(days=CLAIM_AFTER_DAYS + int(b.claim_delay[i]))
    if filed > HISTORY_END:
        return None
    outstanding = min(loan["outstanding"], loan["covered"])
    claimed = _down(outstanding * loan["ratio"])
    decided = filed + timedelta(days=int(b.decision_delay[i]))
    paid = decided + timedelta(days=int(b.payout_delay[i]))
    status, approved, reason, decided_at = ClaimStatus.FILED, None, "", None
    if decided <= HISTORY_END:
        decided_at = _instant(decided, 16)
        choice = int(b.decision[i])
        if choice == 2:
            status, reason = ClaimStatus.REJECTED, "贷后管理未按合作协议执行，不予代偿"
        else:
            status = ClaimStatus.APPROVED
            approved = claimed if choice == 0 else _down(claimed * REDUCED_SHARE)
            reason = "" if choice == 0 else "部分逾期利息及费用不在代偿范围，核减后批准"
            if paid <= HISTORY_END:
                status = ClaimStatus.PAID
    staff = loan["staff"]
    claim_id = book.add(
        "claims", registration_id, pool["id"], filed, (filed - loan["default_due"]).days,
        outstanding, claimed, "逾期催收记录、诉讼材料", status.value, approved, reason,
        decided_at, paid if status == ClaimStatus.PAID else None, staff, None, _instant(filed),
    )  # fmt: skip
    if status != ClaimStatus.PAID:
        return None
    share = Decimal(str(round(float(b.recovery_share[i]), 4)))
    recovered_on = paid + timedelta(days=int(b.recovery_delay[i]))
    if share > 0 and recovered_on <= HISTORY_END:
        recovered = (outstanding * share).quantize(FEN)
        book.add(
            "recoveries", claim_id, pool["id"], recovered_on, recovered,
            _down(recovered * approved / outstanding), staff, _instant(recovered_on),
        )  # fmt: skip
    return paid


def _eligible(firms, firm: int, principal: Decimal, term: int) -> bool:
    # as-of: the firm's size at disbursement belongs to attribute history (issue 16).
    return (
        int(firms.employees[firm]) <= SME_EMPLOYEES
        and int(firms.revenue[firm]) <= SME_REVENUE
        and principal <= PER_LOAN_CAP
        and term <= MAX_TERM
    )


def credit_loans(
    seed: int, disbursements: TableRows, firms
) -> tuple[list[tuple], np.ndarray, Behaviour]:
    """The credit-loan disbursement rows, their firms (indexes) and repayment behaviour."""
    cols = {name: i for i, name in enumerate(disbursements.columns)}
    chosen = [row for row in disbursements.rows if row[cols["product_kind_code"]] == CREDIT_LOAN]
    firm = np.array([row[cols["enterprise_id"]] - 1 for row in chosen], dtype=np.int64)
    amount = np.array([float(row[cols["amount_yuan"]]) for row in chosen])
    term = np.array([row[cols["term_months"]] for row in chosen], dtype=np.int64)
    credit = credit_quality(firms.quality, seed)[firm]
    behaviour = draw_behaviour(
        seed, credit, firms.revenue[firm].astype(float), amount, term, np.ones(len(chosen))
    )
    return chosen, firm, behaviour


def _book(seed, first_year, disbursements: TableRows, firms, chosen, firm, behaviour) -> Book:
    """Every loan and pool row of the chosen credit loans, under `behaviour`."""
    cols = {name: i for i, name in enumerate(disbursements.columns)}
    term = np.array([row[cols["term_months"]] for row in chosen], dtype=np.int64)
    kind_rng = np.random.Generator(np.random.PCG64([seed, 12, 2]))
    kinds = kind_rng.choice(len(KINDS), size=len(chosen), p=KIND_P)
    register_after = kind_rng.integers(1, 26, len(chosen))
    covered_by = {
        row[cols["institution_id"]]: row[cols["institution_kind_code"]]
        for row in chosen
        if row[cols["pool_covered"]]
    }
    book = Book()
    pools = _pools(book, first_year, covered_by)
    roll = WorkingCalendar().next_working_day
    for i, row in enumerate(chosen):
        principal, disbursed_on = row[cols["amount_yuan"]], row[cols["disbursed_on"]]
        staff = row[cols["recorded_by_id"]]
        schedule = build_schedule(
            KINDS[kinds[i]], principal, row[cols["rate"]], int(term[i]), disbursed_on, roll
        )
        loan = {"staff": staff, "outstanding": Decimal(principal).quantize(FEN)}
        penalty_rate = (Decimal(row[cols["rate"]]) * PENALTY_MARKUP).quantize(Decimal("0.0001"))
        loan_id = len(book.rows.get("loans", [])) + 1
        defaults_at, late_at = int(behaviour.defaults_at[i]), int(behaviour.late_instalment[i])
        instalment_ids = []
        for line in schedule:
            instalment_ids.append(
                book.add("instalments", loan_id, line.number, line.due_on, line.principal,
                         line.interest)
            )  # fmt: skip
            if defaults_at and line.number >= defaults_at:
                loan.setdefault("default_due", line.due_on)
                continue
            day = line.due_on + timedelta(
                days=int(behaviour.late_days[i]) if line.number == late_at else 0
            )
            if day <= HISTORY_END:
                _pay(book, loan_id, line, instalment_ids[-1], day, staff, penalty_rate)
                loan["outstanding"] -= line.principal
        pool = pools.get(disbursed_on.year)
        registered_on = disbursed_on + timedelta(days=int(register_after[i]))
        member = pool and pool["members"].get(row[cols["institution_id"]])
        written_off = None
        if (
            row[cols["pool_covered"]]
            and member
            and registered_on <= HISTORY_END
            and _eligible(firms, int(firm[i]), principal, int(term[i]))
        ):
            loan["covered"], loan["ratio"] = Decimal(principal).quantize(FEN), member[1]
            registration_id = book.add(
                "cover_registrations", loan_id, pool["id"], member[0], loan["covered"],
                registered_on, None, staff, _instant(registered_on),
            )  # fmt: skip
            if "default_due" in loan:
                written_off = _claim(book, behaviour, i, registration_id, pool, loan)
        book.add(
            "loans", row[cols["id"]], row[cols["enterprise_id"]], row[cols["institution_id"]],
            CREDIT_LOAN, principal, row[cols["rate"]], penalty_rate, int(term[i]),
            KINDS[kinds[i]].value, disbursed_on, None, written_off, row[cols["created_at"]],
        )  # fmt: skip
    return book


def loan_rows(seed: int, first_year: int, disbursements: TableRows, firms) -> list[TableRows]:
    """The credit loans' and the pool's rows, in load order."""
    chosen, firm, behaviour = credit_loans(seed, disbursements, firms)
    book = _book(seed, first_year, disbursements, firms, chosen, firm, behaviour)
    told = tell_the_whole_cycle(book, behaviour)
    if told is not behaviour:
        book = _book(seed, first_year, disbursements, firms, chosen, firm, told)
    return [TableRows(name, columns, book.rows.get(name, [])) for name, columns in COLUMNS.items()]


def tell_the_whole_cycle(book: Book, b: Behaviour) -> Behaviour:
    """The behaviour, made to show the pool's whole cycle where the history is too short for
    the draws to reach it (the small world covers 2014 only).

    If no claim was paid and recovered, the riskiest covered loan (highest default chance)
    whose first instalment leaves room for it defaults there, is claimed on day 90, approved
    in full 14 days later, paid 5 days after that, and 30 % of it is recovered up to 120 days
    later. If then no other covered loan is in default, the covered loan whose first
    instalment falls due last before the end defaults there, so the end has an overdue loan.
    Otherwise the behaviour is returned as drawn (the same object)."""
    due_on = {(row[1] - 1, row[2]): row[3] for row in book.rows.get("instalments", [])}
    first_due = {loan: day for (loan, number), day in due_on.items() if number == 1}
    covered = sorted(row[1] - 1 for row in book.rows.get("cover_registrations", []))
    drawn, b = (
        b,
        replace(b, **{name: getattr(b, name).copy() for name in (f.name for f in fields(b))}),
    )
    told = set()
    if not book.rows.get("recoveries"):
        story = CLAIM_AFTER_DAYS + 14 + 5
        room = [i for i in covered if first_due[i] + timedelta(story + 60) <= HISTORY_END]
        if room:
            i = max(room, key=lambda k: (b.default_p[k], -k))
            b.defaults_at[i], b.late_instalment[i], b.claim_delay[i] = 1, 0, 0
            b.decision_delay[i], b.payout_delay[i], b.decision[i] = 14, 5, 0
            b.recovery_share[i] = 0.3
            b.recovery_delay[i] = min(120, (HISTORY_END - first_due[i]).days - story)
            told.add(i)
    in_default = [
        i for i in covered
        if i not in told and b.defaults_at[i] and due_on[i, b.defaults_at[i]] < HISTORY_END
    ]  # fmt: skip
    if not in_default:
        due = [i for i in covered if first_due[i] < HISTORY_END and i not in told]
        if due:
            i = max(due, key=lambda k: (first_due[k], k))
            b.defaults_at[i], b.late_instalment[i] = 1, 0
            told.add(i)
    return b if told else drawn
