"""Public-credit records from the commission's file import: each row checked by the same rules
as the API's (`credit.records`), then loaded as one batch, keyed so a re-import changes
nothing."""

from __future__ import annotations

from flask_babel import gettext as _

from finplatform.credit.records import (
    firms_by_credit_code,
    load_records,
    record_key,
    record_problems,
)
from finplatform.imports.natural_keys import drop_duplicates, fields_of, problem
from finplatform.models import CreditBatchChannel

MIXED_SOURCES = "多个来源"


class CreditRecordRows:
    """Public-credit records keyed on (firm, kind, date, reference)."""

    def check(self, good, uploader=None):
        """Rows naming a firm on the platform and meeting their kind's rules, once each."""
        firms = firms_by_credit_code(record["credit_code"] for _, record in good)
        kept, problems = [], []
        for number, record in good:
            firm_id = firms.get(record["credit_code"])
            if firm_id is None:
                reason = _("No firm on the platform has this credit code.")
                problems.append(problem(number, record, "credit_code", reason))
                continue
            record["enterprise_id"] = firm_id
            broken = record_problems(record)
            problems.extend(problem(number, record, field, reason) for field, reason in broken)
            if not broken:
                kept.append((number, record))
        kept, dups = drop_duplicates(kept, record_key)
        problems.extend(problem(n, r, "reference", reason) for n, r, reason in dups)
        return kept, problems

    def write(self, good, actor) -> dict:
        """Load the rows as one batch of the commission's import."""
        records = [fields_of(record) for _, record in good]
        sources = {record["source"] for record in records}
        batch = load_records(
            records,
            source=sources.pop() if len(sources) == 1 else MIXED_SOURCES,
            channel=CreditBatchChannel.IMPORT,
            actor=actor,
        )
        return {
            "created": batch.created_rows,
            "updated": batch.updated_rows,
            "unchanged": batch.unchanged_rows,
        }
