"""Pick sign-ins and API tokens for the load test from a loaded world; prints JSON.
With `--analyse`, gather the planner's statistics of a freshly loaded world instead.

Run by bench/load_test.py in its own process (the load generator monkey-patches the standard
library, which the database driver must not see).
"""

from __future__ import annotations

import json
import sys

import sqlalchemy as sa

from config import DevelopmentConfig
from finplatform import create_app
from finplatform.api.tokens import create_token, revoke_token, tokens_of
from finplatform.extensions import db
from finplatform.models import (
    FinancingRequest,
    Institution,
    InstitutionStatus,
    RequestStatus,
    Role,
    User,
)
from seeds.world import WORLD_PASSWORD

TOKEN_NAME = "load test"


def fresh_token(user: User) -> str:
    """A new load-test token for `user`, the earlier runs' ones revoked (a user may hold only
    so many)."""
    for token in tokens_of(user):
        if token.name == TOKEN_NAME and token.revoked_at is None:
            revoke_token(token, user)
    return create_token(user, TOKEN_NAME)[1]


def main(count: int) -> dict:
    """Users of each role, open request ids of the enterprise users, and API tokens."""
    app = create_app(DevelopmentConfig())
    with app.app_context():

        def users(role: Role, extra=None) -> list[User]:
            statement = sa.select(User).where(User.role == role, User.active.is_(True))
            if extra is not None:
                statement = statement.where(extra)
            return list(db.session.scalars(statement.order_by(User.id).limit(count)))

        open_request = sa.exists().where(
            FinancingRequest.enterprise_id == User.enterprise_id,
            FinancingRequest.status == RequestStatus.OPEN,
        )
        approved_institution = sa.exists().where(
            Institution.id == User.institution_id,
            Institution.status == InstitutionStatus.APPROVED,
        )
        firms = users(Role.ENTERPRISE, open_request)
        requests = {
            user.email: list(
                db.session.scalars(
                    sa.select(FinancingRequest.id)
                    .where(
                        FinancingRequest.enterprise_id == user.enterprise_id,
                        FinancingRequest.status == RequestStatus.OPEN,
                    )
                    .limit(5)
                )
            )
            for user in firms
        }
        tokens = [{"token": fresh_token(user), "requests": requests[user.email]} for user in firms]
        db.session.commit()
        return {
            "password": WORLD_PASSWORD,
            "enterprise": [{"email": u.email, "requests": requests[u.email]} for u in firms],
            # Staff of approved institutions only: a pending one's pages answer 403 by design.
            "institution": [u.email for u in users(Role.INSTITUTION, approved_institution)],
            "specialist": [u.email for u in users(Role.SPECIALIST)],
            "api": tokens,
        }


def analyse() -> None:
    """VACUUM ANALYZE the database: a world loaded in bulk has no planner statistics until
    autovacuum gets to it (or never, where autovacuum is off), and PostgreSQL then plans the
    pages' queries for empty tables."""
    app = create_app(DevelopmentConfig())
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:] == ["--analyse"]:
        analyse()
    else:
        json.dump(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20), sys.stdout)
