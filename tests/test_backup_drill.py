"""The backup and restore drill (scripts/backup_drill.py) on a scratch PostgreSQL database:
every table's rows and the monthly report's totals are the same after the restore."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from seeds.loader import load_world
from seeds.world import generate_world, world_password_hash

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scratch_url():
    """A scratch database name on the test server; dropped afterwards."""
    server = make_url(os.environ["TEST_DATABASE_URL"])
    prefix = os.environ.get("TEST_SCRATCH_DATABASE_PREFIX", "finplatform_")
    url = server.set(database=f"{prefix}drill_{uuid.uuid4().hex[:8]}")
    yield url
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def _count(url, sql: str):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(sa.text(sql)).scalar_one()
    engine.dispose()
    return value


def test_a_restored_backup_has_every_row_and_the_same_report(db, scratch_url, tmp_path):
    load_world(
        db.session.connection(),
        generate_world("small", 7, world_password_hash("scrypt:1024:8:1", 0)),
    )
    db.session.commit()
    source = os.environ["TEST_DATABASE_URL"]
    dump = tmp_path / "finplatform.dump"

    finished = subprocess.run(
        [
            sys.executable,
            "scripts/backup_drill.py",
            "--source",
            source,
            "--scratch",
            scratch_url.render_as_string(hide_password=False),
            "--month",
            "2014-06",
            "--keep-dump",
            str(dump),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "drill passed" in finished.stdout
    assert "report 2014-06: totals equal" in finished.stdout
    assert dump.stat().st_size > 0
    # Checked here too, independently of the script's own comparison.
    for sql in (
        "SELECT count(*) FROM applications",
        "SELECT count(*) FROM disbursements",
        "SELECT count(*) FROM users",
        "SELECT coalesce(sum(amount_yuan), 0) FROM disbursements "
        "WHERE disbursed_on >= '2014-06-01' AND disbursed_on < '2014-07-01'",
    ):
        assert _count(scratch_url, sql) == _count(make_url(source), sql)
    assert _count(scratch_url, "SELECT count(*) FROM disbursements") > 0


def test_the_drill_refuses_to_restore_over_its_source():
    source = os.environ["TEST_DATABASE_URL"]
    finished = subprocess.run(
        [sys.executable, "scripts/backup_drill.py", "--source", source, "--scratch", source],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode != 0
    assert "must not be the source" in finished.stderr
