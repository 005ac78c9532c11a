"""Benchmark of the ranking engine: latency of one request and batch throughput.

Run: ``.venv/bin/python bench/bench_matching.py`` (add ``--quick`` for a short run).
Prints median / p95 latency of ``Ranker.rank`` for one request against 2,000 / 20,000 /
200,000 synthetic products, and the throughput of a batch by two definitions: pairs per second
where a pair is one request × one catalogue product (eligible or not), and eligible pairs per
second (the pairs that pass the hard rules and are actually scored). Batches run one request at
a time (``Ranker.rank``) and in blocks (``Ranker.rank_batch``, also behind ``rank_many``), in
one process and in ``--processes`` forked worker processes (default: one per core), plus the
lean batch on as many threads for comparison. Rates are wall-clock, then per CPU second (the
process's and its finished workers' user + system time); the load average before and after
says how busy the machine was. The bar (DESIGN.md, Matching): 20,000 products under 20 ms
median for one request; a batch at ≥ 1,000,000 pairs/s on 2 cores.
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


def _latency(ranker: Ranker, requests, repeats: int, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return per-call wall-clock and CPU latencies in ms of ranking requests one at a time."""
    for row in range(min(5, len(requests))):  # warm caches and thread pools
        ranker.rank(requests, top_k, row=row)
    wall, cpu = [], []
    for i in range(repeats):
        row = i % len(requests)
        start, start_cpu = time.perf_counter(), time.thread_time()
        ranker.rank(requests, top_k, row=row)
        cpu.append((time.thread_time() - start_cpu) * 1000.0)
        wall.append((time.perf_counter() - start) * 1000.0)
    return np.asarray(wall), np.asarray(cpu)


def main() -> None:
    """Train a model on a synthetic world, then time ranking against growing catalogues."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
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

    print(
        f"\n{'products':>9} {'source':>6} {'eligible':>9} {'median ms':>10} {'p95 ms':>8} "
        f"{'CPU median ms':>14}"
    )
    for n_products in (2_000, 20_000, 200_000):
        products, _ = make_products(n_products, max(80, n_products // 100), rng)
        for source_model in (model, None):
            ranker = Ranker(products, world.history, source_model)
            n = repeats if n_products <= 20_000 else max(20, repeats // 4)
            times, cpu = _latency(ranker, requests, n, top_k=10)
            eligible = np.mean([ranker.rank(requests, 10, row=r).n_eligible for r in range(20)])
            print(
                f"{n_products:>9,} {ranker.source:>6} {eligible:>9,.0f} "
                f"{np.median(times):>10.2f} {np.percentile(times, 95):>8.2f} "
                f"{np.median(cpu):>14.2f}"
            )

    print(
        "\nbatch: top 10 each, model source, 20,000 products; pairs = requests × catalogue, "
        "eligible = pairs that pass the hard rules and are scored"
    )
    products, _ = make_products(20_000, 200, rng)
    ranker = Ranker(products, world.history, model)
    batch = requests.take(np.arange(100 if args.quick else 400))
    pairs = len(batch) * len(products)
    workers = max(args.processes, 1)

    def one_by_one(processes: int, threads: int) -> list:
        return [ranker.rank(batch, 10, row=row) for row in range(len(batch))]

    def batched(processes: int, threads: int) -> list:
        return ranker.rank_batch(batch, 10, n_processes=processes, n_threads=threads)

    def batched_lean(processes: int, threads: int) -> list:
        return ranker.rank_batch(
            batch, 10, n_processes=processes, n_threads=threads, with_exclusions=False
        )

    runs = [("rank, one request at a time", one_by_one, 1, 1)]
    for label, run in (
        ("rank_batch", batched),
        ("rank_batch, with_exclusions=False", batched_lean),
    ):
        runs.extend((label, run, processes, 1) for processes in sorted({1, workers}))
    if workers > 1:
        runs.append(("rank_batch, with_exclusions=False", batched_lean, 1, workers))
    print(f"  load average before: {_load()}")
    print(
        f"  {'path':<52} {'wall s':>7} {'pairs/s':>12} {'eligible/s':>12} {'CPU s':>7} "
        f"{'pairs/CPU s':>12} {'elig./CPU s':>12}"
    )
    for label, run, processes, threads in runs:
        with threadpool_limits(limits=1):  # our workers, not BLAS/OpenMP ones
            run(processes, threads)  # warm up
            before, start = os.times(), time.perf_counter()
            ranked = run(processes, threads)
            elapsed = time.perf_counter() - start
            after = os.times()
        cpu = sum(after[:4]) - sum(before[:4])  # ours and the finished workers', user + system
        eligible = sum(result.n_eligible for result in ranked)
        how = f"{processes} process(es)" if threads == 1 else f"{threads} threads"
        print(
            f"  {label + f' ({how})':<52} {elapsed:>7.2f} "
            f"{pairs / elapsed:>12,.0f} {eligible / elapsed:>12,.0f} {cpu:>7.2f} "
            f"{pairs / cpu:>12,.0f} {eligible / cpu:>12,.0f}"
        )
    print(f"  load average after: {_load()}")
    print(
        "  (on a shared machine other work takes cores too: per CPU second is what each idle "
        "core would do)"
    )


def _load() -> str:
    """Return the 1, 5 and 15-minute load averages (runnable processes per core count)."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
