"""The progress rule of MCP: within one call each notification's value is above the last."""

from __future__ import annotations

import itertools
from typing import Any, cast

from ecs_dr.tools.common import Ctx, progress_of


class Notifications:
    """A call's context that keeps what `report_progress` sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, float | None, str | None]] = []

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        self.sent.append((progress, total, message))


def of(ctx: Notifications) -> Any:
    return progress_of(cast(Ctx, ctx))


async def test_progress_strictly_increases_within_a_call() -> None:
    ctx = Notifications()
    report = of(ctx)
    for value, message in [(10, "a"), (10, "b"), (5, "c"), (40, "d"), (40, "e")]:
        await report(value, 100.0, message)
    values = [value for value, _, _ in ctx.sent]
    assert all(a < b for a, b in itertools.pairwise(values)), values
    assert [message for _, _, message in ctx.sent] == ["a", "b", "c", "d", "e"]
    assert values[0] == 10 and values[3] == 40 and values[1] - 10 < 1e-9


async def test_a_repeat_of_the_total_is_dropped_never_sent_above_it() -> None:
    ctx = Notifications()
    report = of(ctx)
    await report(3, 3, "all deleted")
    await report(3, 3, "again")
    assert ctx.sent == [(3, 3, "all deleted")]


async def test_each_call_has_its_own_progress() -> None:
    ctx = Notifications()
    await of(ctx)(50, 100.0, "first call")
    await of(ctx)(0, 100.0, "second call")
    assert [value for value, _, _ in ctx.sent] == [50, 0]
