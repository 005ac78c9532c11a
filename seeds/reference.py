"""Reference data for the platform, read from the files in seeds/reference/.

The files are the project's own: the plan's 2014 targets, Tianjin's districts, the GB/T 4754-2017
sections and divisions tech SMEs register under, the plan's focus industries, and the kinds of
product and institution. Every loader validates what it reads (required fields, unique keys,
references between files, money arithmetic) and raises ReferenceDataError naming the file and
record, so a bad edit fails at load time instead of producing a wrong report.

The records' shapes and code formats are the platform's (`finplatform.domain.reference`); this
module only reads the files. Pure Python: no Flask, no database. `flask seed reference`
(`seeds.reference_loader`) turns the records into rows. (The module and the data folder share
the name `reference`; a module file wins over a folder without __init__.py, which is what we
want.)
"""

from __future__ import annotations

import csv
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from finplatform.domain.reference import (
    DISTRICT_CODE,
    DIVISION_CODE,
    KEY,
    SECTION_CODE,
    District,
    IndustryDivision,
    IndustrySection,
    InstitutionKind,
    ProductKind,
    ReferenceData,
    Target,
    TechFocus,
)
from finplatform.domain.units import COUNT_UNITS, YUAN_PER_UNIT

__all__ = [
    "REFERENCE_DIR",
    "ReferenceDataError",
    "load_districts",
    "load_industry_divisions",
    "load_industry_sections",
    "load_institution_kinds",
    "load_product_kinds",
    "load_reference_data",
    "load_targets_2014",
    "load_tech_focus",
]

REFERENCE_DIR = Path(__file__).with_name("reference")


class ReferenceDataError(ValueError):
    """A reference data file is missing, malformed or inconsistent."""


# ---------------------------------------------------------------- file reading and field checks


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"{path.name}: not valid TOML: {exc}") from exc


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """Rows as (where, row) pairs; lines starting with # are comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"{path}: file not found") from exc
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("#")]
    if not numbered:
        raise ReferenceDataError(f"{path.name}: no header row")
    # One record per line (no quoted line breaks), so errors can name the line.
    parsed = [(n, next(csv.reader([line]))) for n, line in numbered]
    header = tuple(parsed[0][1])
    if header != columns:
        raise ReferenceDataError(f"{path.name}: columns are {header}, expected {columns}")
    rows = []
    for line_number, values in parsed[1:]:
        where = f"{path.name} line {line_number}"
        if len(values) != len(columns):
            raise ReferenceDataError(f"{where}: {len(values)} fields, expected {len(columns)}")
        rows.append(
            (where, {name: value.strip() for name, value in zip(columns, values, strict=True)})
        )
    return rows


def _records(document: dict[str, Any], table: str, path: Path) -> list[tuple[str, dict]]:
    records = document.get(table)
    if not isinstance(records, list) or not records:
        raise ReferenceDataError(f"{path.name}: no [[{table}]] entries")
    return [(f"{path.name} [[{table}]] #{n}", record) for n, record in enumerate(records, 1)]


def _check_fields(where: str, record: dict, required: dict[str, type], optional=None) -> None:
    optional = optional or {}
    unknown = set(record) - set(required) - set(optional)
    if unknown:
        raise ReferenceDataError(f"{where}: unknown field(s) {sorted(unknown)}")
    for name in required:
        if name not in record:
            raise ReferenceDataError(f"{where}: missing field {name!r}")
    for name, kind in {**required, **optional}.items():
        if name in record:
            value = record[name]
            # bool is a subclass of int; a target's yuan must not be `true`.
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ReferenceDataError(f"{where}: {name!r} should be {kind.__name__}")
            if kind is str and not value.strip():
                raise ReferenceDataError(f"{where}: {name!r} is empty")


def _check_unique(where: str, seen: set[str], key: str, label: str = "key") -> None:
    if key in seen:
        raise ReferenceDataError(f"{where}: duplicate {label} {key!r}")
    seen.add(key)


def _check_key(where: str, key: str) -> None:
    if not KEY.match(key):
        raise ReferenceDataError(f"{where}: key {key!r} is not snake_case")


# ------------------------------------------------------------------------------------- loaders


def load_targets_2014(directory: Path = REFERENCE_DIR) -> list[Target]:
    """The plan's 2014 targets, in the order the plan states them."""
    path = Path(directory) / "targets_2014.toml"
    document = _read_toml(path)
    year = document.get("year")
    if year != 2014:
        raise ReferenceDataError(f"{path.name}: year is {year!r}, expected 2014")
    targets, seen = [], set()
    for where, record in _records(document, "target", path):
        _check_fields(
            where,
            record,
            {
                "metric": str,
                "wording_zh": str,
                "label_en": str,
                "value": str,
                "unit": str,
                "tracks_en": str,
            },
            {"yuan": int},
        )
        metric = record["metric"]
        where = f"{where} ({metric})"
        _check_key(where, metric)
        _check_unique(where, seen, metric, "metric")
        value = _decimal(where, record["value"])
        unit = record["unit"]
        yuan = _target_yuan(where, value, unit, record.get("yuan"))
        targets.append(
            Target(
                year=year,
                metric=metric,
                wording_zh=record["wording_zh"],
                label_en=record["label_en"],
                value=value,
                unit=unit,
                yuan=yuan,
                tracks_en=record["tracks_en"],
            )
        )
    return targets


