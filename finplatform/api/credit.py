"""Public-credit records over the API: a data provider writes them with its own tokens (and
reads nothing); the same rules and the same keyed load as the commission's file import."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from finplatform.api.core import api_blueprint, require_role
from finplatform.api.schemas import DecimalString
from finplatform.credit.records import (
    TAX_GRADES,
    firms_by_credit_code,
    load_records,
    record_key,
    record_problems,
)
from finplatform.models import CreditBatchChannel, CreditRecordKind, Role

bp = api_blueprint(
    "api_credit_records",
    "/credit-records",
    "Public-credit records written by data providers (tax, social security, courts…).",
)

MAX_RECORDS = 1000
UNKNOWN_FIRM = _l("No firm on the platform has this credit code.")
REPEATED = _l("The same record appears twice in this batch.")
REFUSED = _l("Some records cannot be loaded; nothing was written.")


class CreditRecordInput(ma.Schema):
    """One dated record of a firm; which value it needs depends on its kind."""

    credit_code = ma.fields.String(required=True, validate=ma.validate.Length(min=18, max=18))
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf([kind.value for kind in CreditRecordKind])
    )
    as_of = ma.fields.Date(required=True, metadata={"description": "The day the record refers to."})
    grade = ma.fields.String(validate=ma.validate.OneOf(TAX_GRADES), allow_none=True)
    quantity = ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=0, max=10_000_000), allow_none=True
    )
    amount_yuan = DecimalString(2, validate=ma.validate.Range(min=0, max=10**15), allow_none=True)
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    valid_until = ma.fields.Date(allow_none=True)
    source = ma.fields.String(
        validate=ma.validate.Length(max=80),
        metadata={"description": "Overrides the batch's source for this record."},
    )


class CreditBatchInput(ma.Schema):
    """A batch of records from one source: written all together or not at all."""

    source = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    records = ma.fields.List(
        ma.fields.Nested(CreditRecordInput),
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_RECORDS),
    )


class CreditBatchSchema(ma.Schema):
    """What a load did: its batch and how many records were new, changed or already there."""

    batch_id = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)


def _checked(values: dict) -> list[dict]:
    """The batch's records with their firm, or 422 naming every record and field at fault."""
    records = [{"source": values["source"], **record} for record in values["records"]]
    firms = firms_by_credit_code(record["credit_code"] for record in records)
    errors: dict = {}
    seen: set = set()
    for index, record in enumerate(records):
        record["enterprise_id"] = firms.get(record["credit_code"])
        if record["enterprise_id"] is None:
            errors[index] = {"credit_code": [str(UNKNOWN_FIRM)]}
            continue
        broken = record_problems(record)
        if not broken and record_key(record) in seen:
            broken = [("reference", str(REPEATED))]
        seen.add(record_key(record))
        if broken:
            errors[index] = {field: [message] for field, message in broken}
    if errors:
        abort(422, message=str(REFUSED), errors={"json": {"records": errors}})
    return records


@bp.post("")
@bp.arguments(CreditBatchInput)
@bp.response(201, CreditBatchSchema)
def load_credit_records(values):
    """A data provider writes a batch of records. Re-sending records already loaded changes
    nothing (they count as unchanged); a record sent again with other values is updated."""
    require_role(Role.DATA_PROVIDER)
    records = _checked(values)
    batch = load_records(
        records, source=values["source"], channel=CreditBatchChannel.API, actor=current_user
    )
    return {
        "batch_id": batch.id,
        "created": batch.created_rows,
        "updated": batch.updated_rows,
        "unchanged": batch.unchanged_rows,
    }
