"""How waits pass cloud time: real sleeps in the server, a virtual clock in tests, and on a
sandbox, cloud time running faster than real time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timing:
    """How waits pass time: real sleeps in the server, a virtual clock in tests, and on a
    sandbox cloud time running faster than real time (`scaled`)."""

    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    now: Callable[[], datetime] = _utc_now
    timeout_s: float | None = None

    @classmethod
    def scaled(
        cls,
        scale: float,
        *,
        now: Callable[[], datetime] = _utc_now,
        real_sleep: Sleep = asyncio.sleep,
        real_clock: Clock = time.monotonic,
    ) -> Timing:
        """Waits on a cloud whose time runs `scale` (> 0) times faster than `real_clock`.

        A wait's polls, backoff and deadline are all stated in cloud seconds, so the sleeps
        and the clock the deadline is measured on scale alike: a 20-minute instance wait
        ends after 1200/scale real seconds, as it would on ECS after 20 minutes.
        """

        async def sleep(seconds: float) -> None:
            await real_sleep(seconds / scale)

        def clock() -> float:
            return real_clock() * scale

        return cls(sleep=sleep, clock=clock, now=now)


REAL_TIME = Timing()
