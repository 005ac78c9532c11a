"""Passwords a person chooses: refused when common or easy to guess.

The estimate is zxcvbn's (dictionaries of common passwords, names and words, keyboard
patterns, dates, repeats), given the person's own e-mail and name so that those count as
guessable too. Accounts the seeds create are not re-checked: this runs where a person sets a
password (registration, a change, a reset, an admin creating an account), not in
`services.create_user` itself.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from finplatform.exceptions import DomainError

# zxcvbn scores 0-4; 3 means "safely unguessable: moderate protection from offline attacks".
MIN_SCORE = 3
# zxcvbn's time grows with length; what is beyond this adds nothing to the estimate.
CHECKED_LENGTH = 100

TOO_GUESSABLE = _l(
    "This password is too common or too easy to guess. Use a longer one, e.g. several "
    "unrelated words with digits or signs."
)


def refuse_guessable(password: str, personal: list[str], field: str = "password") -> None:
    """DomainError on `field` when `password` is common or easy to guess."""
    inputs = [text for text in personal if text]
    inputs += [part for text in inputs for part in text.replace("@", " ").split()]
    if zxcvbn(password[:CHECKED_LENGTH], user_inputs=inputs)["score"] < MIN_SCORE:
        raise DomainError(TOO_GUESSABLE, field)
