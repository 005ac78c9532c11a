"""The command-line tools an operator runs: seed reference data, create the first admin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from finplatform.models import District, Role, Target, User
from seeds.cli import seed_cli


def test_seed_reference_twice_changes_nothing(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(seed_cli, ["reference"])
    assert first.exit_code == 0, first.output
    assert "districts 16" in first.output
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Target))
    second = runner.invoke(seed_cli, ["reference"])
    assert second.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Target)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(District)) == 16


def test_flask_knows_the_seed_commands_from_the_seeds_entry_point(tmp_path):
    # The platform never imports `seeds`; `flask` finds the group through the installed
    # project's `flask.commands` entry point, as on a fresh machine after `make install`.
    environment = {**os.environ, "FINPLATFORM_INSTANCE_DIR": str(tmp_path)}
    environment.pop("FLASK_APP", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "seed", "--help"],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for command in ("reference", "demo-accounts", "demo "):
        assert command in result.stdout


def test_create_admin_from_options(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Chief@Commission.example.cn",
            "--name",
            "主任",
            "--password",
            "Strong-pass-2014",
        ]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.email == "chief@commission.example.cn"))
    assert admin.role == Role.ADMIN and admin.check_password("Strong-pass-2014")


def test_create_admin_refuses_a_weak_password_with_a_reason(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "a@b.cn", "--name", "x", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "10" in result.output  # the minimum length is named
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_admin_prompts_for_a_hidden_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "p@b.cn", "--name", "x"],
        input="Prompted-pass-99\nPrompted-pass-99\n",
    )
    assert result.exit_code == 0, result.output
    assert "Prompted-pass-99" not in result.output
