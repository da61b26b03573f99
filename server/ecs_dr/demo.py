"""`make demo`: the product's main job on the sandbox, with no cloud account.

An MCP client starts `ecs-dr-mcp serve --sandbox` over stdio, as Claude Desktop or any other
client would, and recovers the demo world's database server (three ESSD disks at mixed
performance levels, no public IP) into a zone where its VPC has no VSwitch yet. Each decision
the server asks for is answered with the recommended option, and printed; so is the progress
of every wait, and the source-vs-DR comparison at the end. Then Scenario B: the same
server's data disks are copied onto an existing instance in another zone, as one plan
(printed), executed once, ending with the summary and the target's disk layout. Last, the
disaster itself: a recovery point of the database server is taken (its image built at once),
its zone goes down (the sandbox's zone outage), and the server is recovered from that point
without a snapshot, with the drill report's measured RTO and RPO.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import anyio
import mcp_types as types
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.client.stdio import StdioServerParameters, stdio_client

from ecs_dr.domain.cloud_text import table_markdown
from ecs_dr.domain.comparison import ComparisonRow, markdown_table
from ecs_dr.domain.disk_recovery import RecoveryRow, summary_markdown
from ecs_dr.domain.disks import LayoutRow, layout_markdown
from ecs_dr.sandbox.control import SandboxControl

SOURCE = "i-bp1proddb0000000001"
SOURCE_ZONE = "cn-hangzhou-h"
TARGET_ZONE = "cn-hangzhou-j"
DISK_TARGET = "i-bp1drtarget00000001"  # dr-target-01, in another zone than prod-db-01
LOG_TAIL_LINES = 20


class DemoFailed(Exception):
    """A tool answered with an error or an unexpected status."""


class Console:
    """What the demo prints: decisions, progress, results."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    async def answer(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        """The user's side of a form: pick the recommended option of every field."""
        if not isinstance(params, types.ElicitRequestFormParams):
            return types.ElicitResult(action="decline")
        self.say("  decision needed:")
        for line in params.message.splitlines():
            self.say(f"    {line}")
        content: dict[str, str | int | float | bool | list[str] | None] = {}
        for field, schema in params.requested_schema.get("properties", {}).items():
            if schema["type"] == "array":  # several choices: the recommended ones preselected
                content[field] = schema["default"]
                picked = [
                    o["title"] for o in schema["items"]["anyOf"] if o["const"] in schema["default"]
                ]
                self.say(f"    -> {'; '.join(picked)}")
                continue
            option = schema["oneOf"][0]
            content[field] = option["const"]
            self.say(f"    -> {option['title']}")
        return types.ElicitResult(action="accept", content=content)

    async def progress(self, progress: float, total: float | None, message: str | None) -> None:
        share = f"{progress / total:4.0%}" if total else f"{progress:g}"
        self.say(f"  [{share}] {message or ''}")


async def _call(
    client: Client, console: Console, tool: str, arguments: Mapping[str, Any]
) -> dict[str, Any]:
    console.say(f"\n> {tool}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})")
    result = await client.call_tool(tool, dict(arguments), progress_callback=console.progress)
    if result.is_error:
        texts = [c.text for c in result.content if isinstance(c, types.TextContent)]
        raise DemoFailed(f"{tool}: {' '.join(texts)}")
    data = dict(result.structured_content or {})
    if data.get("status") != "completed":
        raise DemoFailed(f"{tool} ended {data.get('status')}: {data.get('error') or data}")
    return data


async def recover(client: Client, console: Console) -> None:
    source = await _call(client, console, "describe_source", {"instance_id": SOURCE})
    instance = source["instance"]
    console.say(
        f"  {instance['name']} in {instance['zone_id']}: {instance['instance_type']}, "
        f"public IP: {'yes' if source['has_public_ip'] else 'no'}, "
        f"snapshot strategy: {source['snapshot_strategy']}"
    )
    disks = [
        [d["device"], d["kind"], d["category"], str(d["size_gib"]), d["performance_level"] or "-"]
        for d in instance["disks"]
    ]
    console.say(table_markdown(["device", "disk", "category", "GiB", "PL"], disks))
    for warning in source["warnings"]:
        console.say(f"  note: {warning}")

    check = await _call_check(client, console)
    for finding in check["findings"]:
        console.say(f"  {finding}")

    group = await _call(client, console, "create_snapshot_group", {"instance_id": SOURCE})
    for snapshot in group["result"]["snapshots"]:
        console.say(
            f"  {snapshot['snapshot_id']} of {snapshot['device']}: zone-redundant at "
            f"{snapshot['zone_redundant_at']}"
        )
    image = await _call(
        client,
        console,
        "create_full_image",
        {"instance_id": SOURCE, "snapshot_group_id": group["snapshot_group_id"]},
    )
    console.say(f"  image {image['image_id']} is {image['result']['status']}")
    dr = await _call(
        client,
        console,
        "run_dr_instance",
        {"instance_id": SOURCE, "image_id": image["image_id"], "target_zone_id": TARGET_ZONE},
    )
    console.say(f"\nDR instance {dr['dr_instance_id']} is Running. Source vs DR:\n")
    console.say(markdown_table([ComparisonRow(**r) for r in dr["result"]["comparison"]]))
    verdict = "every row matches" if dr["result"]["all_match"] else "SOME ROWS DO NOT MATCH"
    console.say(f"\n{verdict}.")


