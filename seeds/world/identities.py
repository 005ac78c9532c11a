"""Who the world's people and organisations are: names, mobile numbers, credit codes.

All draws come from the one Generator of `seeds.world.generate`, in a fixed order.
"""

from __future__ import annotations

import numpy as np

from finplatform.credit_code import ALPHABET, WEIGHTS
from seeds.world import facts


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Chinese personal names: a surname and one or two given-name characters."""
    surname = rng.integers(len(facts.SURNAMES), size=n)
    first = rng.integers(len(facts.GIVEN), size=n)
    second = rng.integers(len(facts.GIVEN), size=n)
    two = rng.random(n) < 0.6
    return [
        facts.SURNAMES[s] + facts.GIVEN[a] + (facts.GIVEN[b] if t else "")
        for s, a, b, t in zip(
            surname.tolist(), first.tolist(), second.tolist(), two.tolist(), strict=True
        )
    ]


def mobile_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """Mainland mobile numbers (13x-18x)."""
    prefix = rng.choice(np.array([130, 135, 138, 139, 150, 186, 187]), size=n)
    rest = rng.integers(0, 100_000_000, size=n)
    return [f"{p}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)]


def unique_names(names: list[str]) -> list[str]:
    """Make names unique by numbering repeats in order: 某某公司, 某某公司（2）, …."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        result.append(name if count == 1 else f"{name}（{count}）")
    return result


def credit_codes(rng: np.random.Generator, n: int, district_codes: list[str], kind: str) -> list:
    """Unique valid unified social credit codes: 9 + type + division + organisation code.

    The 9-character organisation part is an affine permutation of the record number, so codes
    never repeat; `kind` "1" is an enterprise, "2" another organisation. The check character is
    computed as `finplatform.credit_code` does, vectorised (60,000 codes one by one take seconds).
    """
    modulus = 31**9
    step = int(rng.integers(10**12, 10**13))
    while np.gcd(step, 31) != 1:
        step += 1
    offset = int(rng.integers(0, modulus))
    # Below 2**63: n * step < 10**18.
    remaining = (np.arange(n, dtype=np.int64) * step + offset) % modulus
    digits = np.zeros((n, 17), dtype=np.int64)
    digits[:, 0] = ALPHABET.index("9")
    digits[:, 1] = ALPHABET.index(kind)
    digits[:, 2:8] = np.array([[int(ch) for ch in code] for code in district_codes]).reshape(n, 6)
    for position in range(16, 7, -1):
        digits[:, position] = remaining % 31
        remaining = remaining // 31
    check = (31 - (digits @ np.array(WEIGHTS)) % 31) % 31
    alphabet = np.array(list(ALPHABET))
    chars = alphabet[np.column_stack([digits, check])]
    return ["".join(row) for row in chars.tolist()]
