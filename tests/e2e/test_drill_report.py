"""drill_report end to end, through the `mcp` client over stdio: a Scenario A drill, then its
report (RTO, each step's share, RPO, the mermaid timeline, the comparison), list_operations'
RTO and RPO, and the cleanup's result once cleanup_recovery ran."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.decisions import decide
from tests.support.demo_world import DB_INSTANCE
from tests.support.mcp import Session, mcp_session
from tests.support.recoveries import ended, planned_execution

MERMAID_TASK = re.compile(
    r"^    [^:#;]+ :\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"
)


async def _drill(served: Session) -> str:
    """A Scenario A drill of the DB instance, run to its end; its operation id."""
    executed = await ended(
        served, await served.call("execute_recovery", await planned_execution(served))
    )
    assert executed["status"] == "completed", executed
    return str(executed["operation_id"])


def _mermaid_block(text: str) -> list[str]:
    """The text's mermaid block, fence to fence."""
    lines = text.splitlines()
    start = lines.index("```mermaid")
    end = lines.index("```", start + 1)
    return lines[start : end + 1]


async def test_a_scenario_a_drill_reports_its_rto_rpo_timeline_and_then_its_cleanup(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        op = await _drill(served)
        answer = await served.call("drill_report", {"operation_id": op})
        report: dict[str, Any] = answer["report"]
        assert answer["status"] == "completed"
        assert report["rto_s"] > 0 and report["ended_by"] == "finish"
        timeline = report["timeline"]
        assert abs(sum(e["share_pct"] for e in timeline) - 100) <= 1
        assert report["rpo_s"] == 0 and report["point_taken_at"] is not None
        assert report["comparison"] and report["cleanup"] is None

        block = _mermaid_block(answer.text)
        assert block[1] == "gantt"
        assert any(line.startswith("    dateFormat ") for line in block)
        tasks = [line for line in block if MERMAID_TASK.match(line)]
        assert len(tasks) == len(timeline)
        assert {s["action"] for s in timeline} >= {"CreateSnapshotGroup", "CreateImage"}
        assert "RunInstances" in {s["action"] for s in timeline}

        (summary,) = [
            o
            for o in (await served.call("list_operations"))["operations"]
            if o["operation_id"] == op
        ]
        assert summary["rto_s"] == report["rto_s"] and summary["rpo_s"] == 0

        cleaned, _ = await decide(served, "cleanup_recovery", {"operation_id": op})
        assert cleaned["status"] == "completed", cleaned
        after = await served.call("drill_report", {"operation_id": op})
        cleanup = after["report"]["cleanup"]
        assert cleanup["cleanup_operation_id"] == cleaned["operation_id"]
        assert cleanup["status"] == "completed"
        assert {r["action"] for r in cleanup["rows"]} == {"deleted"}
        assert after["report"]["rto_s"] > 0


async def test_a_step_tools_operation_is_refused_by_name(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        group, _ = await decide(served, "create_snapshot_group", {"instance_id": DB_INSTANCE})
        assert group["status"] == "completed", group
        (listed,) = (await served.call("list_operations"))["operations"]
        assert listed["rto_s"] is None and listed["rpo_s"] is None
        refused = await served.fail("drill_report", {"operation_id": listed["operation_id"]})
        assert "not a recovery" in refused