async def copy_disks(client: Client, console: Console) -> None:
    """Scenario B: prod-db-01's data disks onto dr-target-01, planned then executed once."""
    arguments = {
        "scenario": "disks",
        "source_instance_id": SOURCE,
        "target_instance_id": DISK_TARGET,
    }
    plan = await _call(client, console, "plan_recovery", arguments)
    for finding in plan["findings"]:
        console.say(f"  {finding}")
    steps = [
        [s["step"], s["action"], _parameters(s["parameters"]), str(s["runs"])]
        for s in plan["steps"]
    ]
    console.say(table_markdown(["step", "action", "parameters", "runs"], steps))
    console.say(f"  estimated duration: about {plan['estimated_duration_s'] / 60:.0f} min")
    done = await _call(client, console, "execute_recovery", {"plan_id": plan["plan_id"]})
    copied = done["result"]
    console.say(f"\nCopied {len(copied['rows'])} disks of {SOURCE} onto {DISK_TARGET}:\n")
    console.say(summary_markdown([RecoveryRow(**r) for r in copied["rows"]]))
    console.say(f"\n{DISK_TARGET}'s disks now:\n")
    console.say(layout_markdown([LayoutRow(**r) for r in copied["layout"]]))
    console.say(f"\n{copied['reminder']}")


async def recover_from_point(client: Client, console: Console, sandbox: SandboxControl) -> None:
    """A recovery point of prod-db-01 with its image; its zone goes down; the recovery starts
    from the latest point: RunInstances alone, no snapshot of a source that cannot answer."""
    point = await _call(
        client, console, "create_recovery_point", {"instance_id": SOURCE, "image": True}
    )
    console.say(f"  recovery point {point['point_id']}: an image of every disk, zone-redundant")
    sandbox.add_fault({"kind": "zone_outage", "zone_id": SOURCE_ZONE})
    console.say(f"\n{SOURCE_ZONE} goes down (the sandbox's zone outage): no snapshot works there.")
    arguments = {
        "scenario": "full_instance",
        "source_instance_id": SOURCE,
        "target_zone_id": TARGET_ZONE,
        "drill": True,
    }
    plan = await _call(client, console, "plan_recovery", arguments)
    for finding in plan["findings"][:2]:
        console.say(f"  {finding}")
    for step in plan["steps"]:
        console.say(f"  {step['step']}: {step['action']}")
    done = await _call(client, console, "execute_recovery", {"plan_id": plan["plan_id"]})
    result = done["result"]
    verdict = "every row matches" if result["all_match"] else "SOME ROWS DO NOT MATCH"
    console.say(f"\nDR instance {result['dr_instance_id']} is Running: {verdict}.")
    report = await _call(client, console, "drill_report", {"operation_id": done["operation_id"]})
    measured = report["report"]
    console.say(
        f"  measured RTO {measured['rto_s']:.1f} s of real time (the sandbox's clock runs "
        f"faster), RPO {measured['rpo_s']:.0f} s of sandbox time: the point's age when the "
        "recovery started."
    )


def _parameters(parameters: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in parameters.items())


async def _call_check(client: Client, console: Console) -> dict[str, Any]:
    """check_target_zone may report open decisions: run_dr_instance asks them later."""
    arguments = {"instance_id": SOURCE, "target_zone_id": TARGET_ZONE}
    console.say(f"\n> check_target_zone(instance_id={SOURCE!r}, target_zone_id={TARGET_ZONE!r})")
    result = await client.call_tool("check_target_zone", arguments)
    data = dict(result.structured_content or {})
    if result.is_error or data.get("status") not in ("completed", "needs_decision"):
        raise DemoFailed(f"check_target_zone: {result.content}")
    for prompt in data["decisions"]:
        console.say(f"  open decision: {prompt['question']}")
    return data


async def run(out: TextIO = sys.stdout) -> bool:
    """The whole demo; False (after printing why and the server log's tail) on failure."""
    console = Console(out)
    with tempfile.TemporaryDirectory(prefix="ecs-dr-demo-") as workdir:
        log_path = Path(workdir) / "server.log"
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "ecs_dr.cli", "serve", "--sandbox", "--log-level", "INFO"],
            env={**os.environ, "ECS_DR_STATE_DIR": workdir},
        )
        with log_path.open("w") as errlog:
            try:
                async with Client(
                    stdio_client(params, errlog=errlog),
                    elicitation_callback=console.answer,
                    read_timeout_seconds=300,
                ) as client:
                    console.say(
                        "Started `ecs-dr-mcp serve --sandbox` (the demo world, no cloud account) "
                        f"and connected over stdio, MCP {client.protocol_version}."
                    )
                    console.say(f"Recovering {SOURCE} into {TARGET_ZONE}.")
                    await recover(client, console)
                    console.say(f"\nScenario B: copying {SOURCE}'s data disks onto {DISK_TARGET}.")
                    await copy_disks(client, console)
                    console.say(f"\nDisaster: recovering {SOURCE} from a recovery point.")
                    await recover_from_point(client, console, _sandbox_of(log_path))
            except (DemoFailed, OSError) as exc:
                console.say(f"\ndemo failed: {exc}")
                tail = log_path.read_text().splitlines()[-LOG_TAIL_LINES:]
                console.say("server log (last lines):\n" + "\n".join(tail))
                return False
    return True


def _sandbox_of(log_path: Path) -> SandboxControl:
    """The embedded sandbox's control endpoints, from the server's `sandbox.started` line."""
    for line in log_path.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "sandbox.started":
            return SandboxControl(str(event["endpoint"]))
    raise DemoFailed("the server logged no sandbox.started line")


def main() -> int:
    return 0 if anyio.run(run) else 1


if __name__ == "__main__":
    sys.exit(main())
