"""The one password hash every world user shares."""

from __future__ import annotations

import hashlib

from seeds.world.facts import WORLD_PASSWORD


def world_password_hash(method: str = "scrypt", seed: int = 0) -> str:
    """One werkzeug-compatible hash of WORLD_PASSWORD with a salt fixed by the seed.

    Hashing each user's password separately would take minutes (scrypt is slow by design) and
    a random salt would break determinism; demo users share this one hash.
    """
    name, *args = method.split(":")
    if name != "scrypt":
        raise ValueError(f"world users need a scrypt method, not {method!r}")
    n, r, p = (int(a) for a in args) if args else (2**15, 8, 1)
    salt = hashlib.sha256(f"finplatform-world-{seed}".encode()).hexdigest()[:16]
    hashed = hashlib.scrypt(
        WORLD_PASSWORD.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
    ).hex()
    return f"scrypt:{n}:{r}:{p}${salt}${hashed}"
