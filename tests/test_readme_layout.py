"""The README's layout section is true to the tree: what it names exists, and every package is
named (each top-level package and module, and each sub-package of the project's packages)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Packages whose sub-packages the layout names one by one.
DETAILED = ("finplatform", "matching", "seeds")
INDENT = 2


def layout_entries(readme: str) -> list[str]:
    """The paths the README's "## Layout" code block names, relative to the repository.

    An entry is `<names>  <what it is>`: the names (`models/`, `app.py`) are separated from the
    description by two or more spaces; an entry indented by two spaces is inside the last entry
    above it that is less indented.
    """
    section = readme.split("\n## Layout\n", 1)[1]
    block = section.split("```\n", 2)[1]
    entries, parents = [], []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // INDENT
        names = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0].split()
        del parents[depth:]
        for name in names:
            entries.append("".join(parents) + name)
        if len(names) == 1 and names[0].endswith("/"):
            parents.append(names[0])
    return entries


def packages_to_name(root: Path) -> set[str]:
    """Top-level packages and modules, and the sub-packages of the project's own packages."""
    expected = {f"{init.parent.name}/" for init in root.glob("*/__init__.py")}
    expected |= {path.name for path in root.glob("*.py")}
    for package in DETAILED:
        expected |= {
            f"{package}/{init.parent.name}/" for init in (root / package).glob("*/__init__.py")
        }
    return expected


def test_parsing_the_layout_block():
    readme = (
        "intro\n\n## Layout\n\n```\na/      top\n  b/    inside a\n  c.py  also\nd.py  top\n```\n"
    )
    assert layout_entries(readme) == ["a/", "a/b/", "a/c.py", "d.py"]


def test_everything_the_layout_names_exists():
    entries = layout_entries((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(entries) > 10
    missing = [entry for entry in entries if not (ROOT / entry.rstrip("/")).exists()]
    assert missing == []
    not_dirs = [e for e in entries if e.endswith("/") and not (ROOT / e).is_dir()]
    assert not_dirs == []


def test_every_package_is_in_the_layout():
    entries = set(layout_entries((ROOT / "README.md").read_text(encoding="utf-8")))
    expected = packages_to_name(ROOT)
    assert {"finplatform/", "seeds/world/", "config.py"} <= expected  # the tree is read right
    assert sorted(expected - entries) == []


def test_a_package_missing_from_the_layout_is_noticed(tmp_path):
    for package in ("finplatform/models", "finplatform/newfeature", "seeds", "tests"):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "finplatform" / "__init__.py").write_text("")
    (tmp_path / "wsgi.py").write_text("")
    (tmp_path / "bench").mkdir()  # not a package: need not be named
    readme = (
        "# Intro\n\n## Layout\n\n```\nfinplatform/  the app\n  models/  models\nseeds/  data\n```\n"
    )
    expected = packages_to_name(tmp_path)
    assert sorted(expected - set(layout_entries(readme))) == [
        "finplatform/newfeature/",
        "tests/",
        "wsgi.py",
    ]