def _decimal(where: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ReferenceDataError(f"{where}: value {text!r} is not a decimal number") from exc
    if not value.is_finite() or value <= 0:
        raise ReferenceDataError(f"{where}: value {text!r} must be a positive number")
    return value


def _target_yuan(where: str, value: Decimal, unit: str, yuan: int | None) -> Decimal | None:
    if unit in COUNT_UNITS:
        if yuan is not None:
            raise ReferenceDataError(f"{where}: a count in {unit} has no yuan amount")
        if value != value.to_integral_value():
            raise ReferenceDataError(f"{where}: a count in {unit} must be whole, got {value}")
        return None
    if unit not in YUAN_PER_UNIT:
        units = sorted(COUNT_UNITS | set(YUAN_PER_UNIT))
        raise ReferenceDataError(f"{where}: unknown unit {unit!r} (known: {units})")
    expected = value * YUAN_PER_UNIT[unit]
    if yuan is None:
        raise ReferenceDataError(f"{where}: money target needs yuan = {expected:f}")
    if Decimal(yuan) != expected:
        raise ReferenceDataError(f"{where}: yuan = {yuan} but {value} {unit} is {expected:f} yuan")
    return Decimal(yuan)


def load_districts(directory: Path = REFERENCE_DIR) -> list[District]:
    """Tianjin's districts with today's codes and names (and their 2014 forms)."""
    path = Path(directory) / "districts.csv"
    columns = ("code", "name_zh", "short_name_zh", "name_en", "name_2014_zh", "code_2014")
    districts, codes, names = [], set(), set()
    for where, row in _read_csv(path, columns):
        for name in columns:
            if not row[name]:
                raise ReferenceDataError(f"{where}: {name} is empty")
        for name in ("code", "code_2014"):
            if not DISTRICT_CODE.match(row[name]):
                raise ReferenceDataError(f"{where}: {name} {row[name]!r} is not a Tianjin code")
        _check_unique(where, codes, row["code"], "code")
        _check_unique(where, names, row["name_zh"], "name")
        districts.append(District(**row))
    return districts


def load_tech_focus(directory: Path = REFERENCE_DIR) -> list[TechFocus]:
    """The industries and technologies the plan pushes."""
    path = Path(directory) / "tech_focus.toml"
    focus, seen = [], set()
    for where, record in _records(_read_toml(path), "focus", path):
        _check_fields(where, record, {"key": str, "name_zh": str, "name_en": str})
        _check_key(where, record["key"])
        _check_unique(where, seen, record["key"])
        focus.append(TechFocus(**record))
    return focus


_INDUSTRY_COLUMNS = ("code", "level", "section", "name_zh", "name_en", "tech_focus")


def _industry_rows(directory: Path) -> list[tuple[str, dict[str, str]]]:
    rows, seen = [], set()
    for where, row in _read_csv(Path(directory) / "industries.csv", _INDUSTRY_COLUMNS):
        for name in ("code", "level", "section", "name_zh", "name_en"):
            if not row[name]:
                raise ReferenceDataError(f"{where}: {name} is empty")
        _check_unique(where, seen, row["code"], "code")
        rows.append((where, row))
    return rows


def load_industry_sections(directory: Path = REFERENCE_DIR) -> list[IndustrySection]:
    """The GB/T 4754-2017 sections (门类) A to T."""
    sections = []
    for where, row in _industry_rows(directory):
        if row["level"] != "section":
            continue
        if not SECTION_CODE.match(row["code"]) or row["section"] != row["code"]:
            raise ReferenceDataError(f"{where}: section code {row['code']!r} is not A-T")
        if row["tech_focus"]:
            raise ReferenceDataError(f"{where}: tech_focus belongs on divisions, not sections")
        sections.append(IndustrySection(row["code"], row["name_zh"], row["name_en"]))
    return sections


def load_industry_divisions(directory: Path = REFERENCE_DIR) -> list[IndustryDivision]:
    """The GB/T 4754-2017 divisions (大类) tech SMEs register under, with their focus tags."""
    sections = {section.code for section in load_industry_sections(directory)}
    focus_keys = {focus.key for focus in load_tech_focus(directory)}
    divisions = []
    for where, row in _industry_rows(directory):
        if row["level"] == "section":
            continue
        if row["level"] != "division":
            raise ReferenceDataError(f"{where}: level {row['level']!r} is not section/division")
        if not DIVISION_CODE.match(row["code"]):
            raise ReferenceDataError(f"{where}: division code {row['code']!r} is not 2 digits")
        if row["section"] not in sections:
            raise ReferenceDataError(f"{where}: section {row['section']!r} is not defined")
        tags = tuple(tag.strip() for tag in row["tech_focus"].split("|") if tag.strip())
        unknown = [tag for tag in tags if tag not in focus_keys]
        if unknown:
            raise ReferenceDataError(f"{where}: unknown tech_focus {unknown} (see tech_focus.toml)")
        if len(set(tags)) != len(tags):
            raise ReferenceDataError(f"{where}: tech_focus repeats a tag: {tags}")
        divisions.append(
            IndustryDivision(row["code"], row["section"], row["name_zh"], row["name_en"], tags)
        )
    return divisions


def load_product_kinds(directory: Path = REFERENCE_DIR) -> list[ProductKind]:
    """The kinds of financing product, with whether each is a (credit) loan."""
    path = Path(directory) / "product_kinds.toml"
    kinds, seen = [], set()
    fields = {"key": str, "name_zh": str, "name_en": str, "is_loan": bool, "is_credit_loan": bool}
    for where, record in _records(_read_toml(path), "kind", path):
        _check_fields(where, record, fields)
        _check_key(where, record["key"])
        _check_unique(where, seen, record["key"])
        if record["is_credit_loan"] and not record["is_loan"]:
            raise ReferenceDataError(f"{where}: a credit loan must also be a loan")
        kinds.append(ProductKind(**record))
    return kinds


def load_institution_kinds(directory: Path = REFERENCE_DIR) -> list[InstitutionKind]:
    """The kinds of institution, with the 2014 target each one counts toward (if any)."""
    path = Path(directory) / "institution_kinds.toml"
    metrics = {target.metric for target in load_targets_2014(directory)}
    kinds, seen = [], set()
    for where, record in _records(_read_toml(path), "kind", path):
        _check_fields(
            where, record, {"key": str, "name_zh": str, "name_en": str}, {"counts_toward": str}
        )
        _check_key(where, record["key"])
        _check_unique(where, seen, record["key"])
        counts_toward = record.get("counts_toward")
        if counts_toward is not None and counts_toward not in metrics:
            raise ReferenceDataError(f"{where}: counts_toward {counts_toward!r} is not a target")
        kinds.append(InstitutionKind(**{"counts_toward": None, **record}))
    return kinds


def load_reference_data(directory: Path = REFERENCE_DIR) -> ReferenceData:
    """Every reference list at once, validated."""
    return ReferenceData(
        targets_2014=load_targets_2014(directory),
        districts=load_districts(directory),
        tech_focus=load_tech_focus(directory),
        industry_sections=load_industry_sections(directory),
        industry_divisions=load_industry_divisions(directory),
        product_kinds=load_product_kinds(directory),
        institution_kinds=load_institution_kinds(directory),
    )
