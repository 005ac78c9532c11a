"""The reference records the platform is built on: the plan's targets, Tianjin's districts, the
GB/T 4754-2017 industries, the plan's focus areas, and the kinds of product and institution.

Their shapes and code formats live here; `seeds.reference` reads the project's data files into
them, and `flask seed reference` writes them to the database the running platform reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "DISTRICT_CODE",
    "DIVISION_CODE",
    "KEY",
    "SECTION_CODE",
    "District",
    "IndustryDivision",
    "IndustrySection",
    "InstitutionKind",
    "ProductKind",
    "ReferenceData",
    "Target",
    "TechFocus",
]

KEY = re.compile(r"^[a-z][a-z0-9_]*$")  # metric and kind keys: snake_case
DISTRICT_CODE = re.compile(r"^12\d{4}$")  # 12 is Tianjin's province-level prefix in GB/T 2260
SECTION_CODE = re.compile(r"^[A-T]$")  # GB/T 4754-2017 sections (门类)
DIVISION_CODE = re.compile(r"^\d{2}$")  # GB/T 4754-2017 divisions (大类)


@dataclass(frozen=True, slots=True)
class Target:
    """A yearly target (指标) from the plan, in its own unit and wording."""

    year: int
    metric: str
    wording_zh: str
    label_en: str
    value: Decimal
    unit: str
    yuan: Decimal | None
    tracks_en: str

    @property
    def is_money(self) -> bool:
        """Whether the target is an amount of money (then `yuan` is set)."""
        return self.yuan is not None


@dataclass(frozen=True, slots=True)
class District:
    """A district (区) of Tianjin, keyed by its administrative division code."""

    code: str
    name_zh: str
    short_name_zh: str
    name_en: str
    name_2014_zh: str
    code_2014: str


@dataclass(frozen=True, slots=True)
class TechFocus:
    """An industry or technology the plan pushes (e.g. 生物医药)."""

    key: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class IndustrySection:
    """A GB/T 4754-2017 section (门类), A to T."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class IndustryDivision:
    """A GB/T 4754-2017 division (大类), two digits, with the plan's focus areas it serves."""

    code: str
    section: str
    name_zh: str
    name_en: str
    tech_focus: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductKind:
    """A kind of financing product (e.g. 信用贷款 credit loan)."""

    key: str
    name_zh: str
    name_en: str
    is_loan: bool
    is_credit_loan: bool


@dataclass(frozen=True, slots=True)
class InstitutionKind:
    """A kind of financial or service institution (e.g. 科技支行 tech bank branch)."""

    key: str
    name_zh: str
    name_en: str
    counts_toward: str | None


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """Every reference list, loaded and cross-checked together."""

    targets_2014: list[Target]
    districts: list[District]
    tech_focus: list[TechFocus]
    industry_sections: list[IndustrySection]
    industry_divisions: list[IndustryDivision]
    product_kinds: list[ProductKind]
    institution_kinds: list[InstitutionKind]
