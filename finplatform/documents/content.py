"""What an uploaded file really is: its type read from its content (magic numbers, through the
pure-Python `filetype`), never from its name or the browser's Content-Type."""

from __future__ import annotations

import os

import filetype
from flask_babel import lazy_gettext as _l

from finplatform.exceptions import DomainError

ACCEPTED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""Extension → content type of the files accepted: PDF, JPG, PNG and XLSX."""

NAME_ALIASES = {"jpeg": "jpg"}
MAX_NAME = 200
HEAD_BYTES = 8192  # filetype reads its signatures from the first 8 KiB


def clean_filename(filename: str) -> str:
    """The file's own name, without any folder part, control characters or excess length."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if not name:
        raise DomainError(_l("Please choose a file to upload."), "file")
    stem, dot, extension = name.rpartition(".")
    if len(name) <= MAX_NAME:
        return name
    # Too long: shorten the stem and keep the extension the type check reads.
    return f"{stem[: MAX_NAME - len(extension) - 1]}.{extension}" if dot else name[:MAX_NAME]


def detect_type(content: bytes, filename: str) -> tuple[str, str]:
    """(extension, content type) of an accepted file; DomainError when the content is not PDF,
    JPG, PNG or XLSX, or when the name's extension claims another type than the content."""
    if not content:
        raise DomainError(_l("The file is empty."), "file")
    found = filetype.guess(content[:HEAD_BYTES])
    if found is None or found.extension not in ACCEPTED:
        raise DomainError(
            _l(
                "Only PDF, JPG, PNG and XLSX files are accepted; this file's content is none of "
                "them."
            ),
            "file",
        )
    claimed = filename.rpartition(".")[2].lower() if "." in filename else ""
    claimed = NAME_ALIASES.get(claimed, claimed)
    if claimed != found.extension:
        raise DomainError(
            _l(
                "The file is named as .%(claimed)s but its content is %(actual)s: please upload "
                "it with its real extension.",
                claimed=claimed or "?",
                actual=found.extension.upper(),
            ),
            "file",
        )
    return found.extension, ACCEPTED[found.extension]
