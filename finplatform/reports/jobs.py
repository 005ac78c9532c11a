"""The report job: `generate_monthly_report` runs on RQ (or inline) and leaves the workbook and
the figures in `instance/reports/`, reporting its progress on the way."""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app

from finplatform.jobs import report_progress
from finplatform.reports import exports
from finplatform.reports.periods import Month
from finplatform.reports.services import report_for


def generated_dir() -> Path:
    """Where generated reports are kept."""
    return Path(current_app.instance_path) / "reports"


def generated_xlsx(month: Month) -> Path:
    """The path of a month's generated workbook (it may not exist yet)."""
    return generated_dir() / f"report-{month}.xlsx"


def generate_monthly_report(month_text: str) -> dict:
    """Compute a month's report (frozen if closed) and write its XLSX and JSON figures."""
    month = Month.parse(month_text)
    report_progress(1, 4, "figures")
    report = report_for(month)
    report_progress(2, 4, "workbook")
    directory = generated_dir()
    directory.mkdir(parents=True, exist_ok=True)
    xlsx = generated_xlsx(month)
    partial = xlsx.with_suffix(".xlsx.part")
    exports.write_xlsx(report, partial)
    # Renamed into place only when complete: a download never sees half a workbook.
    partial.replace(xlsx)
    report_progress(3, 4, "figures_file")
    (directory / f"report-{month}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    report_progress(4, 4, "done")
    return {"month": str(month), "xlsx": str(xlsx), "closed": report["closed"]}
