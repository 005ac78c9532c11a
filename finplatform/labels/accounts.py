"""Labels of the accounts' enumerations: roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "role": {
        "enterprise": _l("Enterprise"),
        "institution": _l("Institution staff"),
        "specialist": _l("Sci-tech finance specialist"),
        "commission": _l("Commission viewer (read-only)"),
        "admin": _l("Administrator"),
        "data_provider": _l("Data provider (writes public-credit records)"),
    },
}
