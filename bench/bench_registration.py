"""Benchmark of a registration: a new e-mail, one that has an account and a credit code
already registered cost the same.

Run: ``.venv/bin/python bench/bench_registration.py`` (``--attempts N``, default 15).
Prints the median and p90 wall-clock time of filing the firm registration form for each case,
on an in-memory SQLite app with the production password hash (scrypt), mail sent inline to a
real local SMTP server (aiosmtpd). Each case runs one password hash and sends one message
(tests/test_registration.py asserts that, and that the pages are the same); the figures show
the times agree, they are not asserted.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller

from config import TestingConfig
from finplatform import create_app
from finplatform.auth import registration, services
from finplatform.credit_code import make_credit_code
from finplatform.extensions import db
from finplatform.models import Enterprise, Role
from seeds.reference_loader import load_reference


class _Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def _form(number: int, **values) -> dict:
    form = {
        "credit_code": make_credit_code(f"91120116MA{number:07d}"),
        "company_name": "天津测试科技有限公司",
        "district": "120116",
        "industry": "39",
        "contact_name": "张三",
        "phone": "13800000000",
        "email": f"new{number}@example.cn",
        "password": "Haihe-river-2049",
        "confirm": "Haihe-river-2049",
    }
    form.update(values)
    return form


def _times(client, forms) -> list[float]:
    spent = []
    for form in forms:
        start = time.perf_counter()
        response = client.post("/auth/register/enterprise", data=form)
        spent.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, response.status_code
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=15)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.REDIS_URL = None
    app = create_app(config, PASSWORD_HASH_METHOD="scrypt", MAIL_SERVER="127.0.0.1")
    app.extensions["mail"].port, app.extensions["mail"].suppress = port, False
    registration.PER_ADDRESS = 10**6
    n = args.attempts
    try:
        with app.app_context():
            db.create_all()
            load_reference()
            taken = make_credit_code("91120116MA9999999")
            db.session.add(
                Enterprise(
                    credit_code=taken, name="已注册", district_code="120116", industry_code="39"
                )
            )
            services.create_user(
                role=Role.SPECIALIST,
                email="known@example.cn",
                name="k",
                password="Haihe-river-2049",
            )
            db.session.commit()
            client = app.test_client()
            _times(client, [_form(n * 3 + k) for k in range(2)])  # warm-up
            cases = (
                ("new e-mail", [_form(k) for k in range(n)]),
                ("e-mail taken", [_form(n + k, email="known@example.cn") for k in range(n)]),
                ("code taken", [_form(2 * n + k, credit_code=taken) for k in range(n)]),
            )
            for label, forms in cases:
                spent = sorted(_times(client, forms))
                p90 = spent[int(0.9 * (len(spent) - 1))]
                print(f"{label:13s} median {statistics.median(spent):7.1f} ms  p90 {p90:7.1f} ms")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
