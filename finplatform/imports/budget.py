"""What one import may spend: its job's time (RQ's job timeout) and its memory.

In a worker's work horse — a process forked for this one job — the address space may grow by
at most IMPORT_MEMORY_BYTES while the import runs; beyond it allocations fail with MemoryError
and the batch is marked failed with nothing saved. Run inline (no Redis, inside a web process
whose other threads must not be starved) the limit is not applied; the checks before parsing
(`xlsx_guard`) hold either way.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_MEMORY_BYTES = 1024 * 1024 * 1024
IMPORT_TIMEOUT_SECONDS = 600


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_limit(extra_bytes: int = IMPORT_MEMORY_BYTES) -> Iterator[None]:
    """Let the process's address space grow by at most `extra_bytes` inside the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
