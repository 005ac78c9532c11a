"""Dependencies run one way (`seeds` → `finplatform` → `matching`) and never in a loop.

The graph is read from the source with `ast` by `tests/import_graph.py` (whose docstring says
how imports inside functions, under TYPE_CHECKING and through a package's `__init__` count).
The last tests run the same checks on small made-up trees, to show each one catches what it is
for.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.import_graph import (
    ROOT,
    arrows_between,
    collect,
    cycles,
    feature_packages,
    is_factory_import,
)


@pytest.fixture(scope="module")
def arrows():
    return collect(ROOT)


def _lines(found) -> list[str]:
    return [str(arrow) for arrow in found]


def test_the_platform_never_imports_seeds(arrows):
    assert _lines(arrows_between(arrows, "finplatform", ["seeds"])) == []


def test_matching_imports_neither_the_platform_nor_flask_nor_sqlalchemy(arrows):
    forbidden = ["finplatform", "seeds", "flask", "flask_sqlalchemy", "sqlalchemy"]
    assert _lines(arrows_between(arrows, "matching", forbidden)) == []


def test_the_access_rule_imports_no_feature(arrows):
    features = feature_packages(ROOT)
    assert "finplatform.ranking" in features and "finplatform.models" not in features
    assert _lines(arrows_between(arrows, "finplatform.access", features)) == []


def test_no_import_loops_not_even_inside_functions(arrows):
    assert cycles(arrows, exempt=is_factory_import) == []


def test_only_the_factory_imports_inside_functions_and_nothing_imports_the_factory(arrows):
    # The lazy `finplatform.create_app` is the one other function-level import.
    inside = {
        (arrow.source, arrow.target)
        for arrow in arrows
        if arrow.function and not arrow.implied and not is_factory_import(arrow)
    }
    assert inside == {("finplatform", "finplatform.app")}
    assert [a for a in arrows if a.target == "finplatform.app" and a.source != "finplatform"] == []


# ------------------------------------------------------------- the walker on made-up trees


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _loops(root: Path, packages=("app",), exempt=lambda arrow: False) -> list[list[str]]:
    return cycles(collect(root, packages), exempt)


def test_a_loop_at_module_level_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": "from app.b import thing\n",
            "app/b.py": "from app import c\n",
            "app/c.py": "import app.a\n",
        },
    )
    assert _loops(root) == [["app.a", "app.b", "app.c"]]


def test_a_loop_through_a_function_level_import_is_found_unless_exempt(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/factory.py": "from app import views\n\ndef build():\n    pass\n",
            "app/views.py": "def view():\n    from app.factory import build\n",
        },
    )
    assert _loops(root) == [["app.factory", "app.views"]]
    assert _loops(root, exempt=lambda arrow: arrow.function == "view") == []


def test_a_loop_through_a_package_init_is_found_but_re_exports_are_not_loops(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "from app.routes import page\n",
            "app/routes.py": "from app.jobs import run\n",
            # `from app import …` of a name needs the package's __init__ to have finished.
            "app/jobs.py": "from app import settings\n",
            "app/models/__init__.py": "from app.models.user import User\n",
            "app/models/user.py": "from app.models.base import Base\n",
            "app/models/base.py": "Base = object\n",
        },
    )
    assert _loops(root) == [["app", "app.jobs", "app.routes"]]


def test_importing_a_submodule_runs_the_packages_on_its_way(tmp_path):
    root = _tree(
        tmp_path,
        {
            "lib/__init__.py": "from lib import heavy\n",
            "lib/heavy.py": "import app.small\n",
            "lib/small.py": "",
            "app/__init__.py": "",
            "app/small.py": "from lib.small import x\n",
        },
    )
    # app.small -> lib.small runs lib/__init__, which imports lib.heavy, which imports app.small.
    assert _loops(root, packages=("app", "lib")) == [["app.small", "lib", "lib.heavy"]]


def test_imports_under_type_checking_are_no_loop_but_still_an_arrow(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.b\n",
            "app/b.py": "import app.a\n",
        },
    )
    assert _loops(root) == []
    assert _lines(arrows_between(collect(root, ("app",)), "app.a", ["app.b"])) != []


def test_forbidden_arrows_are_found_wherever_the_import_is(tmp_path):
    root = _tree(
        tmp_path,
        {
            "finplatform/__init__.py": "",
            "finplatform/models/__init__.py": "",
            "finplatform/ranking/__init__.py": "",
            "finplatform/ranking/pool.py": "",
            "finplatform/access.py": "from .models import User\nfrom .ranking.pool import pool\n",
            "finplatform/admin.py": "def page():\n    from seeds.reference import districts\n",
            "matching/__init__.py": "",
            "matching/model.py": "import sqlalchemy as sa\n",
            "seeds/__init__.py": "",
            "seeds/reference.py": "",
        },
    )
    arrows = collect(root, ("finplatform", "matching", "seeds"))
    assert _lines(arrows_between(arrows, "finplatform", ["seeds"])) == [
        "finplatform.admin:2 in page() -> seeds.reference",
        "finplatform.admin:2 in page() -> seeds (package __init__ on the way)",
    ]
    assert _lines(arrows_between(arrows, "matching", ["sqlalchemy"])) == [
        "matching.model:1 -> sqlalchemy"
    ]
    features = feature_packages(root)
    assert features == ["finplatform.ranking"]
    assert _lines(arrows_between(arrows, "finplatform.access", features)) == [
        "finplatform.access:2 -> finplatform.ranking.pool",
        "finplatform.access:2 -> finplatform.ranking (package __init__ on the way)",
    ]


def test_the_factory_exemption_covers_only_its_own_steps(tmp_path):
    root = _tree(
        tmp_path,
        {
            "finplatform/__init__.py": "",
            "finplatform/app.py": (
                "def create_app():\n    import finplatform.a\n"
                "def register_blueprints(app):\n    import finplatform.b\n"
                "def helper():\n    import finplatform.c\n"
            ),
            "finplatform/a.py": "",
            "finplatform/b.py": "",
            "finplatform/c.py": "",
            "finplatform/d.py": "def create_app():\n    import finplatform.a\n",
        },
    )
    exempt = {a.target for a in collect(root, ("finplatform",)) if is_factory_import(a)}
    assert exempt == {"finplatform.a", "finplatform.b"}
