"""Benchmark of the ranking engine: latency of one request and batch throughput.

Run: ``.venv/bin/python bench/bench_matching.py`` (add ``--quick`` for a short run).
Prints median / p95 latency of ``Ranker.rank`` for one request against 2,000 / 20,000 /
200,000 synthetic products, and pairs per second of a batch (``Ranker.rank_many``), where a
pair is one request × one catalogue product (eligible or not). The bar (DESIGN.md, Matching):
20,000 products under 20 ms median for one request; a batch at ≥ 1,000,000 pairs/s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.model import train_model
from matching.ranker import Ranker
from matching.synthetic import make_products, make_requests, make_world


def _latency(ranker: Ranker, requests, repeats: int, top_k: int) -> np.ndarray:
    """Return per-call latencies in ms of ranking requests one at a time."""
    for row in range(min(5, len(requests))):  # warm caches and thread pools
        ranker.rank(requests, top_k, row=row)
    times = []
    for i in range(repeats):
        row = i % len(requests)
        start = time.perf_counter()
        ranker.rank(requests, top_k, row=row)
        times.append((time.perf_counter() - start) * 1000.0)
    return np.asarray(times)


def main() -> None:
    """Train a model on a synthetic world, then time ranking against growing catalogues."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    repeats = 50 if args.quick else 200

    print(f"python {platform.python_version()}, {os.cpu_count()} cores, numpy {np.__version__}")
    start = time.perf_counter()
    world = make_world(n_requests=5000, n_products=600, n_institutions=80, seed=7)
    with threadpool_limits(limits=1, user_api="openmp"):  # robust on a shared, busy machine
        model = train_model(world.requests, world.products, world.history)
    print(
        f"trained on {len(world.history):,} applications in {time.perf_counter() - start:.1f} s; "
        f"validation ndcg@10 {model.metadata['metrics']['model']['ndcg@10']:.3f}"
    )
    rng = np.random.default_rng(11)
    requests = make_requests(400, 720, rng)
    requests.posted_at = requests.posted_at + 400  # after most of the history

    print(f"\n{'products':>9} {'source':>6} {'eligible':>9} {'median ms':>10} {'p95 ms':>8}")
    for n_products in (2_000, 20_000, 200_000):
        products, _ = make_products(n_products, max(80, n_products // 100), rng)
        for source_model in (model, None):
            ranker = Ranker(products, world.history, source_model)
            n = repeats if n_products <= 20_000 else max(20, repeats // 4)
            times = _latency(ranker, requests, n, top_k=10)
            eligible = np.mean([ranker.rank(requests, 10, row=r).n_eligible for r in range(20)])
            print(
                f"{n_products:>9,} {ranker.source:>6} {eligible:>9,.0f} "
                f"{np.median(times):>10.2f} {np.percentile(times, 95):>8.2f}"
            )

    print("\nbatch (rank_many, top 10 each, model source)")
    products, _ = make_products(20_000, 200, rng)
    ranker = Ranker(products, world.history, model)
    batch = requests.take(np.arange(100 if args.quick else 400))
    for threads in sorted({1, args.threads}):
        ranker.rank_many(batch.take(np.arange(10)), n_threads=threads)
        start = time.perf_counter()
        ranked = ranker.rank_many(batch, n_threads=threads)
        elapsed = time.perf_counter() - start
        pairs = len(batch) * len(products)
        eligible = sum(result.n_eligible for result in ranked)
        print(
            f"  {threads} thread(s): {len(batch)} requests × {len(products):,} products = "
            f"{pairs:,} pairs in {elapsed:.2f} s → {pairs / elapsed:,.0f} pairs/s "
            f"({eligible / elapsed:,.0f} eligible pairs/s)"
        )


if __name__ == "__main__":
    main()
