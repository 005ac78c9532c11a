"""Importing a small module of the platform loads that module, not Flask and every feature.

Each check runs a fresh interpreter: in this one the app is long loaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str, *options: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *options, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def _imported(importtime_output: str) -> set[str]:
    """The modules named by `python -X importtime`'s report (one per line, after the last |)."""
    names = set()
    for line in importtime_output.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names - {"imported package"}


def test_importing_the_credit_code_validator_loads_no_flask():
    result = _run("import finplatform.credit_code", "-X", "importtime")
    imported = _imported(result.stderr)
    assert "finplatform.credit_code" in imported  # the report is read right
    top_level = {name.partition(".")[0] for name in imported}
    for heavy in ("flask", "werkzeug", "sqlalchemy", "sklearn", "numpy", "matching", "seeds"):
        assert heavy not in top_level
    assert {name for name in imported if name.startswith("finplatform")} == {
        "finplatform",
        "finplatform.credit_code",
    }


def test_the_package_loads_nothing_until_the_factory_is_asked_for():
    result = _run(
        "import sys, finplatform\n"
        "print('flask' in sys.modules)\n"
        "from finplatform import create_app\n"
        "print('flask' in sys.modules, create_app.__module__)\n"
        "try:\n"
        "    from finplatform import no_such_name\n"
        "except ImportError:\n"
        "    print('ImportError')\n"
    )
    assert result.stdout.split("\n")[:3] == ["False", "True finplatform.app", "ImportError"]
