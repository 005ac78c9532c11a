"""Labels of the organisations' enumerations: an institution's standing, a product's status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "institution_status": {
        "pending": _l("Waiting for approval"),
        "approved": _l("Approved"),
        "suspended": _l("Suspended"),
    },
    "product_status": {
        "active": _l("Active"),
        "retired": _l("Retired"),
        "draft": _l("Draft"),
    },
}
