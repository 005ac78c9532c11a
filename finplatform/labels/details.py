"""The details of an audit entry as a reader sees them: each key's label with its value in
words (statuses, roles, reasons and list entries labelled, yes/no, numbers without trailing
zeros), never the stored JSON."""

from __future__ import annotations

from flask_babel import gettext as _

from finplatform.money import format_number

# The enumeration of the "from" and "to" of a status change, by the action's record kind.
STATUS_OF_ACTION = {
    "application": "application_status",
    "request": "request_status",
    "institution": "institution_status",
    "product": "product_status",
}
# Details whose value is a code of an enumeration or reference list.
CODED_DETAILS = {
    "role": "role",
    "kind": "import_kind",
    "district": "district",
    "industry": "industry",
}
# Details whose value is the id of a record (shown as "No. 12").
RECORD_DETAILS = {
    "application",
    "product",
    "institution",
    "community",
    "request",
    "reverses",
    "version",
    "previous",
}


def audit_details(action: str, detail: dict | None) -> list[tuple[str, str]]:
    """(label, value) of each detail of an entry of `action`, in the stored order."""
    from finplatform.labels import ENUMERATIONS, label

    shown = []
    for key, value in (detail or {}).items():
        if value is None or value == "" or key == "comparison":
            continue  # the comparison of a model promotion is on the model page
        name = label("audit_detail", key) if key in ENUMERATIONS["audit_detail"] else key
        shown.append((name, _detail_value(action, key, value)))
    return shown


def _detail_value(action: str, key: str, value) -> str:
    from finplatform.labels import ENUMERATIONS, label

    kind = action.split(".", 1)[0]
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in {"from", "to"} and kind in STATUS_OF_ACTION:
        return label(STATUS_OF_ACTION[kind], value)
    if key in {"from", "to"} and kind == "target":
        return format_number(value)
    if key in {"from", "to"} and kind == "enterprise":
        return _("Specialist No. %(id)s", id=value)
    if key in CODED_DETAILS:
        return label(CODED_DETAILS[key], value)
    if key == "reason" and str(value) in ENUMERATIONS["reject_reason"]:
        return label("reject_reason", value)
    if key == "amount":
        return format_number(value) + _(" yuan")
    if key in RECORD_DETAILS and isinstance(value, int):
        return _("No. %(id)s", id=value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
