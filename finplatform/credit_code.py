"""Unified social credit code (统一社会信用代码, GB 32100-2015): normalise and validate.

A code has 18 characters drawn from a 31-character alphabet (the digits and the capital letters
without I, O, Z, S, V, which are too easily confused with 1, 0, 2, 5, U). Characters 1-17 carry
the registration authority, the organisation type, the administrative division and the
organisation code; character 18 is a mod-31 check character over the first 17.

The standard also restricts position 1 (registration authority: 1, 5, 9, Y, ...), position 2
(organisation type) and positions 3-8 (a division code, digits only). We deliberately check only
the alphabet there: authorities have added codes since 2015, and a platform that rejects a real
firm's code is worse than one that accepts an unusual but correctly checked one.

Messages are user-facing. Each kind of failure has a Chinese and an English template with named
placeholders, so the web layer can hand either to Flask-Babel and format it with `params`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "FORBIDDEN_LETTERS",
    "MESSAGES",
    "WEIGHTS",
    "CreditCodeError",
    "InvalidCreditCode",
    "compute_check_character",
    "credit_code_error",
    "make_credit_code",
    "normalize_credit_code",
    "registration_area",
    "registered_in",
    "validate_credit_code",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_LENGTH = 18
FORBIDDEN_LETTERS = "IOZSV"
# The weights are 3**i mod 31 for i = 0..16; written out because the standard prints them so.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_VALUES = {char: value for value, char in enumerate(ALPHABET)}

ErrorKind = Literal["empty", "length", "character", "check"]

# kind -> (Chinese template, English template). Placeholders are filled from CreditCodeError.params.
MESSAGES: dict[str, tuple[str, str]] = {
    "empty": (
        "请填写统一社会信用代码",
        "Please enter the unified social credit code.",
    ),
    "length": (
        "统一社会信用代码应为18位，当前为{length}位",
        "A unified social credit code has 18 characters; this one has {length}.",
    ),
    "character": (
        "第{position}位字符“{char}”不允许出现在统一社会信用代码中（不使用I、O、Z、S、V）",
        "Character {position} (“{char}”) cannot appear in a unified social credit code "
        "(digits and capital letters except I, O, Z, S and V).",
    ),
    "check": (
        "校验码错误：第18位应为“{expected}”，当前为“{char}”",
        "Check character mismatch: character 18 should be “{expected}” but is “{char}”.",
    ),
}


@dataclass(frozen=True, slots=True)
class CreditCodeError:
    """Why a unified social credit code is not valid, with what a message needs."""

    kind: ErrorKind
    length: int = 0
    position: int | None = None
    char: str | None = None
    expected: str | None = None

    @property
    def params(self) -> dict[str, object]:
        """The placeholder values for this error's message templates."""
        return {
            "length": self.length,
            "position": self.position,
            "char": self.char,
            "expected": self.expected,
        }

    @property
    def template_zh(self) -> str:
        """The Chinese message template (unformatted), for translation layers."""
        return MESSAGES[self.kind][0]

    @property
    def template_en(self) -> str:
        """The English message template (unformatted), for translation layers."""
        return MESSAGES[self.kind][1]

    def message(self, language: str = "zh") -> str:
        """The formatted message in Chinese ("zh") or English ("en")."""
        template = self.template_en if language.startswith("en") else self.template_zh
        return template.format(**self.params)


class InvalidCreditCode(ValueError):
    """Raised by validate_credit_code; carries the CreditCodeError and its fields."""

    def __init__(self, error: CreditCodeError) -> None:
        super().__init__(error.message("zh"))
        self.error = error
        self.kind = error.kind
        self.position = error.position
        self.char = error.char
        self.expected = error.expected
        self.length = error.length

    def message(self, language: str = "zh") -> str:
        """The formatted message in Chinese ("zh") or English ("en")."""
        return self.error.message(language)


def normalize_credit_code(text: str | None) -> str:
    """Return the code as typed, with whitespace removed, full-width folded and upper-cased."""
    if not text:
        return ""
    # NFKC folds full-width digits/letters (from Chinese IMEs) and the ideographic space to ASCII.
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def _check_character(first17: str) -> str:
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str | None) -> CreditCodeError | None:
    """Return why the (normalised) code is invalid, or None if it is valid."""
    normalised = normalize_credit_code(code)
    if not normalised:
        return CreditCodeError(kind="empty")
    if len(normalised) != CODE_LENGTH:
        return CreditCodeError(kind="length", length=len(normalised))
    for position, char in enumerate(normalised, start=1):
        if char not in _VALUES:
            return CreditCodeError(
                kind="character", length=CODE_LENGTH, position=position, char=char
            )
    expected = _check_character(normalised[:17])
    if normalised[17] != expected:
        return CreditCodeError(
            kind="check",
            length=CODE_LENGTH,
            position=CODE_LENGTH,
            char=normalised[17],
            expected=expected,
        )
    return None


def validate_credit_code(code: str | None) -> str:
    """Return the normalised code, or raise InvalidCreditCode saying what is wrong."""
    error = credit_code_error(code)
    if error is not None:
        raise InvalidCreditCode(error)
    return normalize_credit_code(code)


def compute_check_character(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters of a code."""
    normalised = normalize_credit_code(first17)
    if len(normalised) != CODE_LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {len(normalised)}: {first17!r}")
    bad = [char for char in normalised if char not in _VALUES]
    if bad:
        raise ValueError(f"characters outside the GB 32100 alphabet: {''.join(bad)!r}")
    return _check_character(normalised)


def make_credit_code(first17: str) -> str:
    """Return a valid 18-character code by appending the check character (for demo data)."""
    normalised = normalize_credit_code(first17)
    return normalised + compute_check_character(normalised)


def registration_area(code: str | None) -> str | None:
    """Positions 3-8: the administrative division (GB/T 2260) that registered the firm, or None
    when they are not six digits."""
    area = normalize_credit_code(code)[2:8]
    return area if len(area) == 6 and area.isdigit() else None


def registered_in(code: str | None, division: str) -> bool:
    """Whether a code's registration area agrees with a division code such as a district.

    A code registered at province level (`120000`) or city level (`120100`) agrees with every
    district below it; a code without a readable area is given the benefit of the doubt.
    """
    area = registration_area(code)
    if area is None:
        return True
    if area.endswith("0000"):
        return division[:2] == area[:2]
    if area.endswith("00"):
        return division[:4] == area[:4]
    return division == area
