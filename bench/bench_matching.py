"""Benchmark of the ranking engine: latency of one request and batch throughput.

Run: ``.venv/bin/python bench/bench_matching.py`` (add ``--quick`` for a short run).
Prints median / p95 latency of ``Ranker.rank`` for one request against 2,000 / 20,000 /
200,000 synthetic products, and the throughput of a batch by two definitions: pairs per second
where a pair is one request × one catalogue product (eligible or not), and eligible pairs per
second (the pairs that pass the hard rules and are actually scored). Batches run one request at
a time (``Ranker.rank``) and in blocks (``Ranker.rank_batch``, also behind ``rank_many``), on
one thread and on ``--threads`` threads (default: one per core). Rates are wall-clock, then per
CPU second of the process; the load average before and after says how busy the machine was.

On a shared machine other work takes the cores, and a wall-clock rate on "2 cores" is whatever
the neighbours leave. ``--idle-runs N`` (Linux) therefore also repeats the batched paths until
N rounds ran with both cores idle (under 8% busy in the second before and just after the round,
read from /proc/stat; at most ``--idle-timeout`` seconds) and prints the median of those.
The bar (DESIGN.md, Matching): 20,000 products under 20 ms median for one request; a batch at
≥ 1,000,000 pairs/s on 2 cores.
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
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--idle-runs", type=int, default=0, help="rounds with both cores idle")
    parser.add_argument("--idle-timeout", type=float, default=1200.0, help="seconds")
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
    threads = max(args.threads, 1)

    def one_by_one(n_threads: int) -> list:
        return [ranker.rank(batch, 10, row=row) for row in range(len(batch))]

    def batched(n_threads: int) -> list:
        return ranker.rank_batch(batch, 10, n_threads=n_threads)

    def batched_lean(n_threads: int) -> list:
        return ranker.rank_batch(batch, 10, n_threads=n_threads, with_exclusions=False)

    paths = [("rank_batch", batched), ("rank_batch, with_exclusions=False", batched_lean)]
    runs = [("rank, one request at a time", one_by_one, 1)]
    runs.extend((label, run, n) for label, run in paths for n in sorted({1, threads}))
    print(f"  load average before: {_load()}")
    print(
        f"  {'path':<48} {'wall s':>7} {'pairs/s':>12} {'eligible/s':>12} {'CPU s':>7} "
        f"{'pairs/CPU s':>12} {'elig./CPU s':>12}"
    )
    eligible = 0
    for label, run, n_threads in runs:
        with threadpool_limits(limits=1):  # our threads, not BLAS/OpenMP ones
            run(n_threads)  # warm up
            cpu, start = time.process_time(), time.perf_counter()
            ranked = run(n_threads)
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
        eligible = sum(result.n_eligible for result in ranked)
        print(
            f"  {label + f' ({n_threads} thread(s))':<48} {elapsed:>7.2f} "
            f"{pairs / elapsed:>12,.0f} {eligible / elapsed:>12,.0f} {cpu:>7.2f} "
            f"{pairs / cpu:>12,.0f} {eligible / cpu:>12,.0f}"
        )
    print(f"  load average after: {_load()}")
    print(
        "  (on a shared machine other work takes cores too: per CPU second is what each idle "
        "core would do)"
    )
    if args.idle_runs > 0:
        variants = [(label, run, n) for label, run in paths for n in sorted({1, threads})]
        walls = _idle_rounds(variants, args.idle_runs, args.idle_timeout)
        print(f"\n  with both cores idle: medians of {len(walls[0])} round(s)")
        for (label, _, n_threads), times in zip(variants, walls, strict=True):
            if times:
                wall = float(np.median(times))
                print(
                    f"  {label + f' ({n_threads} thread(s))':<48} {wall:>7.2f} "
                    f"{pairs / wall:>12,.0f} {eligible / wall:>12,.0f}"
                )


def _busy(seconds: float) -> float:
    """Return the share of all cores that were busy over the next ``seconds`` (/proc/stat)."""

    def sample() -> tuple[float, float]:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [float(value) for value in stat.readline().split()[1:]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all

    idle, total = sample()
    time.sleep(seconds)
    idle_after, total_after = sample()
    return 1.0 - (idle_after - idle) / max(total_after - total, 1.0)


def _idle_rounds(variants: list, rounds: int, timeout: float) -> list[list[float]]:
    """Time every variant once per round, keeping only rounds that ran on idle cores."""
    walls: list[list[float]] = [[] for _ in variants]
    deadline = time.monotonic() + timeout
    with threadpool_limits(limits=1):
        while len(walls[0]) < rounds and time.monotonic() < deadline:
            if _busy(1.0) > 0.08:
                continue
            timed = []
            for _, run, n_threads in variants:
                start = time.perf_counter()
                run(n_threads)
                timed.append(time.perf_counter() - start)
            if _busy(0.5) <= 0.08:
                for times, wall in zip(walls, timed, strict=True):
                    times.append(wall)
    return walls


def _load() -> str:
    """Return the 1, 5 and 15-minute load averages (runnable processes per core count)."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
