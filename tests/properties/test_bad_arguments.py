"""Bad input through the MCP client, property-based: never a traceback, never a change to the
cloud, always an error that names the bad argument (strategies.py says what "names" means).

Every example is one valid call of one tool with one argument made bad (or left out, or an
argument added that the tool does not take). One server, `ecs-dr-mcp serve --sandbox`, serves
the whole module: hypothesis cannot drive an async test, so the mcp session lives in an anyio
blocking portal and each example is a blocking call into it. Setup makes what the valid calls
need (two snapshots, an image, a loose disk, a plan); from then on the sandbox's state must
stay as it was and its requests log must gain nothing but Describe and List calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp_types import CallToolResult, TextContent

from tests.properties import strategies as bad
from tests.properties.strategies import MISSING, Bad, World
from tests.properties.tally import TRIED
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_SYSTEM,
    PROD_SG,
    PROD_VPC,
    SHANGHAI_INSTANCE,
    SHANGHAI_VPC,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    TARGET_INSTANCE,
    TARGET_SYSTEM,
    TARGET_VSWITCH,
    TARGET_ZONE,
    WEB_INSTANCE,
    WEB_SYSTEM,
)
from tests.support.mcp import Session, mcp_session

DATA_GIB = 100
NO_VSWITCH_ZONE = "cn-hangzhou-j"
OTHER_REGION, OTHER_REGION_ZONE = "cn-shanghai", "cn-shanghai-e"
WORLD_IDS = {
    "instance": [DB_INSTANCE, WEB_INSTANCE, TARGET_INSTANCE, SHANGHAI_INSTANCE],
    "disk": [DB_SYSTEM, DB_DATA, WEB_SYSTEM, TARGET_SYSTEM],
    "VSwitch": [SOURCE_VSWITCH, TARGET_VSWITCH],
    "VPC": [PROD_VPC, SHANGHAI_VPC],
    "security group": [PROD_SG],
}

# Examples per tool: about a minute in all on a 2-core machine.
EXAMPLES = {
    "find_instances": 60,
    "describe_source": 100,
    "check_target_zone": 130,
    "describe_target_instance": 80,
    "verify_dr_instance": 100,
    "wait_operation": 80,
    "get_operation": 60,
    "list_operations": 60,
    "drill_report": 60,
    "find_orphans": 40,
    "plan_recovery": 200,
    "create_snapshot_group": 110,
    "create_snapshot": 110,
    "create_full_image": 160,
    "create_vswitch": 150,
    "run_dr_instance": 200,
    "create_disk_from_snapshot": 200,
    "attach_disk": 100,
    "execute_recovery": 70,
    "resume_recovery": 60,
    "cancel_operation": 60,
    "cleanup_recovery": 70,
    "create_recovery_point": 60,
    "list_recovery_points": 50,
    # No arguments: only unknown ones to refuse.
    "describe_account": 20,
}
# Arguments of which a call gives one at most: making one bad drops the others.
EXCLUSIVE = {"create_full_image": {"snapshot_group_id", "snapshot_id", "snapshot_ids"}}
TRACEBACK = re.compile(r'Traceback|File "|line \d+, in')
# pydantic's own words: the arguments model, validator reprs, its documentation links.
PYDANTIC_INTERNALS = re.compile(
    r"validation error for|function-after|at 0x[0-9a-f]+|errors\.pydantic"
)
# An error quotes a bad value shortened; even listing every valid choice it stays short.
MAX_ERROR_CHARS = 4_000
SETUP_TIMEOUT_S = 120.0


@dataclass
class BadInputRun:
    portal: BlockingPortal
    served: Session
    world: World
    bases: dict[str, list[dict[str, Any]]]
    schemas: dict[str, dict[str, Any]]
    state: dict[str, Any]
    requests_before: int

    def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.served.client.call_tool, tool, arguments)
        return result

    def cloud_state(self) -> dict[str, Any]:
        """The sandbox's resources (its clock moves on by itself)."""
        return {k: v for k, v in self.served.sandbox.state().items() if k != "now"}

    def mutations(self) -> list[str]:
        """The actions since setup that could change the cloud."""
        requests = self.served.sandbox.requests()[self.requests_before :]
        return [r["action"] for r in requests if not r["action"].startswith(("Describe", "List"))]


