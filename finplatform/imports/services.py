"""Bulk import of enterprises, institutions, products, historical applications, public-credit
records and loan repayments.

Every row is validated before anything is written, and every bad cell is reported with its row
number, column and reason. By default one bad row stops the whole file; with `good_rows_only`
the good rows go in and the bad ones are listed. Rows are keyed (credit code, institution name
or code, product code within its institution, application number, a repayment's transaction
number within its loan), so importing the same file again changes nothing: an existing record
is updated only where a value differs, and an application or a repayment already imported is
left as it is.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from finplatform import jobs
from finplatform.audit import record_audit
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.imports import budget
from finplatform.imports import columns as cols
from finplatform.imports.kinds import COLUMNS
from finplatform.imports.reading import Table, read_table
from finplatform.imports.writing import WRITERS
from finplatform.models import (
    District,
    ImportBatch,
    ImportStatus,
    Industry,
    InstitutionKind,
    ProductKind,
    User,
    utcnow,
)
from finplatform.states import IMPORT

KINDS = tuple(COLUMNS)
NON_NEGATIVE = {"revenue_yuan", "rd_spend_yuan", "min_revenue_yuan"}
PROGRESS_EVERY = 500


@dataclass
class Mapped:
    """A file column recognised as an import field."""

    index: int
    header: str
    column: cols.Column
    unit: str | None


def build_lookups() -> cols.Lookups:
    """District names and codes, industry divisions and kinds, from the reference tables."""
    lookups = cols.Lookups()
    districts = list(db.session.scalars(sa.select(District)))
    for district in districts:
        for name in (district.code, district.name_zh, district.name_en):
            lookups.districts[cols.fold(name)] = district.code
    # Then the other names (滨海, 宁河县, 120221), where they name no district already.
    for district in districts:
        for name in (district.short_name_zh, district.name_2014_zh, district.code_2014):
            if name:
                lookups.districts.setdefault(cols.fold(name), district.code)
    lookups.industries = set(
        db.session.scalars(sa.select(Industry.code).where(Industry.level == "division"))
    )
    for model, target in (
        (ProductKind, lookups.product_kinds),
        (InstitutionKind, lookups.institution_kinds),
    ):
        for kind in db.session.scalars(sa.select(model)):
            for name in (kind.code, kind.name_zh, kind.name_en):
                target[cols.fold(name)] = kind.code
    return lookups


def map_header(kind: str, header: list[str]) -> tuple[list[Mapped], list[cols.Problem]]:
    """Match the file's headers to the import's columns; missing or doubled columns are problems."""
    mapped: list[Mapped] = []
    problems: list[cols.Problem] = []
    for index, cell in enumerate(header):
        if not cell:
            continue
        base, unit = cols.split_header(cell)
        column = next((c for c in COLUMNS[kind] if c.matches(base)), None)
        if column is None:
            continue
        if any(m.column.name == column.name for m in mapped):
            problems.append(cols.Problem(1, cell, _("This column appears twice.")))
            continue
        if column.money and unit is None:
            problems.append(
                cols.Problem(1, cell, _("Say the unit in the header: (元), (万元) or (亿元).")),
            )
            continue
        mapped.append(Mapped(index, cell, column, unit))
    present = {m.column.name for m in mapped} | {p.column for p in problems}
    for column in COLUMNS[kind]:
        if column.required and column.name not in present:
            problems.append(
                cols.Problem(1, column.aliases[0], _("This column is missing from the file."))
            )
    if kind in {"products", "applications"} and not present & {"institution", "institution_code"}:
        problems.append(cols.Problem(1, "机构名称", _("This column is missing from the file.")))
    return mapped, problems


def _parse_row(number: int, values: list, mapped: list[Mapped], lookups) -> tuple[dict, list]:
    record, headers, problems = {}, {}, []
    for m in mapped:
        value = values[m.index] if m.index < len(values) else None
        headers[m.column.name] = m.header
        if cols._blank(value):
            if m.column.required:
                problems.append(cols.Problem(number, m.header, _("This cell must be filled.")))
            continue
        try:
            if m.column.money:
                positive = m.column.name not in NON_NEGATIVE
                record[m.column.name] = cols.money(value, lookups, m.unit, positive)
            else:
                record[m.column.name] = m.column.parse(value, lookups)
        except ValueError as error:
            problems.append(cols.Problem(number, m.header, str(error)))
    record["_headers"] = headers
    return record, problems


def validate(
    kind: str, table: Table, progress=None, uploader: User | None = None
) -> tuple[list[tuple[int, dict]], list]:
    """Parse and check every row as `uploader` may import them (an institution's staff: its own
    loans only); returns the good rows and every problem found."""
    mapped, problems = map_header(kind, table.header)
    if problems:
        return [], problems
    lookups = build_lookups()
    good: list[tuple[int, dict]] = []
    for done, (number, values) in enumerate(table.rows, start=1):
        record, row_problems = _parse_row(number, values, mapped, lookups)
        if not row_problems:
            good.append((number, record))
        problems.extend(row_problems)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    checked, more = WRITERS[kind].check(good, uploader)
    return checked, problems + more


def run_import(batch: ImportBatch, content: bytes, actor: User | None, progress=None) -> dict:
    """Validate the file and write it (or its good rows); records the outcome on the batch."""
    IMPORT.move(batch, ImportStatus.RUNNING)
    try:
        table = read_table(content, batch.filename)
    except DomainError as error:
        return _finish(
            batch, ImportStatus.REJECTED, [cols.Problem(0, _("file"), str(error.message))], {}
        )
    batch.total_rows = len(table.rows)
    good, problems = validate(batch.kind, table, progress, actor)
    batch.processed_rows = batch.total_rows
    if problems and not batch.good_rows_only:
        return _finish(batch, ImportStatus.REJECTED, problems, {})
    bad_rows = {p.row for p in problems}
    good = [(number, record) for number, record in good if number not in bad_rows]
    counts = WRITERS[batch.kind].write(good, actor)
    batch.imported_rows = counts["created"] + counts["updated"]
    record_audit(
        "import.finished",
        batch,
        actor=actor,
        detail={"kind": batch.kind, **counts, "problems": len(problems)},
    )
    return _finish(batch, ImportStatus.FINISHED, problems, counts)


def _finish(
    batch: ImportBatch, status: ImportStatus, problems: list[cols.Problem], counts: dict
) -> dict:
    IMPORT.move(batch, status)
    batch.errors = [p.as_dict() for p in sorted(problems, key=lambda p: (p.row, p.column))]
    batch.finished_at = utcnow()
    db.session.flush()
    return {"status": status.value, "problems": len(problems), **counts}


def upload_path(batch: ImportBatch) -> Path:
    """Where an uploaded file waits for its import job."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"batch-{batch.id}.upload"


