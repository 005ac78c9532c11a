"""One view of a report: every table it shows, as plain data, built in one place.

`report_tables` turns a built report (`services.report_for`) into its tables, in the page's
order, with translated headers and names, each row already merged and ordered. The page, the
XLSX workbook, the CSV files and the API render these tables and add no row of their own: an
institution with approvals but no applications in the month is a row everywhere or nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from finplatform.i18n import is_english
from finplatform.labels import label
from finplatform.money import plain_decimal
from finplatform.rendering import beijing_time
from finplatform.reports.measures import DIMENSIONS

# A breakdown table per dimension, in the order measures.py lists them.
DIMENSION_TABLES = DIMENSIONS
# A breakdown table's figure columns → the measure whose rows each figure links to.
BREAKDOWN_LINKS = {
    2: "disbursements",
    3: "disbursements",
    4: "applications",
    5: "approvals",
    6: "approvals",
}


@dataclass
class Table:
    """One table of the report: a sheet in the workbook, a file among the CSVs."""

    name: str  # the code: the CSV link's `table=`, the CSV file's name
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    # Column index → "money" | "count" | "percent"
    formats: dict[int, str] = field(default_factory=dict)
    # Breakdowns: the dimension, and column index → the measure a figure links to.
    dimension: str | None = None
    links: dict[int, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The table's name for a reader: the workbook's sheet name."""
        return label("report_table", self.name)

    def for_files(self) -> Table:
        """The table as the workbook and the CSV show it: a breakdown without its key column
        (the codes the page links by), its name column first."""
        if self.dimension is None:
            return self
        return Table(
            self.name,
            self.headers[1:],
            [row[1:] for row in self.rows],
            {column - 1: kind for column, kind in self.formats.items() if column > 0},
        )

    def as_data(self) -> dict:
        """The table as JSON-ready data (money and rates as decimal strings)."""
        return {
            "name": self.name,
            "title": self.title,
            "headers": self.headers,
            "rows": [
                [str(cell) if isinstance(cell, Decimal) else cell for cell in row]
                for row in self.rows
            ],
        }


def _number(value):
    if value is None or value == "":
        return None
    return Decimal(value)


def _name(row: dict) -> str:
    return row["name_en"] if is_english() else row["name_zh"]


# The pool's rows: figure → (its count, its amount), beside the 10亿元 target.
POOL_ROWS = {
    "funds": (None, "funds_yuan"),
    "covered_loans": ("covered_loans", "covered_yuan"),
    "covered_outstanding": (None, "covered_outstanding_yuan"),
    "claims_paid": (None, "claims_paid_yuan"),
    "recovered": (None, "recovered_yuan"),
    "balance": (None, "balance_yuan"),
}


