"""A service's refusal undoes what the request wrote and reaches the user as words."""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa
from flask import get_flashed_messages
from wtforms import StringField

import finplatform
from finplatform.exceptions import DomainError
from finplatform.forms_support import PlatformForm, refusal_shown
from finplatform.models import Target


class _NameForm(PlatformForm):
    class Meta:
        csrf = False

    name = StringField()


def _a_target() -> Target:
    return Target(
        year=2031,
        metric="firms_served",
        value=10,
        unit="家",
        wording_zh="服务企业",
        label_en="Firms",
    )


def _refusing_service(db, field=None):
    db.session.add(_a_target())
    db.session.flush()
    raise DomainError("名称已被使用", field)


def _targets_of_2031(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Target.year == 2031))


def test_a_refusal_naming_a_field_is_shown_beside_it_and_nothing_is_kept(app, db):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = _NameForm()
        with refusal_shown(form) as attempt:
            _refusing_service(db, "name")
        assert not attempt.ok
        assert form.name.errors == ["名称已被使用"]
        assert get_flashed_messages() == []
    db.session.commit()
    assert _targets_of_2031(db) == 0


def test_a_refusal_without_a_form_is_flashed(app, db):
    with app.test_request_context(method="POST"):
        with refusal_shown() as attempt:
            _refusing_service(db)
        assert not attempt.ok
        assert get_flashed_messages(with_categories=True) == [("danger", "名称已被使用")]


def test_a_call_that_goes_through_keeps_its_writes(app, db):
    with app.test_request_context(method="POST"):
        with refusal_shown() as attempt:
            db.session.add(_a_target())
        assert attempt.ok
    db.session.commit()
    assert _targets_of_2031(db) == 1


def test_a_route_may_ask_for_a_milder_category(app, db):
    with app.test_request_context(method="POST"):
        with refusal_shown(category="warning") as attempt:
            raise DomainError("没有这一项")
        assert not attempt.ok
        assert get_flashed_messages(with_categories=True) == [("warning", "没有这一项")]


def _route_modules() -> list[Path]:
    package = Path(finplatform.__file__).parent
    return sorted(
        path
        for path in package.rglob("*.py")
        if path.name.startswith("routes") or path.name.endswith("_routes.py")
    )


def _hand_written_refusals(path: Path) -> list[str]:
    """Each session rollback and `except DomainError` in one module, as "file:line what"."""
    where = f"{path.parent.name}/{path.name}"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "rollback"
            and ast.unparse(node.func.value).endswith("session")
        ):
            found.append(f"{where}:{node.lineno} session.rollback()")
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = {getattr(name, "id", getattr(name, "attr", None)) for name in caught}
            if "DomainError" in names:
                found.append(f"{where}:{node.lineno} except DomainError")
    return found


def test_the_walk_finds_a_hand_written_refusal(tmp_path):
    module = tmp_path / "example_routes.py"
    module.write_text(
        "def view():\n"
        "    try:\n"
        "        act()\n"
        "    except (KeyError, errors.DomainError):\n"
        "        db.session.rollback()\n"
        "    registry.rollback(version)\n",
        encoding="utf-8",
    )
    assert _hand_written_refusals(module) == [
        f"{tmp_path.name}/example_routes.py:4 except DomainError",
        f"{tmp_path.name}/example_routes.py:5 session.rollback()",
    ]


def test_no_route_module_catches_a_refusal_or_rolls_back_by_hand():
    modules = _route_modules()
    assert len(modules) > 15  # the walk reaches the route modules
    found = [line for path in modules for line in _hand_written_refusals(path)]
    assert found == [], "use refusal_shown from finplatform.forms_support: " + ", ".join(found)
