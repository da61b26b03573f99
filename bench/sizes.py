"""What an agent reads (issue 17, item 2): the tool list and each tool's answer, in characters.

Through the real `mcp` client over stdio against `ecs-dr-mcp serve` on a sandbox at a high time
scale: the model-visible tool list (names, descriptions, input schemas), the whole tools/list,
and each call's text content and structured content along the plan path of a Scenario A
recovery of a 4-disk source, a Scenario B copy and a 50-source fleet (each a drill, cleaned up).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from tests.support.decisions import first_option
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    PROD_SG,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.mcp import Session, mcp_session_on

from bench.fleet import fleet_world
from bench.report import Section, Target
from bench.service_setup import FULL, QUICK, UNBOUND_QPS, sandbox_at_scale, server_env

FOUR_DISK_SOURCE = "i-bp1sizesfour0000001"
SIZES_TIMEOUT_S = 600.0

# The limits, in characters.
TOOL_LIST_LIMIT = 60_000
MODEL_VISIBLE_LIMIT = 24_000
A_TEXT_LIMIT = 6_000
A_STRUCTURED_LIMIT = 12_000
FLEET_TEXT_LIMIT = 20_000


@dataclass
class Answer:
    scenario: str
    tool: str
    text: int
    structured: int

    def row(self) -> list[str | int | float]:
        return [self.scenario, self.tool, self.text, self.structured]


@dataclass
class Sizes:
    tool_list: int = 0
    model_visible: int = 0
    fleet_size: int = 0
    answers: list[Answer] = field(default_factory=list)

    def final(self, scenario: str) -> Answer:
        """The scenario's recovery result: the last execute_recovery or wait_operation."""
        return [
            a
            for a in self.answers
            if a.scenario == scenario and a.tool in ("execute_recovery", "wait_operation")
        ][-1]


def with_four_disk_source(world_file: Path) -> None:
    """The world plus a source of four ESSD disks (system and three data) in the source zone."""
    world = json.loads(world_file.read_text())
    region = world["regions"][0]
    disks = [
        {
            "disk_id": f"d-bp1sizesfour{n:07d}",
            "type": "system" if n == 0 else "data",
            "device": f"/dev/xvd{'abcd'[n]}",
            "category": "cloud_essd",
            "size": (40, 100, 200, 500)[n],
            "performance_level": ("PL0", "PL1", "PL1", "PL2")[n],
        }
        for n in range(4)
    ]
    region["instances"].append(
        {
            "instance_id": FOUR_DISK_SOURCE,
            "instance_name": "sizes-four-disks",
            "zone_id": SOURCE_ZONE,
            "instance_type": "ecs.g7.large",
            "vswitch_id": SOURCE_VSWITCH,
            "security_group_ids": [PROD_SG],
            "disks": disks,
        }
    )
    world_file.write_text(json.dumps(world))


class _Recorder:
    """Calls tools as an agent does, answering every decision with its first option, and
    keeps the size of each answer."""

    def __init__(self, served: Session, sizes: Sizes) -> None:
        self.served = served
        self.sizes = sizes

    async def call(self, scenario: str, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        decisions: dict[str, str] = {}
        for _ in range(5):
            result = await self.served.client.call_tool(
                tool, {**arguments, **({"decisions": decisions} if decisions else {})}
            )
            text = "".join(c.text for c in result.content if isinstance(c, types.TextContent))
            structured = result.structured_content or {}
            self.sizes.answers.append(
                Answer(scenario, tool, len(text), len(json.dumps(structured)))
            )
            if result.is_error or structured.get("status") != "needs_decision":
                return dict(structured)
            decisions |= {p["decision_id"]: first_option(p) for p in structured["decisions"]}
        raise RuntimeError(f"{tool} kept asking")

    async def recover(self, scenario: str, plan: Mapping[str, Any]) -> dict[str, Any]:
        planned = await self.call(scenario, "plan_recovery", plan)
        if planned.get("status") != "completed":
            raise RuntimeError(f"{scenario}: plan_recovery answered {planned}")
        done = await self.call(scenario, "execute_recovery", {"plan_id": planned["plan_id"]})
        while done.get("status") == "in_progress":
            done = await self.call(
                scenario, "wait_operation", {"operation_id": done["operation_id"]}
            )
        if done.get("status") != "completed":
            raise RuntimeError(f"{scenario}: the recovery ended {done}")
        await self.call(scenario, "get_operation", {"operation_id": done["operation_id"]})
        return done


async def _tool_list(served: Session, sizes: Sizes) -> None:
    listed = await served.client.list_tools()
    tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]
    sizes.tool_list = len(json.dumps(tools))
    visible = [{k: t[k] for k in ("name", "description", "inputSchema") if k in t} for t in tools]
    sizes.model_visible = len(json.dumps(visible))


