"""A deterministic demo world: firms, institutions, products and 2012-2014 financing history.

`generate_world(size, seed)` draws it (`seeds.world.generate`, which also writes down the hidden
process its outcomes come from); `seeds.loader` writes its rows to the database.
"""

from __future__ import annotations

from seeds.world.facts import DEMO_ENTERPRISE, DEMO_INSTITUTION_NAME, SIZES, WORLD_PASSWORD
from seeds.world.generate import DEMO_ENTERPRISE_CODE, generate_world
from seeds.world.passwords import world_password_hash
from seeds.world.rows import TableRows, World

__all__ = [
    "DEMO_ENTERPRISE",
    "DEMO_ENTERPRISE_CODE",
    "DEMO_INSTITUTION_NAME",
    "SIZES",
    "WORLD_PASSWORD",
    "TableRows",
    "World",
    "generate_world",
    "world_password_hash",
]
