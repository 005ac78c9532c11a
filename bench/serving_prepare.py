"""Prepare bench/bench_serving.py's world in one process; prints JSON (tokens and request ids).

The database named by DATABASE_URL is emptied, given the schema, the reference data and the
`small` world; every firm's credit profile is stored as of yesterday (a live platform stores a
version whenever a firm's records are imported or its figures change, so serving reads it
rather than scoring the records); a model is trained and promoted; the nightly re-ranking of
open requests runs once, as on a live platform (so each open request has its first ranking
time, as it would a day after its posting); every firm with an open request gets an API user
and a token. Run by bench/bench_serving.py in its own process, as load_prepare.py is.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import stamp

from config import DevelopmentConfig
from finplatform import clock, create_app
from finplatform.api.tokens import create_token
from finplatform.credit.versions import refresh_profiles
from finplatform.extensions import db
from finplatform.models import Enterprise, FinancingRequest, RequestStatus, Role, User
from finplatform.ranking.batch import rematch_open_requests
from finplatform.ranking.registry import train_version
from seeds import loader as world_loader
from seeds import world as demo_world
from seeds.reference_loader import load_reference


def prepare(size: str) -> dict:
    """Load the world, train, rank, make tokens; returns {"requests": [[open request id,
    token], ...]}."""
    phases = {}
    started = time.perf_counter()
    app = create_app(DevelopmentConfig())
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        stamp()
        load_reference()
        db.session.commit()
        phases["schema"] = time.perf_counter() - started
        password_hash = demo_world.world_password_hash(app.config["PASSWORD_HASH_METHOD"], 2014)
        world = demo_world.generate_world(size, 2014, password_hash=password_hash)
        world_loader.load_world(db.session.connection(), world)
        db.session.commit()
        refresh_profiles(
            db.session.scalars(sa.select(Enterprise.id)).all(), clock.today() - timedelta(days=1)
        )
        db.session.commit()
        phases["world"] = time.perf_counter() - started - phases["schema"]
        train_version()
        db.session.commit()
        phases["training"] = time.perf_counter() - started - sum(phases.values())
        rematch_open_requests(progress=lambda *_: None)
        phases["nightly ranking"] = time.perf_counter() - started - sum(phases.values())
        users = {
            user.enterprise_id: user
            for user in db.session.scalars(sa.select(User).where(User.role == Role.ENTERPRISE))
        }
        pairs = []
        tokens = {}
        for request_id, enterprise_id in db.session.execute(
            sa.select(FinancingRequest.id, FinancingRequest.enterprise_id)
            .where(FinancingRequest.status == RequestStatus.OPEN)
            .order_by(FinancingRequest.id)
        ):
            if enterprise_id not in users:
                users[enterprise_id] = User(
                    email=f"bench-{enterprise_id}@bench.local",
                    name=f"bench {enterprise_id}",
                    password_hash=password_hash,
                    role=Role.ENTERPRISE,
                    enterprise_id=enterprise_id,
                )
                db.session.add(users[enterprise_id])
                db.session.flush()
            if enterprise_id not in tokens:
                tokens[enterprise_id] = create_token(users[enterprise_id], "bench")[1]
            pairs.append([request_id, tokens[enterprise_id]])
        db.session.commit()
        db.engine.dispose()
    return {"requests": pairs, "phases": phases}


if __name__ == "__main__":
    json.dump(prepare(sys.argv[1] if len(sys.argv) > 1 else "small"), sys.stdout)
