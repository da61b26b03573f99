"""One request rate and one in-flight limit for every ECS call the gateway makes.

ECS throttles per account and API, so parallel steps (a fleet of instances, many disks)
must not each think they have ECS to themselves. Every attempt, retries included, takes a
concurrency slot and then a rate token before its request leaves; the backoff between
attempts holds neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from aiolimiter import AsyncLimiter


class CallLimits:
    """At most `max_qps` requests a second, spaced evenly (no burst: ECS counts per second),
    and at most `max_concurrent` in flight; None lifts that limit."""

    def __init__(self, max_qps: float | None, max_concurrent: int | None) -> None:
        if (max_qps is not None and max_qps <= 0) or (
            max_concurrent is not None and max_concurrent < 1
        ):
            raise ValueError("max_qps must be above 0 and max_concurrent at least 1")
        self.max_qps = max_qps
        self.max_concurrent = max_concurrent
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rate: AsyncLimiter | None = None
        self._in_flight: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return f"CallLimits(max_qps={self.max_qps}, max_concurrent={self.max_concurrent})"

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a free slot, then for the next rate token; hold the slot for the body."""
        self._bind()
        async with AsyncExitStack() as held:
            # Slot first: a token taken while waiting for a slot would let requests bunch up.
            if self._in_flight is not None:
                await held.enter_async_context(self._in_flight)
            if self._rate is not None:
                await self._rate.acquire()
            yield

    def _bind(self) -> None:
        # Both primitives belong to one event loop; a process that runs a second loop (tests,
        # embedding) gets fresh ones rather than aiolimiter's cross-loop warning.
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            if self.max_qps is not None:
                self._rate = AsyncLimiter(1, 1 / self.max_qps)
            if self.max_concurrent is not None:
                self._in_flight = asyncio.Semaphore(self.max_concurrent)
