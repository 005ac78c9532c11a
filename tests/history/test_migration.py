"""The migration that adds attribute history starts it from the rows already stored."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from finplatform.extensions import db
from seeds.reference_loader import load_reference
from tests.test_migrations import _app_on

BEFORE_HISTORY = "54a5888c9aee"


def test_upgrading_a_database_with_data_starts_every_history(tmp_path):
    app = _app_on(f"sqlite:///{tmp_path / 'stored.db'}", tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE_HISTORY)
        load_reference()
        db.session.commit()
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO enterprises (id, credit_code, name, district_code,"
                    " industry_code, employees, patents, is_little_giant, is_high_tech,"
                    " created_at) VALUES (1, '91120116MA0511111N', '海河传感', '120113',"
                    " '39', 44, 3, 1, 0, '2013-01-01 00:00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO institutions (id, name, kind_code, district_code, status,"
                    " approved_at, created_at) VALUES (1, '武清信用共同体', 'credit_community',"
                    " '120114', 'approved', '2014-03-01 02:00:00', '2013-01-01 00:00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO community_memberships (community_id, enterprise_id, joined_at)"
                    " VALUES (1, 1, '2014-04-01 00:00:00')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            firm = connection.execute(
                sa.text(
                    "SELECT valid_from, valid_to, district_code, employees, is_little_giant"
                    " FROM firm_attribute_history"
                )
            ).all()
            standing = connection.execute(
                sa.text("SELECT valid_from, status FROM institution_standing_history ORDER BY id")
            ).all()
            members = connection.execute(
                sa.text(
                    "SELECT community_id, enterprise_id, valid_to FROM community_membership_history"
                )
            ).all()
        db.engine.dispose()
    assert [tuple(row) for row in firm] == [(None, None, "120113", 44, 1)]
    assert [row.status for row in standing] == ["pending", "approved"]
    assert standing[0].valid_from is None and standing[1].valid_from.startswith("2014-03-01")
    assert [tuple(row) for row in members] == [(1, 1, None)]