def start_import(
    kind: str, filename: str, content: bytes, good_rows_only: bool, actor: User
) -> tuple[ImportBatch, jobs.JobHandle]:
    """Record the batch, keep the file and queue the import (inline without Redis)."""
    if kind not in KINDS:
        raise DomainError(_("Please choose what the file contains."), "kind")
    batch = ImportBatch(
        kind=kind,
        filename=Path(filename).name[:200] or "upload",
        good_rows_only=good_rows_only,
        created_by_id=actor.id,
    )
    db.session.add(batch)
    db.session.flush()
    upload_path(batch).write_bytes(content)
    # The job runs elsewhere (or right now) and reads the batch: it must be committed first.
    db.session.commit()
    handle = jobs.enqueue(
        run_import_job,
        batch.id,
        description=f"import {kind} #{batch.id}",
        timeout=budget.IMPORT_TIMEOUT_SECONDS,
    )
    return batch, handle


def run_import_job(batch_id: int) -> dict:
    """Job entry point: import a stored upload and commit; the file is removed afterwards."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        return {"status": "missing"}
    path = upload_path(batch)
    actor = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
    # In a work horse (a process of its own for this job) the import runs under a memory limit.
    limit = budget.memory_limit() if jobs.in_work_horse() else contextlib.nullcontext()
    try:
        with limit:
            result = run_import(
                batch,
                path.read_bytes(),
                actor,
                progress=lambda done: jobs.report_progress(done, batch.total_rows),
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        batch = db.session.get(ImportBatch, batch_id)
        IMPORT.move(batch, ImportStatus.FAILED)
        batch.errors = [
            {
                "row": 0,
                "column": "",
                "reason": _("The import failed unexpectedly; nothing was saved."),
            }
        ]
        batch.finished_at = utcnow()
        db.session.commit()
        raise
    finally:
        path.unlink(missing_ok=True)
    return result


def errors_csv(batch: ImportBatch) -> str:
    """The batch's problems as CSV (UTF-8 with BOM, so Excel shows the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Reason")])
    for problem in batch.errors:
        writer.writerow([problem["row"] or "", problem["column"], problem["reason"]])
    return "\ufeff" + buffer.getvalue()