async def _made(served: Session, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Run a creating tool to completion, as the user confirming it would; its result."""
    result, _ = await decide(served, tool, arguments)
    while result["status"] == "in_progress":
        result = await served.call("wait_operation", {"operation_id": result["operation_id"]})
    assert result["status"] == "completed", result
    return dict(result["result"])


async def _prepare(served: Session) -> tuple[World, dict[str, list[dict[str, Any]]]]:
    """The resources valid calls need, every tool's valid calls, and the questions they ask."""
    with anyio.fail_after(SETUP_TIMEOUT_S):
        data_snapshot = (await _made(served, "create_snapshot", {"disk_id": DB_DATA}))[
            "snapshot_id"
        ]
        web_snapshot = (await _made(served, "create_snapshot", {"disk_id": WEB_SYSTEM}))[
            "snapshot_id"
        ]
        image = (
            await _made(
                served,
                "create_full_image",
                {"instance_id": WEB_INSTANCE, "snapshot_id": web_snapshot},
            )
        )["image_id"]
        disk = (
            await _made(
                served,
                "create_disk_from_snapshot",
                {"snapshot_id": data_snapshot, "target_instance_id": TARGET_INSTANCE},
            )
        )["disk_id"]
        operation = (await served.call("list_operations", {"limit": 1}))["operations"][0][
            "operation_id"
        ]
        # A finished recovery, for drill_report (made before the plan, which it must not stale).
        web_plan, _ = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": WEB_INSTANCE,
                "target_zone_id": TARGET_ZONE,
            },
        )
        await _made(served, "execute_recovery", {"plan_id": web_plan["plan_id"]})
        recovery = (await served.call("list_operations", {"limit": 1}))["operations"][0][
            "operation_id"
        ]
        full = {"scenario": "full_instance", "source_instance_id": DB_INSTANCE}
        plan = (await served.call("plan_recovery", {**full, "target_zone_id": TARGET_ZONE}))[
            "plan_id"
        ]
    bases: dict[str, list[dict[str, Any]]] = {
        "find_instances": [{"name": "prod-db-*"}, {"zone_id": TARGET_ZONE, "status": "Running"}],
        "describe_source": [{"instance_id": DB_INSTANCE}],
        "check_target_zone": [
            {"instance_id": DB_INSTANCE, "target_zone_id": TARGET_ZONE},
            {"instance_id": DB_INSTANCE, "target_zone_id": NO_VSWITCH_ZONE},
        ],
        "describe_target_instance": [{"instance_id": TARGET_INSTANCE}],
        "verify_dr_instance": [
            {"source_instance_id": DB_INSTANCE, "dr_instance_id": TARGET_INSTANCE}
        ],
        "wait_operation": [{"operation_id": operation, "max_wait_s": 0}],
        "get_operation": [{"operation_id": operation}],
        "list_operations": [{"limit": 5}],
        "drill_report": [{"operation_id": recovery}],
        "find_orphans": [{"region_id": "cn-hangzhou"}],
        "plan_recovery": [
            {**full, "target_zone_id": TARGET_ZONE},
            {
                "scenario": "disks",
                "source_instance_id": DB_INSTANCE,
                "target_instance_id": TARGET_INSTANCE,
            },
        ],
        "create_snapshot_group": [{"instance_id": DB_INSTANCE}],
        "create_snapshot": [{"disk_id": DB_SYSTEM}],
        "create_full_image": [{"instance_id": WEB_INSTANCE, "snapshot_id": web_snapshot}],
        "create_vswitch": [{"vpc_id": PROD_VPC, "zone_id": NO_VSWITCH_ZONE}],
        "run_dr_instance": [
            {"instance_id": WEB_INSTANCE, "image_id": image, "target_zone_id": TARGET_ZONE}
        ],
        "create_disk_from_snapshot": [
            {"snapshot_id": data_snapshot, "target_instance_id": TARGET_INSTANCE}
        ],
        "attach_disk": [{"disk_id": disk, "target_instance_id": TARGET_INSTANCE}],
        "execute_recovery": [{"plan_id": plan}],
        # A completed operation: refused, so every example of it is an error anyway.
        "resume_recovery": [{"operation_id": operation}],
        # A completed operation: answered as it ended, nothing changed.
        "cancel_operation": [{"operation_id": operation}],
        "cleanup_recovery": [{"operation_id": operation}],
        # Asks for its confirmation: nothing is created.
        "create_recovery_point": [
            {"instance_id": DB_INSTANCE},
            {"instance_id": WEB_INSTANCE, "image": True},
        ],
        "list_recovery_points": [{"instance_id": DB_INSTANCE}],
        "describe_account": [{}],
    }
    prompts: dict[str, list[dict[str, list[str]]]] = {}
    for tool, calls in bases.items():
        for arguments in calls:
            result = await served.client.call_tool(tool, arguments)
            asked = (result.structured_content or {}).get("decisions", [])
            prompts.setdefault(tool, []).append(
                {p["decision_id"]: [o["value"] for o in p["options"]] for p in asked}
            )
    ids = {
        **WORLD_IDS,
        "snapshot": [data_snapshot, web_snapshot],
        "image": [image],
        "disk": [*WORLD_IDS["disk"], disk],
        "operation": [operation],
        "plan": [plan],
    }
    return World(ids=ids, prompts=prompts), bases


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BadInputRun]:
    workdir: Path = tmp_path_factory.mktemp("bad-arguments")
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(mcp_session(workdir)) as served,
    ):
        world, bases = portal.call(_prepare, served)
        tools = portal.call(served.client.list_tools).tools
        schemas = {t.name: dict(t.input_schema) for t in tools}
        session = BadInputRun(portal, served, world, bases, schemas, {}, 0)
        session.state = session.cloud_state()
        session.requests_before = len(served.sandbox.requests())
        yield session


