"""The reference lists of `seeds/reference/` into the database, idempotently (`flask seed
reference`)."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import District, Industry, InstitutionKind, ProductKind, Target
from seeds.reference import load_reference_data


def _upsert(model, key: str, rows: list[dict]) -> int:
    """Insert missing rows and update changed ones by primary key; returns the row count."""
    existing = {getattr(row, key): row for row in db.session.scalars(sa.select(model))}
    for values in rows:
        current = existing.get(values[key])
        if current is None:
            db.session.add(model(**values))
        else:
            for name, value in values.items():
                if getattr(current, name) != value:
                    setattr(current, name, value)
    db.session.flush()
    return len(rows)


def _upsert_targets(targets) -> int:
    existing = {(row.year, row.metric): row for row in db.session.scalars(sa.select(Target))}
    for order, target in enumerate(targets):
        values = {
            "year": target.year,
            "metric": target.metric,
            "value": target.value,
            "unit": target.unit,
            "value_yuan": target.yuan,
            "wording_zh": target.wording_zh,
            "label_en": target.label_en,
            "tracks_en": target.tracks_en,
            "sort_order": order,
        }
        current = existing.get((target.year, target.metric))
        if current is None:
            db.session.add(Target(**values))
            continue
        # A target an admin has edited keeps the admin's value; only wording follows the seed.
        if current.updated_at is None:
            for name, value in values.items():
                if getattr(current, name) != value:
                    setattr(current, name, value)
    db.session.flush()
    return len(targets)


def load_reference() -> dict[str, int]:
    """Load every reference list; running it twice leaves the same rows."""
    data = load_reference_data()
    counts = {}
    counts["districts"] = _upsert(
        District,
        "code",
        [
            {
                "code": d.code,
                "name_zh": d.name_zh,
                "name_en": d.name_en,
                "short_name_zh": d.short_name_zh,
                "name_2014_zh": d.name_2014_zh,
                "code_2014": d.code_2014,
            }
            for d in data.districts
        ],
    )
    sections = [
        {
            "code": s.code,
            "level": "section",
            "section_code": s.code,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "tech_focus": "",
        }
        for s in data.industry_sections
    ]
    divisions = [
        {
            "code": d.code,
            "level": "division",
            "section_code": d.section,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "tech_focus": ",".join(d.tech_focus),
        }
        for d in data.industry_divisions
    ]
    counts["industries"] = _upsert(Industry, "code", sections + divisions)
    counts["product_kinds"] = _upsert(
        ProductKind,
        "code",
        [
            {
                "code": k.key,
                "name_zh": k.name_zh,
                "name_en": k.name_en,
                "is_loan": k.is_loan,
                "is_credit_loan": k.is_credit_loan,
                "sort_order": order,
            }
            for order, k in enumerate(data.product_kinds)
        ],
    )
    counts["institution_kinds"] = _upsert(
        InstitutionKind,
        "code",
        [
            {"code": k.key, "name_zh": k.name_zh, "name_en": k.name_en, "sort_order": order}
            for order, k in enumerate(data.institution_kinds)
        ],
    )
    counts["targets"] = _upsert_targets(data.targets_2014)
    return counts
