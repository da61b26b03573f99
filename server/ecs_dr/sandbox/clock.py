"""Simulated cloud time: scaled wall time for the demo and servers, a virtual clock for tests.

Durations in the sandbox are stated in cloud seconds (what ECS would take). A time scale of
60 makes a 3-minute image take 3 real seconds; the virtual clock moves only when told.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol

# Seeded resources say they were created at this instant, so ids and times are reproducible.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class Clock(Protocol):
    def now(self) -> float:
        """Cloud time in seconds since the Unix epoch."""
        ...


class ScaledClock:
    """Wall time running `scale` times faster than real time."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError(f"time scale must be > 0, got {scale}")
        self.scale = scale
        self._origin_wall = time.time()
        self._origin_mono = time.monotonic()

    def now(self) -> float:
        return self._origin_wall + (time.monotonic() - self._origin_mono) * self.scale


class VirtualClock:
    """A clock that only moves when `advance` is called (tests; nothing sleeps)."""

    def __init__(self, start: float = EPOCH) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds


def iso(ts: float) -> str:
    """ECS's timestamp format: `2026-01-01T00:00Z` style, UTC, minute precision plus seconds."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
