"""Batched polling (issue 19.2): the waits of one kind in one region share one Describe call
per round, each keeping its own acceptors, timeouts and errors. A stub gateway answers from
a table of statuses, so what each call asked for is known exactly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any, cast

import pytest
from alibabacloud_ecs20140526 import models as ecs

from ecs_dr.cloud.ecs.instances import INSTANCES
from ecs_dr.cloud.ecs.snapshots import SNAPSHOT_GROUPS
from ecs_dr.cloud.errors import CloudError, Throttled, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.polls import Describe
from ecs_dr.cloud.timing import Timing
from ecs_dr.cloud.waiters import INSTANCE_RUNNING, INSTANCE_SETTLED, WaitResult, wait

# Waits' cloud seconds pass 1000 times faster: a 3 s pause is 3 ms.
FAST_SCALE = 1000.0
FAST = Timing.scaled(FAST_SCALE)


class StubGateway:
    """Answers DescribeInstances from `statuses`; records the ids of every call. A call waits
    for `slot` (the rate limit) before its request is made, then for `hold` (the network)."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.calls: list[tuple[str, list[str]]] = []
        self.fail_with: CloudError | None = None
        self.hold: asyncio.Event | None = None
        self.slot = asyncio.Event()
        self.slot.set()

    def region(self, region_id: str | None) -> str:
        return region_id or "cn-hangzhou"

    async def call(
        self, region: str, action: str, request: Any, *, sending: Callable[[], Any] | None = None
    ) -> Any:
        await self.slot.wait()
        if sending is not None:
            request = sending()
        ids = json.loads(request.instance_ids)
        self.calls.append((region, ids))
        if self.hold is not None:
            await self.hold.wait()
        await asyncio.sleep(0)
        if self.fail_with is not None:
            raise self.fail_with
        listed = [
            SimpleNamespace(instance_id=i, status=self.statuses[i])
            for i in ids
            if i in self.statuses
        ]
        return SimpleNamespace(instances=SimpleNamespace(instance=listed))