def report_tables(report: dict) -> list[Table]:
    """Every table of a report, in the order of the HTML page."""
    measures = ("requests", "matches", "applications", "approvals", "rejections", "disbursements")
    summary = Table(
        "summary",
        [
            _("Figure"),
            _("Count"),
            _("Amount (yuan)"),
            _("Year to date: count"),
            _("Year to date: amount (yuan)"),
        ],
        formats={1: "count", 2: "money", 3: "count", 4: "money"},
    )
    for name in measures:
        own, ytd = report["totals"][name], report["ytd"][name]
        summary.rows.append(
            [
                label("report_measure", name),
                own["count"],
                _number(own["amount"]),
                ytd["count"],
                _number(ytd["amount"]),
            ]
        )
    first = report["first_time_borrowers"]
    summary.rows.append(
        [label("report_measure", "first_time_borrowers"), first["count"], _number(first["amount"])]
        + [None, None]
    )
    summary.rows.append(
        [label("report_measure", "firms_served"), report["firms_served"], None, None, None]
    )
    tables = [summary]

    targets = Table(
        "targets",
        [
            _("Target"),
            _("Metric"),
            _("Target value"),
            _("Year to date"),
            _("Percent"),
            _("Projection to year end"),
            _("Projection basis"),
            _("Expected by now"),
            _("Ahead (+) or behind (−)"),
            _("On track"),
        ],
        formats={2: "money", 3: "money", 4: "percent", 5: "money", 7: "money", 8: "money"},
    )
    for target in report["targets"]:
        wording = target["label_en"] if is_english() else target["wording_zh"]
        if not target["measured"]:
            targets.rows.append(
                [
                    wording,
                    label("target_metric", target["metric"]),
                    plain_decimal(target["value"]),
                    None,
                    None,
                    None,
                    _("not measured by the platform"),
                    None,
                    None,
                    None,
                ]
            )
            continue
        targets.rows.append(
            [
                wording,
                label("target_metric", target["metric"]),
                _number(target["target"]),
                _number(target["ytd"]),
                _number(target["percent"]),
                _number(target["projection"]),
                label("projection_basis", target["projection_basis"]),
                _number(target["expected_to_date"]),
                _number(target["ahead_by"]),
                _("yes") if target["on_track"] else _("no"),
            ]
        )
    tables.append(targets)
    # The pool the 10亿元 target measures: its funds and the covered book they back, as they
    # stood on the day the report states (months closed before it was reported have none).
    if "pool" in report:
        pool = report["pool"]
        tables.append(
            Table(
                "risk_pool",
                [_("Figure"), _("As of"), _("Count"), _("Amount (yuan)")],
                [
                    [
                        label("pool_figure", code),
                        pool["as_of"],
                        pool[count] if count else None,
                        _number(pool[amount]),
                    ]
                    for code, (count, amount) in POOL_ROWS.items()
                ],
                formats={2: "count", 3: "money"},
            )
        )

    for dimension in DIMENSION_TABLES:
        table = Table(
            f"by_{dimension}",
            [
                _("Key"),  # the code the page links by; the workbook and CSV leave it out
                label("report_dimension", dimension),
                _("Disbursements"),
                _("Disbursed (yuan)"),
                _("Applications"),
                _("Approvals"),
                _("Approved (yuan)"),
            ],
            formats={2: "count", 3: "money", 4: "count", 5: "count", 6: "money"},
            dimension=dimension,
            links=BREAKDOWN_LINKS,
        )
        merged: dict[str, list] = {}
        for measure, columns in (
            ("disbursements", (2, 3)),
            ("applications", (4, None)),
            ("approvals", (5, 6)),
        ):
            for row in report["breakdowns"][measure].get(dimension, []):
                line = merged.setdefault(
                    row["key"], [row["key"], _name(row), 0, Decimal(0), 0, 0, Decimal(0)]
                )
                line[columns[0]] = row["count"]
                if columns[1] is not None:
                    line[columns[1]] = _number(row["amount"])
        table.rows = sorted(merged.values(), key=lambda line: (-line[3], -line[2], line[0]))
        tables.append(table)

    funnel = Table(
        "funnel",
        [_("Step"), _("Requests"), _("From previous step %"), _("From requests %")],
        formats={1: "count", 2: "percent", 3: "percent"},
    )
    for step in report["funnel"]:
        funnel.rows.append(
            [
                label("funnel_step", step["step"]),
                step["count"],
                _number(step["rate_from_previous"]),
                _number(step["rate_from_requests"]),
            ]
        )
    tables.append(funnel)

    times = report["response_times"]
    response = Table(
        "response_times",
        [_("Interval"), _("Applications"), _("Median days"), _("90th percentile days")],
        formats={1: "count", 2: "percent", 3: "percent"},
    )
    for key in ("first_response", "decision"):
        response.rows.append(
            [
                label("response_interval", key),
                times[key]["count"],
                _number(times[key]["median_days"]),
                _number(times[key]["p90_days"]),
            ]
        )
    response.rows.append(
        [label("response_interval", "past_deadline"), times["past_deadline"], None, None]
    )
    tables.append(response)

    specialists = Table(
        "specialists",
        [_("Specialist"), _("Firms served"), _("Deals brokered"), _("Amount (yuan)")],
        formats={1: "count", 2: "count", 3: "money"},
    )
    specialists.rows = [
        [row["name"], row["firms_served"], row["deals"], _number(row["amount"])]
        for row in report["specialists"]
    ]
    tables.append(specialists)

    adjustments = Table(
        "adjustments",
        [
            _("Disbursement"),
            _("Dated"),
            _("Month"),
            _("Enterprise"),
            _("Amount (yuan)"),
            _("Reverses"),
            _("Recorded at"),
            _("Note"),
        ],
        formats={4: "money"},
    )
    adjustments.rows = [
        [
            row["id"],
            row["disbursed_on"],
            row["month"],
            row.get("enterprise_name", ""),
            _number(row["amount"]),
            row["reverses_id"],
            beijing_time(row["recorded_at"]),
            row["note"],
        ]
        for row in report["adjustments"]["rows"]
    ]
    tables.append(adjustments)

    months = int(report["month"][5:7])
    monthly = Table(
        "monthly_by_kind",
        [_("Month"), *[_name(entry) for entry in report["series"]["by_kind"]]],
        formats=dict.fromkeys(range(1, len(report["series"]["by_kind"]) + 1), "money"),
    )
    for index in range(months):
        monthly.rows.append(
            [
                f"{report['month'][:4]}-{index + 1:02d}",
                *[_number(entry["amounts"][index]) for entry in report["series"]["by_kind"]],
            ]
        )
    tables.append(monthly)

    cumulative = Table(
        "cumulative",
        [
            _("Month"),
            _("Financing facilitated (yuan)"),
            _("Target pace (yuan)"),
            _("New credit loans (yuan)"),
        ],
        formats={1: "money", 2: "money", 3: "money"},
    )
    goal = next(
        (t for t in report["targets"] if t["metric"] == "financing_facilitated" and t["measured"]),
        None,
    )
    for index, value in enumerate(report["series"]["cumulative"]["financing_facilitated"]):
        pace = Decimal(goal["target"]) * (index + 1) / 12 if goal else None
        cumulative.rows.append(
            [
                f"{report['month'][:4]}-{index + 1:02d}",
                _number(value),
                pace.quantize(Decimal("0.01")) if pace is not None else None,
                _number(report["series"]["cumulative"]["new_credit_loans"][index]),
            ]
        )
    tables.append(cumulative)
    return tables