def _nullable(prop: Mapping[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in prop.get("anyOf", []))


def _choices(prop: Mapping[str, Any]) -> list[str]:
    options = [prop, *prop.get("anyOf", [])]
    return [str(c) for option in options for c in option.get("enum", [])]


NAME_KINDS = {
    ("create_snapshot_group", "name"): "snapshot group",
    ("create_snapshot", "name"): "snapshot",
    ("create_vswitch", "name"): "VSwitch",
    ("create_full_image", "image_name"): "image",
    ("run_dr_instance", "instance_name"): "instance",
    ("plan_recovery", "instance_name"): "instance",
    ("create_disk_from_snapshot", "disk_name"): "disk",
}
ID_KINDS = {
    "instance_id": "instance",
    "source_instance_id": "instance",
    "dr_instance_id": "instance",
    "target_instance_id": "instance",
    "disk_id": "disk",
    "snapshot_id": "snapshot",
    "snapshot_group_id": "snapshot group",
    "image_id": "image",
    "vswitch_id": "VSwitch",
    "vpc_id": "VPC",
    "operation_id": "operation",
    "plan_id": "plan",
}
# Zones a DR copy of a hangzhou-h source cannot go to: another region's, and its own.
WRONG_TARGET_ZONES = [OTHER_REGION_ZONE, SOURCE_ZONE]


def bad_values(session: BadInputRun, tool: str, argument: str, base: int = 0) -> Any:
    """The bad values of one argument of one tool, made bad in its `base`-th valid call;
    KeyError for an argument nobody knows."""
    prop = session.schemas[tool]["properties"][argument]
    nullable = _nullable(prop)
    world = session.world
    if (tool, argument) == ("plan_recovery", "source_instance_id"):
        return bad.bad_sources(world)
    if (tool, argument) == ("find_instances", "name"):
        return bad.bad_name_patterns(nullable=nullable)
    if (tool, argument) == ("find_instances", "zone_id"):
        # Any zone of the account is a place to look: only one of no region is wrong.
        return bad.bad_locations(TARGET_ZONE, ["ap-nowhere-1a"], nullable=nullable)
    if tool in ("find_orphans", "find_instances") and argument == "region_id":
        # Any region the account has is a valid place to look: only an unknown one is wrong.
        return bad.bad_locations("cn-hangzhou", ["ap-nowhere-1"], nullable=nullable)
    if argument in ID_KINDS:
        return bad.bad_ids(ID_KINDS[argument], world, nullable=nullable)
    if (tool, argument) in NAME_KINDS:
        return bad.bad_names(NAME_KINDS[tool, argument], nullable=nullable)
    simple: dict[str, Callable[[], Any]] = {
        "disk_ids": lambda: bad.bad_id_lists("disk", world, limit=65),
        "snapshot_ids": lambda: bad.bad_id_lists("snapshot", world, limit=17),
        "region_id": lambda: bad.bad_locations("cn-hangzhou", [OTHER_REGION], nullable=nullable),
        "target_zone_id": lambda: bad.bad_locations(
            TARGET_ZONE, WRONG_TARGET_ZONES, nullable=nullable
        ),
        "zone_id": lambda: bad.bad_locations(TARGET_ZONE, [OTHER_REGION_ZONE], nullable=nullable),
        "cidr_block": bad.bad_cidrs,
        "instance_type": bad.bad_instance_types,
        "size": lambda: bad.bad_sizes(below=DATA_GIB),
        # PL2 starts at 461 GiB and PL3 at 1261 GiB: wrong for the 100 GiB disk.
        "performance_level": lambda: bad.bad_literals(
            _choices(prop), nullable=nullable, also=["PL2", "PL3"]
        ),
        "disk_category": lambda: bad.bad_literals(_choices(prop), nullable=nullable),
        "scenario": lambda: bad.bad_literals(_choices(prop), nullable=nullable),
        "status": lambda: bad.bad_literals(_choices(prop), nullable=nullable),
        "limit": bad.bad_limits,
        "max_wait_s": bad.bad_seconds,
        "drill": bad.bad_flags,
        "image": bad.bad_flags,
        "recovery_point": lambda: bad.bad_recovery_points(world, nullable=nullable),
        "decisions": lambda: bad.bad_decisions(world.prompts[tool][base]),
    }
    return simple[argument]()


def bad_calls(session: BadInputRun, tool: str) -> Any:
    """(arguments, the argument made bad, what was done to it)."""
    schema = session.schemas[tool]
    accepted = list(schema["properties"])

    def changes(base: int) -> Any:
        made_bad = [st.tuples(st.just(a), bad_values(session, tool, a, base)) for a in accepted]
        left_out = [st.just((a, Bad(MISSING, "argument"))) for a in schema.get("required", [])]
        added = bad.unknown_arguments(accepted)
        return st.one_of(*made_bad, *left_out, added)

    def apply(base: dict[str, Any], change: tuple[str, Bad]) -> tuple[dict[str, Any], str, Bad]:
        argument, value = change
        arguments = dict(base)
        if argument in EXCLUSIVE.get(tool, ()):
            arguments = {k: v for k, v in arguments.items() if k not in EXCLUSIVE[tool]}
        if value.value is MISSING:
            arguments.pop(argument, None)
        else:
            arguments[argument] = value.value
        return arguments, argument, value

    bases = session.bases[tool]
    call = st.integers(0, len(bases) - 1).flatmap(
        lambda n: st.builds(apply, st.just(bases[n]), changes(n))
    )
    # mcp decodes JSON given as a string for a non-string argument: "null" is no value.
    return call.filter(lambda c: not _means_something_else(schema, c[0].get(c[1]), c[1]))


def _means_something_else(schema: Mapping[str, Any], value: Any, argument: str) -> bool:
    """A string mcp decodes into a valid value: "null" for an optional argument (left out),
    a JSON object for decisions."""
    nullable = _nullable(schema["properties"].get(argument, {}))
    if nullable and bad.decodes_to_null(value):
        return True
    return argument == "decisions" and _decodes_to_answers(value)


def _decodes_to_answers(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return isinstance(json.loads(value), dict)
    except (ValueError, RecursionError):
        return False


def _named(text: str, argument: str, bad_value: Bad) -> bool:
    """Whether the error names the argument (or, for an unknown id, its value; for
    decisions, the decision id it is about)."""
    if argument in text or repr(argument)[1:-1][:30] in text:
        return True
    value = bad_value.value
    if bad_value.names == "value" and isinstance(value, str) and value in text:
        return True
    return argument == "decisions" and isinstance(value, dict) and any(k in text for k in value)


def _summary(arguments: Mapping[str, Any]) -> str:
    text = json.dumps(arguments, default=str)
    return text if len(text) < 300 else text[:300] + "..."


def assert_refused_cleanly(
    session: BadInputRun, tool: str, case: tuple[dict[str, Any], str, Bad]
) -> None:
    arguments, argument, bad_value = case
    TRIED[tool] += 1
    result = session.call(tool, arguments)
    texts = [c.text for c in result.content if isinstance(c, TextContent)]
    everything = "\n".join(texts) + json.dumps(result.structured_content or {})
    assert not TRACEBACK.search(everything), (tool, _summary(arguments), everything[:2000])
    assert not PYDANTIC_INTERNALS.search(everything), (tool, _summary(arguments), everything[:2000])
    if bad_value.names != "harmless":
        assert result.is_error, (tool, argument, _summary(arguments), everything[:1000])
    if result.is_error:
        (text,) = texts
        assert len(text) <= MAX_ERROR_CHARS, (tool, argument, len(text), text[:500])
        if bad_value.names != "harmless":
            assert _named(text, argument, bad_value), (tool, argument, _summary(arguments), text)
    assert session.cloud_state() == session.state, (tool, argument, _summary(arguments))


TOOLS = sorted(EXAMPLES)


def test_every_tool_and_every_argument_has_bad_values(session: BadInputRun) -> None:
    assert sorted(session.schemas) == TOOLS
    for tool, schema in session.schemas.items():
        for argument in schema["properties"]:
            assert bad_values(session, tool, argument) is not None, (tool, argument)


@pytest.mark.parametrize("tool", sorted(set(TOOLS) - {"resume_recovery"}))
def test_the_valid_calls_the_bad_ones_start_from_are_accepted(
    session: BadInputRun, tool: str
) -> None:
    for arguments in session.bases[tool]:
        result = session.call(tool, arguments)
        assert not result.is_error, (tool, arguments, result.content)


@pytest.mark.parametrize("tool", TOOLS)
def test_a_bad_argument_is_refused_by_name_without_a_traceback_or_a_change(
    session: BadInputRun, tool: str
) -> None:
    calls = bad_calls(session, tool)

    @settings(settings.get_profile("bad-input"), max_examples=EXAMPLES[tool])
    @given(case=calls)
    def refused(case: tuple[dict[str, Any], str, Bad]) -> None:
        assert_refused_cleanly(session, tool, case)

    refused()
    assert session.mutations() == []


def test_the_whole_run_sent_nothing_that_changes_the_cloud(session: BadInputRun) -> None:
    assert session.mutations() == []
    assert session.cloud_state() == session.state
