"""What `make bench` is doing while it runs: a line on stderr when a benchmark starts and
finishes and at each repetition, with the time since the run began (stdout keeps the report)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_RUN_STARTED = time.monotonic()


def note(text: str) -> None:
    """One progress line, flushed at once (the run takes minutes)."""
    print(f"[bench {time.monotonic() - _RUN_STARTED:7.1f} s] {text}", file=sys.stderr, flush=True)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """`name` started, then finished (or failed) with how long it took."""
    note(f"{name}: started")
    began = time.monotonic()
    try:
        yield
    except BaseException:
        note(f"{name}: failed after {time.monotonic() - began:.1f} s")
        raise
    note(f"{name}: finished in {time.monotonic() - began:.1f} s")


def repetition(name: str, done: int, total: int) -> None:
    """`name` has done `done` of its `total` repetitions."""
    note(f"{name}: {done}/{total}")
