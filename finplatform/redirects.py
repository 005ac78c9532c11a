"""Where a `next` argument may send a browser back to: a path on this site, nothing else.

Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
`/\\t/evil.example` or `/\\evil.example` would leave the site; the target is normalised the way a
browser would read it before it is judged, and anything that is not a plain same-site path
(a scheme, a host, `//`, control characters) gives the default instead. Every view that follows
a `next` uses `safe_next`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_DROPPED_BY_BROWSERS = re.compile(r"[\t\r\n]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`."""
    if not target:
        return default
    normalised = _DROPPED_BY_BROWSERS.sub("", target).replace("\\", "/")
    if _CONTROL.search(normalised) or not normalised.startswith("/"):
        return default
    if normalised.startswith("//"):
        return default
    parts = urlsplit(normalised)
    if parts.scheme or parts.netloc:
        return default
    return normalised
