"""One request rate and one in-flight limit for every ECS call the gateway makes.

ECS throttles per account and API, so parallel steps (a fleet of instances, many disks)
must not each think they have ECS to themselves. Every attempt, retries included, takes a
concurrency slot and then a rate token before its request leaves; the backoff between
attempts holds neither.

The rate is a bucket of one second's budget whose every token comes back one second after its
request was answered (a sliding-window log). ECS counts requests per second, so an interactive
call's few requests leave at once while the budget has room, and no one-second window of
arrivals at ECS ever holds more than the budget: a request arrives before its answer does, so
counting from the answer is safe whatever the latency. A leaky bucket with burst
(aiolimiter's) refills continuously and counts from departure: after a burst it lets almost a
second budget through within the same second, which ECS would throttle.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager


class SecondWindow:
    """At most `max_qps` requests in any one second: a token is held while its request runs
    and returns a second after the answer. Waiters are served in arrival order. The budget is
    whole requests (ECS counts whole requests): below one a second, one request per
    1/max_qps seconds."""

    def __init__(
        self,
        max_qps: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.budget = max(1, math.floor(max_qps))
        self.period = max(1.0, 1 / max_qps)
        self._clock = clock
        self._sleep = sleep
        self._running = 0
        self._answered: deque[float] = deque()
        self._turn = asyncio.Lock()
        self._returned = asyncio.Event()

    @asynccontextmanager
    async def token(self) -> AsyncIterator[None]:
        """Hold a token for the body: at once while the window has room, else as soon as
        the oldest answered token returns (or a running one is answered)."""
        await self._take()
        try:
            yield
        finally:
            self._running -= 1
            self._answered.append(self._clock())
            self._returned.set()

    async def _take(self) -> None:
        async with self._turn:
            while True:
                now = self._clock()
                while self._answered and now - self._answered[0] >= self.period:
                    self._answered.popleft()
                if self._running + len(self._answered) < self.budget:
                    self._running += 1
                    return
                if self._answered:
                    await self._sleep(self._answered[0] + self.period - now)
                else:
                    self._returned.clear()
                    await self._returned.wait()


class CallLimits:
    """At most `max_qps` requests in any one second, a burst of that budget allowed, and at
    most `max_concurrent` in flight; None lifts that limit."""

    def __init__(self, max_qps: float | None, max_concurrent: int | None) -> None:
        if (max_qps is not None and max_qps <= 0) or (
            max_concurrent is not None and max_concurrent < 1
        ):
            raise ValueError("max_qps must be above 0 and max_concurrent at least 1")
        self.max_qps = max_qps
        self.max_concurrent = max_concurrent
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rate: SecondWindow | None = None
        self._in_flight: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return f"CallLimits(max_qps={self.max_qps}, max_concurrent={self.max_concurrent})"

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a free slot, then for a rate token; hold both for the body."""
        self._bind()
        async with AsyncExitStack() as held:
            # Slot first: a token taken while waiting for a slot would let requests bunch up.
            if self._in_flight is not None:
                await held.enter_async_context(self._in_flight)
            if self._rate is not None:
                await held.enter_async_context(self._rate.token())
            yield

    def _bind(self) -> None:
        # Both primitives belong to one event loop; a process that runs a second loop (tests,
        # embedding) gets fresh ones.
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            if self.max_qps is not None:
                self._rate = SecondWindow(self.max_qps)
            if self.max_concurrent is not None:
                self._in_flight = asyncio.Semaphore(self.max_concurrent)