async def measure_sizes(workdir: Path, fleet_size: int) -> Sizes:
    sizes = Sizes(fleet_size=fleet_size)
    world = workdir / "world.json"
    sources = fleet_world(world, fleet_size)
    with_four_disk_source(world)
    with sandbox_at_scale(workdir, world) as sandbox:
        env = server_env(ECS_DR_MAX_QPS=UNBOUND_QPS)
        async with mcp_session_on(sandbox, workdir, "sizes", env=env) as (served, _):
            record = _Recorder(served, sizes)
            with anyio.fail_after(SIZES_TIMEOUT_S):
                await _tool_list(served, sizes)
                await record.call("A", "describe_source", {"instance_id": FOUR_DISK_SOURCE})
                await record.call(
                    "A",
                    "check_target_zone",
                    {"instance_id": FOUR_DISK_SOURCE, "target_zone_id": TARGET_ZONE},
                )
                done = await record.recover(
                    "A",
                    {
                        "scenario": "full_instance",
                        "source_instance_id": FOUR_DISK_SOURCE,
                        "target_zone_id": TARGET_ZONE,
                        "drill": True,
                    },
                )
                dr = {
                    "source_instance_id": FOUR_DISK_SOURCE,
                    "dr_instance_id": done["dr_instance_id"],
                }
                await record.call("A", "verify_dr_instance", dr)
                await record.call("A", "cleanup_recovery", {"operation_id": done["operation_id"]})
                await record.recover(
                    "B",
                    {
                        "scenario": "disks",
                        "source_instance_id": DB_INSTANCE,
                        "target_instance_id": TARGET_INSTANCE,
                        "disk_ids": [DB_DATA],
                    },
                )
                fleet = await record.recover(
                    "fleet",
                    {
                        "scenario": "full_instance",
                        "source_instance_id": sources,
                        "target_zone_id": TARGET_ZONE,
                        "drill": True,
                    },
                )
                await record.call(
                    "fleet", "cleanup_recovery", {"operation_id": fleet["operation_id"]}
                )
    return sizes


def sizes_section(sizes: Sizes, *, quick: bool) -> Section:
    final_a, final_fleet = sizes.final("A"), sizes.final("fleet")
    fleet_limit = FLEET_TEXT_LIMIT * sizes.fleet_size / FULL.fleet_size
    notes = [
        "Characters as the client receives them: each answer's text content and its structured "
        "content as JSON; every decision answered with the recommended option.",
        "A: Scenario A of a source with 4 ESSD disks, a drill; B: Scenario B, one data disk onto "
        f"an existing instance; fleet: {sizes.fleet_size} sources of 1-3 disks, a drill.",
    ]
    if quick:
        notes.append(
            f"Quick run: a fleet of {sizes.fleet_size}, not {FULL.fleet_size}; its text limit "
            "is scaled down with it."
        )
    return Section(
        key="sizes",
        title="What an agent reads (characters)",
        headers=["scenario", "tool", "text", "structured"],
        rows=[
            ["", "tools/list", sizes.tool_list, ""],
            ["", "tools/list, model-visible part", sizes.model_visible, ""],
            *(a.row() for a in sizes.answers),
        ],
        figures={
            "tool_list": sizes.tool_list,
            "model_visible": sizes.model_visible,
            "answers": [a.__dict__ for a in sizes.answers],
        },
        targets=[
            Target("tools/list", sizes.tool_list, TOOL_LIST_LIMIT, "chars"),
            Target("model-visible tool list", sizes.model_visible, MODEL_VISIBLE_LIMIT, "chars"),
            Target("Scenario A (4 disks) final text", final_a.text, A_TEXT_LIMIT, "chars"),
            Target(
                "Scenario A (4 disks) final structured",
                final_a.structured,
                A_STRUCTURED_LIMIT,
                "chars",
            ),
            Target(
                f"fleet of {sizes.fleet_size} final text", final_fleet.text, fleet_limit, "chars"
            ),
        ],
        notes=notes,
    )


def run(quick: bool) -> list[Section]:
    fleet_size = (QUICK if quick else FULL).fleet_size
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-") as tmp:
        sizes = anyio.run(measure_sizes, Path(tmp), fleet_size)
    return [sizes_section(sizes, quick=quick)]
