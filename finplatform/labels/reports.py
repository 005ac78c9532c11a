"""Labels of the monthly report: its measures (figures), breakdowns, funnel steps, projection
bases, periods, tables and rows. `finplatform/reports/` keeps the codes; readers see these."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # The figures counted each month; the last two are the summary's own rows.
    "report_measure": {
        "requests": _l("Financing requests"),
        "matches": _l("Matches proposed"),
        "applications": _l("Applications"),
        "approvals": _l("Approvals"),
        "rejections": _l("Rejections"),
        "disbursements": _l("Disbursements"),
        "first_time_borrowers": _l("First-time borrowers"),
        "firms_served": _l("Firms served"),
    },
    "report_dimension": {
        "product_kind": _l("Product kind"),
        "institution": _l("Institution"),
        "institution_kind": _l("Institution kind"),
        "district": _l("District"),
        "industry": _l("Industry"),
        "designation": _l("Confirmed designation"),
    },
    # A firm's confirmed designation at the time (reports/designations.py).
    "designation": {
        "little_giant": _l("Tech little giant"),
        "high_tech": _l("High-tech enterprise"),
        "tech_sme": _l("Tech SME"),
        "unconfirmed": _l("Not confirmed"),
    },
    "funnel_step": {
        "requests": _l("Requests posted"),
        "matched": _l("Matched"),
        "applied": _l("Applied"),
        "approved": _l("Approved"),
        "disbursed": _l("Disbursed"),
    },
    "projection_basis": {
        "last_year_shape": _l("last year's monthly shape"),
        "run_rate": _l("run-rate"),
        "level": _l("current level"),
    },
    "report_scope": {
        "month": _l("this month"),
        "ytd": _l("year to date"),
        "adjustments": _l("adjustments"),
    },
    "response_interval": {
        "first_response": _l("To first answer"),
        "decision": _l("To decision"),
        "past_deadline": _l("Past the response deadline"),
    },
    # The report's tables: a sheet each in the workbook, a file each among the CSVs.
    "report_table": {
        "summary": _l("Summary"),
        "targets": _l("Targets"),
        "risk_pool": _l("Risk guarantee pool"),
        "by_product_kind": _l("By product kind"),
        "by_institution": _l("By institution"),
        "by_institution_kind": _l("By institution kind"),
        "by_district": _l("By district"),
        "by_industry": _l("By industry"),
        "by_designation": _l("By confirmed designation"),
        "funnel": _l("Funnel"),
        "response_times": _l("Response times"),
        "specialists": _l("Specialists"),
        "adjustments": _l("Adjustments"),
        "monthly_by_kind": _l("Disbursed by month and product kind"),
        "cumulative": _l("Cumulative against target"),
    },
    # The risk guarantee pool's rows beside its 10亿元 target: funds and the covered book.
    "pool_figure": {
        "funds": _l("Funds contributed"),
        "covered_loans": _l("Covered loans (covered principal)"),
        "covered_outstanding": _l("Covered principal outstanding"),
        "claims_paid": _l("Claims paid"),
        "recovered": _l("Recoveries to the pool"),
        "balance": _l("Pool balance"),
    },
    # The plan's targets, by metric: a short name beside the plan's own wording.
    "target_metric": {
        "specialists": _l("Sci-tech finance specialists"),
        "new_matching_platforms": _l("New sci-tech finance matching service platforms"),
        "firms_served": _l("Enterprises served"),
        "financing_facilitated": _l("Financing facilitated for enterprises"),
        "risk_guarantee_pool": _l("Credit-loan risk guarantee pool for tech SMEs"),
        "firms_with_credit_loans": _l("Tech SMEs receiving new credit loans"),
        "new_credit_loans": _l("New credit loans to tech SMEs"),
        "tech_transfer_fund": _l("Technology transfer fund (direct investment)"),
        "tech_branches": _l("New tech bank branches"),
        "specialised_institutions": _l("New specialised sci-tech finance service institutions"),
        "credit_communities": _l("New credit communities"),
        "credit_community_loans": _l("Bank loans through credit communities (at least)"),
        "all_financing": _l("All kinds of financing for tech SMEs"),
    },
}