class VirtualClock:
    """Waits that pass no real time: each sleep moves the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.timing = Timing(sleep=self.sleep, clock=lambda: self.now)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def waiting(gw: StubGateway, instance_id: str, **kwargs: Any) -> Coroutine[Any, Any, WaitResult]:
    return wait(
        cast(EcsGateway, gw), INSTANCES, INSTANCE_RUNNING, instance_id, timing=FAST, **kwargs
    )


async def run_soon(gw: StubGateway, after_s: float, instance_id: str) -> None:
    await asyncio.sleep(after_s)
    gw.statuses[instance_id] = "Running"


async def test_concurrent_waits_of_one_kind_share_one_describe_call_per_round() -> None:
    ids = [f"i-{n}" for n in range(5)]
    gw = StubGateway(dict.fromkeys(ids, "Pending"))

    async def start_later() -> None:
        await asyncio.sleep(0.02)
        gw.statuses.update(dict.fromkeys(ids, "Running"))

    results, _ = await asyncio.gather(asyncio.gather(*(waiting(gw, i) for i in ids)), start_later())

    assert [r.status for r in results] == ["Running"] * 5
    assert gw.calls[0] == ("cn-hangzhou", ids)
    # Alone, each wait polls about every 3-5 ms for 20 ms: 5 waits ~25 calls.
    assert len(gw.calls) <= 10
    assert all(sorted(called) == ids for _, called in gw.calls[:-1])


async def test_polls_that_come_while_a_call_waits_for_its_slot_join_it() -> None:
    gw = StubGateway({"i-1": "Running", "i-2": "Running"})
    gw.slot.clear()
    first = asyncio.ensure_future(waiting(gw, "i-1"))
    await asyncio.sleep(0.001)
    second = asyncio.ensure_future(waiting(gw, "i-2"))
    await asyncio.sleep(0.001)
    gw.slot.set()

    await asyncio.gather(first, second)

    assert gw.calls == [("cn-hangzhou", ["i-1", "i-2"])]


async def test_a_call_names_at_most_the_apis_limit_of_ids() -> None:
    ids = [f"i-{n:03d}" for n in range(INSTANCES.max_ids + 20)]
    gw = StubGateway(dict.fromkeys(ids, "Running"))

    await asyncio.gather(*(waiting(gw, i) for i in ids))

    assert max(len(called) for _, called in gw.calls) == INSTANCES.max_ids
    assert sorted(i for _, called in gw.calls for i in called) == ids


def test_a_request_for_more_ids_than_the_default_page_asks_for_a_page_that_holds_them() -> None:
    ids = [f"i-{n}" for n in range(30)]
    request = INSTANCES.request(*ids)

    assert json.loads(request.instance_ids) == ids
    assert request.max_results == 30
    assert INSTANCES.request("i-1").max_results is None


def test_snapshot_groups_are_asked_for_at_most_ten_at_a_time() -> None:
    ids = [f"ssg-{n}" for n in range(11)]

    assert SNAPSHOT_GROUPS.max_ids == 10
    assert SNAPSHOT_GROUPS.request(*ids[:10]).snapshot_group_id == ids[:10]
    with pytest.raises(ValueError, match="at most 10"):
        SNAPSHOT_GROUPS.request(*ids)


async def test_the_error_of_a_batched_call_reaches_every_wait_in_it() -> None:
    gw = StubGateway({"i-1": "Pending", "i-2": "Stopped"})
    gw.fail_with = Throttled("Throttling.User", "too many requests", action="DescribeInstances")

    results = await asyncio.gather(
        waiting(gw, "i-1"),
        wait(cast(EcsGateway, gw), INSTANCES, INSTANCE_SETTLED, "i-2", timing=FAST),
        return_exceptions=True,
    )

    assert len(gw.calls) == 1
    assert [type(r) for r in results] == [Throttled, Throttled]


async def test_an_error_a_waiter_retries_keeps_only_that_waiter_polling() -> None:
    gw = StubGateway({"i-1": "Pending", "i-2": "Stopped"})
    gw.fail_with = CloudError("InvalidInstanceId.NotFound", "not yet", action="DescribeInstances")

    async def recover() -> None:
        await asyncio.sleep(0.01)
        gw.fail_with = None
        gw.statuses["i-1"] = "Running"

    running, settled, _ = await asyncio.gather(
        waiting(gw, "i-1"),
        wait(cast(EcsGateway, gw), INSTANCES, INSTANCE_SETTLED, "i-2", timing=FAST),
        recover(),
        return_exceptions=True,
    )

    assert isinstance(running, WaitResult) and running.status == "Running"
    assert isinstance(settled, CloudError)


async def test_each_wait_keeps_its_own_timeout() -> None:
    gw = StubGateway({"i-1": "Pending", "i-2": "Pending"})
    short = Timing(sleep=FAST.sleep, clock=FAST.clock, timeout_s=5)

    async def start_later() -> None:
        await asyncio.sleep(0.05)
        gw.statuses["i-2"] = "Running"

    timed_out, running, _ = await asyncio.gather(
        wait(cast(EcsGateway, gw), INSTANCES, INSTANCE_RUNNING, "i-1", timing=short),
        waiting(gw, "i-2"),
        start_later(),
        return_exceptions=True,
    )

    assert isinstance(timed_out, WaiterTimeout)
    assert isinstance(running, WaitResult) and running.status == "Running"


async def test_a_cancelled_wait_leaves_the_batch() -> None:
    gw = StubGateway({"i-1": "Pending", "i-2": "Pending"})
    cancelled = asyncio.ensure_future(waiting(gw, "i-1"))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled

    asyncio.get_running_loop().call_later(0.01, gw.statuses.update, {"i-2": "Running"})
    await waiting(gw, "i-2")

    assert all(called == ["i-2"] for _, called in gw.calls[-2:])


async def test_when_the_caller_of_a_batched_call_is_cancelled_the_others_poll_again() -> None:
    gw = StubGateway({"i-1": "Running", "i-2": "Running"})
    gw.hold = asyncio.Event()
    first = asyncio.ensure_future(waiting(gw, "i-1"))
    second = asyncio.ensure_future(waiting(gw, "i-2"))
    first_s = INSTANCE_RUNNING.delays.first_s or INSTANCE_RUNNING.delays.initial_s
    await asyncio.sleep(first_s / FAST_SCALE + 0.02)  # a new instance's first pause
    assert gw.calls == [("cn-hangzhou", ["i-1", "i-2"])]
    assert not second.done()

    first.cancel()
    gw.hold.set()

    assert (await second).status == "Running"
    assert gw.calls[1:] == [("cn-hangzhou", ["i-2"])]


async def test_a_just_created_resource_is_first_polled_after_the_first_pause() -> None:
    gw = StubGateway({"i-1": "Running"})
    time = VirtualClock()

    await wait(cast(EcsGateway, gw), INSTANCES, INSTANCE_RUNNING, "i-1", timing=time.timing)

    assert time.sleeps == [INSTANCE_RUNNING.delays.first_s]
    assert len(gw.calls) == 1


async def test_a_wait_for_a_resource_that_may_be_settled_already_polls_at_once() -> None:
    gw = StubGateway({"i-1": "Stopped"})
    time = VirtualClock()

    await wait(cast(EcsGateway, gw), INSTANCES, INSTANCE_SETTLED, "i-1", timing=time.timing)

    assert time.sleeps == []


async def test_waits_in_other_regions_or_of_other_kinds_poll_on_their_own() -> None:
    gw = StubGateway({"i-1": "Running", "i-2": "Running"})

    await asyncio.gather(
        waiting(gw, "i-1", region_id="cn-hangzhou"), waiting(gw, "i-2", region_id="cn-beijing")
    )

    assert sorted(gw.calls) == [("cn-beijing", ["i-2"]), ("cn-hangzhou", ["i-1"])]


def test_one_describe_per_action_since_waits_of_one_action_share_its_calls() -> None:
    assert isinstance(INSTANCES, Describe)
    assert ecs.DescribeInstancesRequest is INSTANCES.request_type
