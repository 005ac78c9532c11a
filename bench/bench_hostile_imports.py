"""Benchmark: how fast a hostile workbook is refused, before openpyxl parses anything.

Run: ``.venv/bin/python bench/bench_hostile_imports.py``.
Builds each hostile workbook of tests/test_hostile_workbooks.py (not timed), then prints its
size and the wall-clock time `read_table` takes to refuse it (median of 3). The bar (issue 14):
each answered in under a second.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestingConfig
from finplatform import create_app
from finplatform.exceptions import DomainError
from finplatform.imports.reading import read_table
from tests.test_hostile_workbooks import HOSTILE


def main() -> None:
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    app = create_app(config)
    with app.test_request_context():
        for name, (build, _word) in HOSTILE.items():
            content = build()
            spent = []
            for _ in range(3):
                start = time.perf_counter()
                try:
                    read_table(content, "hostile.xlsx")
                except DomainError as refusal:
                    message = str(refusal.message)
                spent.append(time.perf_counter() - start)
            print(
                f"{name:22s} {len(content) / 1024:8.0f} KB  refused in "
                f"{statistics.median(spent) * 1000:6.0f} ms: {message}"
            )


if __name__ == "__main__":
    main()
