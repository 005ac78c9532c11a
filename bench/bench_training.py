"""Training time: the platform's own training run on a loaded world's history.

Run: ``.venv/bin/python bench/bench_seed.py`` first (it loads the ``full`` world into the
``world_scratch`` PostgreSQL database), then ``.venv/bin/python bench/bench_training.py [--url
postgresql+psycopg://…/world_scratch]`` (default: $BENCH_DATABASE_URL, else that database; any
database the platform runs on works, e.g. a SQLite file from ``flask seed demo``).

It calls ``finplatform.ranking.registry.train_version``, what ``flask matching train`` and the
training job run: read every answered application through the platform's adapter
(``finplatform.ranking.tables``), train ``matching.model.train_model`` with the platform's
default parameters for a history of that size, save the artifact (into a temporary model
store) and score it against the rule score on its held-out window. The version row is rolled
back, so the database is left as it was. Prints the seconds of each phase (timed by the
run's own progress reports), the rows (answered applications, training and held-out pairs),
the held-out metrics and the blend's weights, and the load average before and after.
Scikit-learn's boosting uses OpenMP threads: all cores by default, as the platform does
(``--threads N`` to limit them).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestingConfig
from finplatform import create_app
from finplatform.extensions import db
from finplatform.ranking import registry

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/world_scratch"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


def main() -> int:
    """Run one platform training on the database's history and print where the time goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--threads", type=int, default=None, help="OpenMP threads (default all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as store:
        app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=args.url, MODEL_STORE=store)
        with app.app_context(), threadpool_limits(limits=args.threads, user_api="openmp"):
            openmp = [
                pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"
            ]
            print(
                f"{db.engine.url.render_as_string(hide_password=True)} on {platform.node()}; "
                f"OpenMP threads {openmp or 'none'}; load average before: {_load()}"
            )
            marks = []

            def progress(done: int, total: int, label: str) -> None:
                marks.append((time.perf_counter(), time.process_time(), label))

            version = registry.train_version(auto_promote=False, progress=progress)
            details, metrics = version.details, version.metrics
            booster_weight, _, linear_weight = (*registry.load_version(version).calibration, 0.0)[
                :3
            ]
            db.session.rollback()
            db.session.remove()
    print(f"load average after: {_load()}")
    print(f"\n{'phase':<36}{'wall s':>8}{'CPU s':>8}")
    for (start, cpu_start, label), (end, cpu_end, _) in zip(marks, marks[1:], strict=False):
        print(f"{label:<36}{end - start:>8.1f}{cpu_end - cpu_start:>8.1f}")
    print(f"{'total':<36}{marks[-1][0] - marks[0][0]:>8.1f}{marks[-1][1] - marks[0][1]:>8.1f}")
    rows = details["rows"]
    print(
        f"\nrows: {rows['training'] + rows['validation']:,} answered applications "
        f"(training {rows['training']:,}, held out {rows['validation']:,}); "
        f"params {details['params']}"
    )
    print(
        f"probability blend: {booster_weight:.2f} × booster logit + "
        f"{linear_weight:.2f} × linear logit"
    )
    print(f"\n{'held-out ranking':<24}{'NDCG@10':>8}{'MRR':>7}{'requests':>9}")
    for name in ("model", "linear_stage", "rule", "popularity", "random"):
        print(
            f"{name:<24}{metrics[name]['ndcg@10']:>8.3f}{metrics[name]['mrr']:>7.3f}"
            f"{metrics[name]['requests']:>9,.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
