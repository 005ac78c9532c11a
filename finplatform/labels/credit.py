"""Labels of credit information: kinds of public-credit record and how a batch arrived."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "credit_record_kind": {
        "tax_grade": _l("Tax credit grade"),
        "social_security": _l("Social-security headcount"),
        "utility_arrears": _l("Utility arrears"),
        "court_judgement": _l("Court judgement"),
        "dishonest_debtor": _l("Dishonest judgement debtor list"),
        "penalty": _l("Administrative penalty"),
        "tech_sme": _l("Tech-SME registration"),
        "high_tech": _l("High-tech enterprise certificate"),
        "patent": _l("Patent"),
        "little_giant": _l("Tech little giant designation"),
    },
    "credit_view_subject": {
        "profile": _l("Credit profile"),
        "document": _l("Document"),
    },
    "credit_batch_channel": {
        "import": _l("File import by the commission"),
        "api": _l("Data provider's API"),
        "demo": _l("Demo world"),
    },
}
