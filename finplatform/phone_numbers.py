"""Telephone numbers as people in mainland China write them: a mobile number (11 digits starting
1[3-9]) or a landline with its area code (0 + 2-3 digits, then 7-8 digits, optional extension).

Spaces, hyphens and brackets are allowed while typing (`022-2345 6789`, `(022)23456789`, a
`+86`/`86` prefix on a mobile); the stored form is the digits with one hyphen after the area code.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from finplatform.exceptions import DomainError

MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# Area codes are 010 and 02x (three digits) or 0xxx (four digits); the number 7 or 8 digits.
LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})(?:(?:转|ext\.?|x|#)(\d{1,6}))?$")
INVALID_PHONE = _l(
    "Please enter a mobile number (11 digits starting 13–19) or a landline with its area code, "
    "e.g. 022-23456789."
)


def normalize_phone(text: str | None) -> str | None:
    """The number in its stored form, None when empty; ValueError when it is not a number."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded:
        return None
    compact = re.sub(r"[\s\-()（）]", "", folded).lower()
    mobile = MOBILE.match(compact)
    if mobile:
        return mobile.group(1)
    landline = LANDLINE.match(compact)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise ValueError(str(INVALID_PHONE))


def checked_phone(text: str | None, field: str) -> str | None:
    """The stored form of a number a service is given; DomainError on `field` when invalid."""
    try:
        return normalize_phone(text)
    except ValueError:
        raise DomainError(INVALID_PHONE, field) from None
