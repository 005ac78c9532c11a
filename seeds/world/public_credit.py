"""Public-credit records of the demo world, drawn from each firm's latent credit quality.

`draw_records` is the generator: given the firms and one latent quality per firm (higher is
better; about N(0, 1)), it draws tax grades by year, social-security headcounts by month,
utility arrears, court judgements and the 失信被执行人 list, penalties, tech-SME
registrations, 高新 certificates and patents, so that the records say something true about
the firm that later repays or defaults.

The latent quality is the hidden credit process of the loans world (`seeds/world/credit.py`,
`credit_quality`): the same quality that decides which loans are repaid, so the records reveal
what later happens. `world_credit_quality` finds it for the firms on the platform by drawing
the world's firms again (the world's first draws, `seeds.world.generate.world_firms`) for the
size whose credit codes match; a firm the world does not know (one added by hand) gets
`placeholder_quality`: the middle of the band of its stored `credit_rating` (AAA … C, the
bands the world's ratings were cut from), 0 when unrated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from finplatform.credit.records import load_records
from finplatform.models import CreditBatchChannel, CreditRecordBatch, Enterprise
from seeds.world.credit import credit_quality
from seeds.world.facts import CREDIT_RATINGS, SIZES
from seeds.world.generate import world_firms

# Midpoints of the bands the world cut its ratings from (firms.py): C … AAA.
RATING_QUALITY = dict(
    zip(CREDIT_RATINGS, (-3.0, -2.3, -1.7, -1.1, -0.55, 0.0, 0.6, 1.25, 2.0), strict=True)
)
SOURCES = {
    "tax_grade": "国家税务总局天津市税务局",
    "social_security": "天津市人力资源和社会保障局",
    "utility_arrears": "天津市水务、电力、燃气企业",
    "court_judgement": "天津市各级人民法院",
    "dishonest_debtor": "最高人民法院失信被执行人名单",
    "penalty": "天津市市场监督管理委员会",
    "tech_sme": "天津市科学技术委员会",
    "high_tech": "天津市高新技术企业认定管理机构",
    "little_giant": "天津市科学技术委员会",
    "patent": "国家知识产权局",
}
MAX_PATENT_RECORDS = 20


@dataclass(frozen=True)
class Firm:
    """What the generator reads of a firm."""

    id: int
    credit_code: str
    founded_on: date | None
    employees: int
    patents: int
    is_high_tech: bool
    is_little_giant: bool = False


def placeholder_quality(credit_rating: str | None) -> float:
    """A stand-in latent quality from the stored rating, for firms the world does not know."""
    return RATING_QUALITY.get(credit_rating or "", 0.0)


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _tax_grade(score: float, new_firm: bool) -> str:
    if new_firm:
        return "M"  # the grade for a firm in its first year of business
    for threshold, grade in ((0.6, "A"), (-0.6, "B"), (-1.8, "C")):
        if score > threshold:
            return grade
    return "D"


def _events(rng, rate: float, start: date, end: date) -> list[date]:
    """Days of a Poisson process with `rate` events a year between start and end."""
    days = (end - start).days
    count = rng.poisson(rate * days / 365.0)
    return sorted(start + timedelta(days=int(d)) for d in rng.integers(0, days, count))


def _firm_records(rng, firm: Firm, quality: float, start: date, end: date) -> list[dict]:
    records: list[dict] = []

    def add(kind: str, as_of: date, **values) -> None:
        records.append(
            {"enterprise_id": firm.id, "kind": kind, "as_of": as_of, "source": SOURCES[kind]}
            | values
        )

    founded = firm.founded_on or start
    for year in range(max(start.year, founded.year), end.year):
        score = quality + rng.normal(0.0, 0.6)
        add("tax_grade", date(year, 12, 31), grade=_tax_grade(score, year == founded.year))
    headcount = max(firm.employees, 1)
    for offset in range(12):
        month = end.month - 11 + offset
        year = end.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        drift = np.exp(0.01 * quality * (offset - 11) + rng.normal(0.0, 0.02))
        add("social_security", _month_end(year, month), quantity=int(round(headcount * drift)))
    for number, day in enumerate(_events(rng, float(np.exp(-2.3 - 1.2 * quality)), start, end)):
        amount = Decimal(int(np.exp(rng.normal(8.5, 1.0)))).quantize(Decimal("0.01"))
        add("utility_arrears", day, amount_yuan=amount, reference=f"欠费{firm.id}-{number + 1}")
    for number, day in enumerate(_events(rng, float(np.exp(-3.0 - 1.0 * quality)), start, end)):
        amount = Decimal(int(np.exp(rng.normal(12.0, 1.2)))).quantize(Decimal("0.01"))
        reference = f"({day.year})津{number + 1:02d}民初{firm.id % 9000 + 100}号"
        add("court_judgement", day, reference=reference, amount_yuan=amount)
        if rng.random() < _sigmoid(-2.0 - 1.5 * quality):
            listed = min(day + timedelta(days=int(rng.integers(60, 240))), end)
            reference = f"({listed.year})津执{firm.id:05d}-{number + 1}号"
            add("dishonest_debtor", listed, reference=reference)
    for number, day in enumerate(_events(rng, float(np.exp(-3.3 - 0.6 * quality)), start, end)):
        add("penalty", day, reference=f"津市监罚〔{day.year}〕{firm.id:05d}{number}号")
    for year in range(max(start.year, founded.year + 1), end.year + 1):
        if firm.employees <= 500 and rng.random() < _sigmoid(0.8 + 0.5 * quality):
            registered = date(year, 5, 1) + timedelta(days=int(rng.integers(0, 120)))
            add("tech_sme", registered, reference=f"{year}12011{firm.id:06d}")
    if firm.is_high_tech and rng.random() < 0.85:  # some claims have no certificate behind them
        issued = date(end.year - int(rng.integers(0, 3)), 10, 1) + timedelta(
            days=int(rng.integers(0, 60))
        )
        add(
            "high_tech",
            min(issued, end),
            reference=f"GR{issued.year}12{firm.id:06d}",
            valid_until=issued + timedelta(days=3 * 365),
        )
    if firm.is_little_giant:  # the commission's designation, renewed each year (no draw)
        for year in range(max(start.year - 1, founded.year), end.year + 1):
            if date(year, 3, 1) > end:
                break
            add(
                "little_giant",
                date(year, 3, 1),
                reference=f"XJR{year}{firm.id:06d}",
                valid_until=date(year + 1, 3, 31),
            )
    for number in range(min(firm.patents, MAX_PATENT_RECORDS)):
        granted = start + timedelta(days=int(rng.integers(0, (end - start).days)))
        add("patent", granted, reference=f"ZL{granted.year}1{firm.id:06d}{number:02d}")
    return records


def draw_records(
    firms: list[Firm], quality: np.ndarray, *, start: date, end: date, seed: int
) -> list[dict]:
    """Every record of every firm between start and end, the same for the same inputs."""
    if len(firms) != len(quality):
        raise ValueError("one latent quality per firm")
    rng = np.random.default_rng(seed)
    records: list[dict] = []
    for firm, latent in zip(firms, quality.tolist(), strict=True):
        records.extend(_firm_records(rng, firm, float(latent), start, end))
    return records


def _world_quality(codes: list[str], seed: int) -> dict[str, float]:
    """Credit code → the hidden credit quality, from the world size that knows most codes."""
    wanted = set(codes)
    best: dict[str, float] = {}
    for size in SIZES:
        drawn = world_firms(size, seed)
        known = wanted.intersection(drawn.codes)
        if len(known) > len(best):
            quality = credit_quality(drawn.quality, seed)
            best = {code: float(q) for code, q in zip(drawn.codes, quality, strict=True)}
            best = {code: best[code] for code in known}
        if len(known) == len(wanted):
            break
    return best


def world_credit_quality(session, seed: int) -> tuple[list[Firm], np.ndarray]:
    """The platform's firms and each one's hidden credit quality (the loans world's), or the
    stand-in from its stored rating for a firm the world does not know."""
    rows = session.execute(
        sa.select(
            Enterprise.id,
            Enterprise.credit_code,
            Enterprise.founded_on,
            Enterprise.employees,
            Enterprise.patents,
            Enterprise.is_high_tech,
            Enterprise.credit_rating,
            Enterprise.is_little_giant,
        ).order_by(Enterprise.id)
    ).all()
    firms = [
        Firm(
            row.id,
            row.credit_code,
            row.founded_on,
            row.employees or 0,
            row.patents or 0,
            bool(row.is_high_tech),
            bool(row.is_little_giant),
        )
        for row in rows
    ]
    known = _world_quality([row.credit_code for row in rows], seed)
    quality = [known.get(row.credit_code, placeholder_quality(row.credit_rating)) for row in rows]
    return firms, np.array(quality, dtype=float)


def load_world_records(session, *, seed: int, start: date, end: date) -> CreditRecordBatch:
    """Draw every firm's records and load them as one demo batch (a re-run changes nothing)."""
    firms, quality = world_credit_quality(session, seed)
    records = draw_records(firms, quality, start=start, end=end, seed=seed)
    return load_records(records, source="演示数据", channel=CreditBatchChannel.DEMO, actor=None)
