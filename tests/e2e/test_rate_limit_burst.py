"""The rate limit as a client meets it, through the MCP client against `ecs-dr-mcp serve`: an
interactive call's requests leave at once while the second's budget has room, and calls in a
row never put more than the budget into any one second at the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.demo_world import DB_INSTANCE
from tests.support.mcp import mcp_session

# describe_source without a region makes three requests (DescribeInstances to find the
# instance's region, then DescribeInstances and DescribeDisks): a budget of three holds one call.
QPS = 3


def started_at(record: dict[str, Any]) -> float:
    """When the sandbox began serving a request (its log has when it answered and how long)."""
    return float(record["time"]) - float(record["duration_ms"]) / 1000


def most_in_any_second(times: list[float]) -> int:
    return max(sum(start <= t < start + 1 for t in times) for start in times)


async def test_an_interactive_call_does_not_wait_while_the_budget_has_room(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env={"ECS_DR_MAX_QPS": str(QPS)}) as served:
        served.sandbox.reset()
        await served.call("describe_source", {"instance_id": DB_INSTANCE})
        times = [started_at(r) for r in served.sandbox.requests()]

    assert 1 < len(times) <= QPS
    # Evenly spaced slots would hold each request 1/QPS s behind the one before.
    assert max(times) - min(times) < (len(times) - 1) / QPS


async def test_calls_in_a_row_never_put_more_than_the_budget_into_one_second(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env={"ECS_DR_MAX_QPS": str(QPS)}) as served:
        served.sandbox.reset()
        for _ in range(3):
            await served.call("describe_source", {"instance_id": DB_INSTANCE})
        times = [started_at(r) for r in served.sandbox.requests()]

    assert len(times) > QPS
    assert most_in_any_second(times) == QPS
