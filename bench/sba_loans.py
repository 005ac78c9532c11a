"""The SBA 7(a) slice as the engine's tables: each loan a request (its state, industry,
amount, term, approval day), its lender and fiscal year, and one product per lender."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

from matching.schema import INSTITUTION_KINDS, PRODUCT_KINDS, Products, Requests

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
LAST_HISTORY_FY = 2004  # the test split's history: lenders are named from these years


@dataclass
class SbaLoans:
    """The loans as engine tables, with each loan's lender and fiscal year."""

    requests: Requests
    lender: np.ndarray  # index into lender_names, -1 for a lender unseen in the history
    lender_names: list[str]
    fiscal_year: np.ndarray
    state: np.ndarray
    charged_off: np.ndarray  # day of the charge-off (``ChgOffDate``), -1 for loans paid or current


def _day(us_date: str) -> int:
    month, day, year = (int(part) for part in us_date.split("/"))
    return date(year, month, day).toordinal() - EPOCH_ORDINAL


def _chargeoff_day(text: str) -> int:
    """The day of a ``ChgOffDate`` such as ``24-Jun-91``."""
    return datetime.strptime(text, "%d-%b-%y").date().toordinal() - EPOCH_ORDINAL


def load_loans(path: Path) -> SbaLoans:
    """Read the CSV into a ``Requests`` table; lenders are indexed by their history name."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fiscal_year = np.array([int(row["ApprovalFY"]) for row in rows])
    in_history = fiscal_year <= LAST_HISTORY_FY
    lender_names = sorted({row["Bank"] for row, old in zip(rows, in_history, strict=True) if old})
    lender_index = {name: i for i, name in enumerate(lender_names)}
    states = sorted({row["State"] for row in rows})
    sectors = sorted({row["NAICS"][:2] if row["NAICS"] != "0" else "00" for row in rows})
    state = np.array([states.index(row["State"]) for row in rows])
    n = len(rows)
    # A borrower is its name and zip code: the few that borrow twice keep one firm id.
    firm_ids: dict[tuple[str, str], int] = {}
    enterprise = [firm_ids.setdefault((row["Name"], row["Zip"]), len(firm_ids) + 1) for row in rows]
    requests = Requests(
        id=np.arange(1, n + 1),
        enterprise_id=np.array(enterprise),
        amount_yuan=np.array([float(row["GrAppv"]) for row in rows]),
        term_months=np.array([int(row["Term"]) for row in rows]),
        max_rate=np.full(n, np.nan),
        accepted_kinds=np.zeros(n, dtype=np.int64),
        industry=np.array(
            [sectors.index(row["NAICS"][:2] if row["NAICS"] != "0" else "00") for row in rows]
        ),
        district=state,
        firm_age_years=np.array([0.0 if row["NewExist"] == "2" else 2.0 for row in rows]),
        employees=np.array([float(row["NoEmp"]) for row in rows]),
        revenue_yuan=np.full(n, np.nan),
        rd_spend_yuan=np.zeros(n),
        patents=np.zeros(n),
        little_giant=np.zeros(n, dtype=bool),
        high_tech=np.zeros(n, dtype=bool),
        credit_rating=np.zeros(n, dtype=np.int8),
        collateral_offered=np.zeros(n, dtype=bool),
        communities=np.zeros(n, dtype=np.int64),
        posted_at=np.array([_day(row["ApprovalDate"]) for row in rows]),
    )
    lender = np.array([lender_index.get(row["Bank"], -1) for row in rows])
    charged_off = np.array(
        [
            _chargeoff_day(row["ChgOffDate"])
            if row["MIS_Status"] == "CHGOFF" and row["ChgOffDate"]
            else -1
            for row in rows
        ]
    )
    return SbaLoans(requests, lender, lender_names, fiscal_year, state, charged_off)


def lender_products(n_lenders: int, n_industries: int, n_districts: int) -> Products:
    """Return one open loan product per lender (product id = institution id = index + 1)."""
    ids = np.arange(1, n_lenders + 1)
    nan = np.full(n_lenders, np.nan)
    return Products(
        id=ids,
        institution_id=ids,
        institution_kind=np.full(n_lenders, INSTITUTION_KINDS.index("bank")),
        kind=np.full(n_lenders, PRODUCT_KINDS.index("credit_loan")),
        amount_min=nan,
        amount_max=nan,
        term_min=nan,
        term_max=nan,
        rate_min=nan,
        rate_max=nan,
        collateral_required=np.zeros(n_lenders, dtype=bool),
        eligible_industries=np.zeros((n_lenders, n_industries), dtype=bool),
        eligible_districts=np.zeros((n_lenders, n_districts), dtype=bool),
        min_years=np.zeros(n_lenders),
        min_revenue=np.zeros(n_lenders),
        little_giant_only=np.zeros(n_lenders, dtype=bool),
        members_only_community=np.full(n_lenders, -1),
        pool_covered=np.zeros(n_lenders, dtype=bool),
    )
