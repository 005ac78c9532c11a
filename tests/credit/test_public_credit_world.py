"""The demo world's public-credit records: drawn from each firm's latent quality (better firms
get better tax grades and fewer arrears, judgements and penalties), the same for the same
seed, within the record rules, and loaded idempotently by `flask seed credit-records`."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import sqlalchemy as sa

from finplatform.credit.records import record_problems
from finplatform.models import CreditRecord
from seeds.cli import seed_cli
from seeds.world.public_credit import Firm, draw_records, placeholder_quality

START, END = date(2012, 1, 1), date(2014, 12, 31)


def _firms(n: int) -> list[Firm]:
    return [Firm(i, f"code{i}", date(2010, 1, 1), 40, 3, i % 2 == 0) for i in range(1, n + 1)]


def _by_firm(records, kind):
    counts = Counter(r["enterprise_id"] for r in records if r["kind"] == kind)
    return counts


def test_better_latent_quality_gives_better_records():
    firms = _firms(600)
    quality = np.where(np.arange(600) < 300, 1.5, -1.5)  # first half good, second half poor
    records = draw_records(firms, quality, start=START, end=END, seed=7)
    good_ids, poor_ids = set(range(1, 301)), set(range(301, 601))

    grades = {ids: Counter() for ids in ("good", "poor")}
    for r in records:
        if r["kind"] == "tax_grade":
            grades["good" if r["enterprise_id"] in good_ids else "poor"][r["grade"]] += 1
    assert grades["good"]["A"] > 5 * max(grades["poor"]["A"], 1)
    assert grades["poor"]["C"] + grades["poor"]["D"] > 5 * max(
        grades["good"]["C"] + grades["good"]["D"], 1
    )
    for kind in ("utility_arrears", "court_judgement", "penalty"):
        counts = _by_firm(records, kind)
        good = sum(counts[i] for i in good_ids)
        poor = sum(counts[i] for i in poor_ids)
        assert poor > 2 * good, kind


def test_the_same_seed_draws_the_same_records_and_every_record_keeps_the_rules(app):
    firms = _firms(50)
    quality = np.linspace(-2, 2, 50)
    first = draw_records(firms, quality, start=START, end=END, seed=3)
    assert first == draw_records(firms, quality, start=START, end=END, seed=3)
    assert first != draw_records(firms, quality, start=START, end=END, seed=4)
    assert {r["kind"] for r in first} >= {"tax_grade", "social_security", "patent", "tech_sme"}
    assert all(record_problems(r) == [] for r in first)
    assert all(START <= r["as_of"] <= END for r in first)


def test_the_placeholder_quality_follows_the_stored_rating():
    ladder = [placeholder_quality(r) for r in ("C", "CCC", "B", "BBB", "A", "AAA")]
    assert ladder == sorted(ladder)
    assert placeholder_quality(None) == 0.0


def test_seeding_records_twice_changes_nothing(app, make, db, pin_today):
    pin_today(END)
    for rating in ("AAA", "BB", None):
        make.enterprise(credit_rating=rating, employees=30, patents=2, founded_on=date(2011, 5, 1))
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(seed_cli, ["credit-records", "--seed", "5"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(sa.select(sa.func.count(CreditRecord.id)))
    assert count > 0 and f"{count} created" in first.output
    again = runner.invoke(seed_cli, ["credit-records", "--seed", "5"])
    assert f"0 created, 0 updated, {count} unchanged" in again.output


def test_the_records_draw_from_the_same_credit_quality_as_the_loans():
    from seeds.world import generate_world
    from seeds.world.credit import credit_quality
    from seeds.world.generate import world_firms
    from seeds.world.public_credit import _world_quality

    world = generate_world("small", 2014)
    firms = world.draws["firms"]
    assert world_firms("small", 2014).codes == firms.codes
    # The loans' repayment is drawn from credit_quality(firms.quality, seed) (loan_rows).
    expected = credit_quality(firms.quality, 2014)
    found = _world_quality(firms.codes[:5] + ["911201169999999999"], 2014)
    assert found == {code: float(q) for code, q in zip(firms.codes[:5], expected[:5], strict=True)}
