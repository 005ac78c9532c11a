"""Two writers at once on PostgreSQL, for the tests that their facts lose nothing."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session


def two_writers_at_once(app, db, add) -> list[str]:
    """Two transactions writing at once, 100,000 then 200,000: the first flushes
    `add(session, amount)`'s rows and holds its transaction half a second before committing;
    the second starts once the first has flushed. Returns the order in which they flushed and
    committed; fails if either raised."""
    first_in = threading.Event()
    order: list[str] = []
    errors: list[BaseException] = []

    def write(amount: str, first: bool) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                if not first:
                    first_in.wait(timeout=10)
                add(session, amount)
                session.flush()
                order.append(f"flushed {amount}")
                if first:
                    first_in.set()
                    time.sleep(0.5)
                    order.append(f"committing {amount}")
                session.commit()
                order.append(f"committed {amount}")
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
            first_in.set()

    threads = [
        threading.Thread(target=write, args=("100000", True)),
        threading.Thread(target=write, args=("200000", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    return order
