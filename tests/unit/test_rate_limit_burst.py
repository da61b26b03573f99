"""The request rate on a virtual clock: a burst of one second's budget leaves at once, and no
one-second window ever holds more than the budget, however long the load lasts."""

from __future__ import annotations

import asyncio
import time

import anyio

from ecs_dr.cloud.rate_limit import CallLimits, SecondWindow


class VirtualSeconds:
    """A clock that moves only when a waiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def departures(max_qps: float, requests: int) -> list[float]:
    """When each of `requests` concurrent callers got its token, in virtual seconds."""
    clock = VirtualSeconds()
    window = SecondWindow(max_qps, clock=clock, sleep=clock.sleep)
    times: list[float] = []

    async def one() -> None:
        async with window.token():
            times.append(clock())

    await asyncio.gather(*(one() for _ in range(requests)))
    return sorted(times)


def most_in_any_second(times: list[float], period: float = 1.0) -> int:
    """The most departures in one window [t, t + period), t at any departure."""
    return max(sum(start <= t < start + period for t in times) for start in times)


async def test_a_burst_of_one_seconds_budget_leaves_without_waiting() -> None:
    assert await departures(10, 10) == [0.0] * 10


async def test_a_sustained_load_never_exceeds_the_qps_in_any_one_second_window() -> None:
    times = await departures(10, 95)

    assert most_in_any_second(times) == 10
    # The budget is used fully: 95 requests at 10 a second, the first 10 at once.
    assert times[-1] == 9.0


async def test_a_fractional_qps_rounds_down_to_whole_requests_a_second() -> None:
    times = await departures(2.5, 7)

    assert most_in_any_second(times) == 2
    assert times == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0]


async def test_below_one_request_a_second_requests_are_spaced_by_its_inverse() -> None:
    assert await departures(0.5, 3) == [0.0, 2.0, 4.0]


async def test_a_waiter_is_served_as_soon_as_the_oldest_token_returns() -> None:
    clock = VirtualSeconds()
    window = SecondWindow(2, clock=clock, sleep=clock.sleep)
    async with window.token():
        pass
    clock.now = 0.4
    async with window.token():
        pass

    async with window.token():
        assert clock() == 1.0


async def test_a_token_returns_a_second_after_its_request_is_answered_not_sent() -> None:
    """ECS counts a request when it arrives, somewhere before its answer: counting from the
    answer keeps every one-second window of arrivals within the budget, whatever the latency."""
    clock = VirtualSeconds()
    window = SecondWindow(1, clock=clock, sleep=clock.sleep)
    answered = asyncio.Event()

    async def slow_request() -> None:
        async with window.token():
            await answered.wait()

    async def next_request() -> float:
        async with window.token():
            return clock()

    slow = asyncio.create_task(slow_request())
    waiting = asyncio.create_task(next_request())
    await asyncio.sleep(0)
    clock.now = 0.7
    answered.set()
    await slow

    assert await waiting == 1.7


def test_an_interactive_call_under_anyio_does_not_wait_on_the_default_limit() -> None:
    """The product runs on anyio: ten concurrent requests at 10 QPS leave at once."""
    limits = CallLimits(max_qps=10, max_concurrent=8)
    left: list[float] = []

    async def one() -> None:
        async with limits.slot():
            left.append(time.monotonic())

    async def ten() -> None:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tasks:
                for _ in range(10):
                    tasks.start_soon(one)

    started = time.monotonic()
    anyio.run(ten)

    assert len(left) == 10
    assert max(left) - started < 0.5
