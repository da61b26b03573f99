"""Every request parameter the product sends holds a value the official SDK documents for it.

The SDK's request models document each parameter's valid values in a comment (`sdk_docs`).
The product runs over the sandbox as its tools drive it: Scenario A as a drill into a zone
without a VSwitch, that drill's cleanup, and Scenario B; then every value it sent in a parameter
whose comment lists values is checked against that list. ECS refuses what it does not document
(`ListTagResources` with `ResourceType=snapshotgroup`), however lenient a fake may be.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import anyio

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.cleanup import TAG_RESOURCE_TYPE
from ecs_dr.domain.disk_recovery import DiskRecoveryPlan
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan
from ecs_dr.domain.plans import NeedsDecision
from ecs_dr.workflows.cleanup import execute_cleanup, inventory
from ecs_dr.workflows.disk_recovery import execute_disk_recovery, plan_disk_recovery
from ecs_dr.workflows.instance_recovery import execute_instance_recovery, plan_instance_recovery
from ecs_dr.workflows.journal import Journal
from tests.cloud.sdk_docs import API_NAMES, Api, Field, field_of
from tests.support.decisions import expect
from tests.support.demo_world import DB_INSTANCE, TARGET_INSTANCE
from tests.support.sandboxes import SandboxHandle, VirtualTime
from tests.support.workflows import FLOW_LIMIT_S, ProgressLog, Steps

NO_VSWITCH_ZONE = "cn-hangzhou-j"
# Parameters the runs below must send, or the check proves less than it says.
EXERCISED = {
    ("ListTagResources", "ResourceType"),
    ("DescribeAvailableResource", "DestinationResource"),
    ("DescribeAvailableResource", "SystemDiskCategory"),
    ("DescribeImages", "Status"),
    ("RunInstances", "DataDisk.N.Category"),
    ("RunInstances", "DataDisk.N.PerformanceLevel"),
    ("RunInstances", "SystemDisk.Category"),
    ("CreateDisk", "DiskCategory"),
    ("DeleteInstance", "Force"),
}


def test_the_parser_reads_tag_resource_types_and_available_resource_destinations() -> None:
    resource_type = field_of("ecs", "TagResources", "ResourceType")
    assert resource_type is not None and resource_type.values is not None
    assert {"instance", "disk", "snapshot", "image"} <= resource_type.values
    assert "snapshotgroup" not in resource_type.values
    assert "vswitch" not in resource_type.values
    destination = field_of("ecs", "DescribeAvailableResource", "DestinationResource")
    assert destination is not None and destination.values is not None
    assert {"DataDisk", "SystemDisk", "InstanceType"} <= destination.values
    category = field_of("ecs", "RunInstances", "DataDisk.3.Category")
    assert category is not None and category.values is not None
    assert "cloud_essd" in category.values
    name = field_of("ecs", "RunInstances", "InstanceName")
    assert name is not None and name.values is None


def test_cleanup_lists_tags_through_ecs_only_for_resource_types_ecs_documents() -> None:
    listed = field_of("ecs", "ListTagResources", "ResourceType")
    assert listed is not None and listed.values is not None
    assert set(TAG_RESOURCE_TYPE.values()) <= listed.values


def test_an_undocumented_value_is_named_with_its_action_parameter_and_the_documented_ones() -> None:
    requests = [
        {"action": "ListTagResources", "parameters": {"ResourceType": "snapshotgroup"}},
        {"api": "ecs", "action": "DescribeImages", "parameters": {"Status": "Creating,Gone"}},
        {"api": "2014-05-26", "action": "DeleteInstance", "parameters": {"Force": "True"}},
        {"action": "RunInstances", "parameters": {"InstanceName": "anything at all"}},
    ]
    (tags, status) = undocumented(requests)
    assert tags.startswith("ecs ListTagResources ResourceType='snapshotgroup': the SDK documents")
    assert "instance, invocation" in tags
    assert status.startswith("ecs DescribeImages Status='Gone': the SDK documents ALL, Available")


def _generic(parameter: str) -> str:
    """`DataDisk.2.Category` -> `DataDisk.N.Category`."""
    return ".".join("N" if part.isdigit() else part for part in parameter.split("."))


def _sent_values(value: str, field: Field) -> list[str]:
    """A comma-separated list (`Status=Creating,Available`) is checked value by value."""
    return [value] if field.documents(value) else value.split(",")


def undocumented(requests: list[dict[str, Any]]) -> Iterator[str]:
    """One line per enumerated parameter value the SDK does not document for it."""
    for request in requests:
        api: Api = API_NAMES.get(request.get("api") or "ecs", "ecs")
        action = request["action"]
        for parameter, value in request["parameters"].items():
            field = field_of(api, action, parameter)
            if field is None or field.values is None:
                continue
            for sent in _sent_values(value, field):
                if not field.documents(sent):
                    yield (
                        f"{api} {action} {parameter}={sent!r}: the SDK documents "
                        f"{', '.join(sorted(field.values))}"
                    )


def enumerated(requests: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, parameter) of every enumerated parameter the requests sent."""
    found: set[tuple[str, str]] = set()
    for request in requests:
        api: Api = API_NAMES.get(request.get("api") or "ecs", "ecs")
        for parameter in request["parameters"]:
            field = field_of(api, request["action"], parameter)
            if field is not None and field.values is not None:
                found.add((request["action"], _generic(parameter)))
    return found


def _first_answers(needs: NeedsDecision) -> Mapping[str, str]:
    """Each prompt's recommended option (listed first)."""
    return {p.decision_id: p.values[0] for p in needs.prompts}


async def drill_and_cleanup(gateway: EcsGateway, journal: Journal, timing: Timing) -> None:
    """Scenario A as a drill into a zone without a VSwitch, then that drill's cleanup."""
    asked = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, NO_VSWITCH_ZONE, drill=True),
        NeedsDecision,
    )
    plan = expect(
        await plan_instance_recovery(
            gateway, DB_INSTANCE, NO_VSWITCH_ZONE, decisions=_first_answers(asked), drill=True
        ),
        InstanceRecoveryPlan,
    )
    step = Steps(journal).start("execute_recovery")
    await execute_instance_recovery(gateway, plan, step, ProgressLog(), timing=timing)
    journal.finish(step.operation_id, "completed", result={})
    found = await inventory(gateway, journal.get(step.operation_id))
    journal.claim_cleanup(step.operation_id)
    cleaned = await execute_cleanup(gateway, found, ProgressLog(), timing=timing)
    assert cleaned.deleted, cleaned.rows


async def disks_onto_target(gateway: EcsGateway, journal: Journal, timing: Timing) -> None:
    """Scenario B: the source's data disks copied onto the existing target instance."""
    asked = expect(await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE), NeedsDecision)
    plan = expect(
        await plan_disk_recovery(
            gateway, DB_INSTANCE, TARGET_INSTANCE, decisions=_first_answers(asked)
        ),
        DiskRecoveryPlan,
    )
    step = Steps(journal).start("execute_recovery")
    await execute_disk_recovery(gateway, plan, step, ProgressLog(), timing=timing)


async def test_every_enumerated_value_the_product_sends_is_one_the_sdk_documents(
    gateway: EcsGateway, sandbox: SandboxHandle, virtual_time: VirtualTime, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    timing = Timing(sleep=virtual_time.sleep, clock=virtual_time.now)
    with anyio.fail_after(2 * FLOW_LIMIT_S):
        await drill_and_cleanup(gateway, journal, timing)
        await disks_onto_target(gateway, journal, timing)

    requests = sandbox.requests()
    sent = enumerated(requests)
    assert not EXERCISED - sent, f"not sent, so not checked: {sorted(EXERCISED - sent)}"
    wrong = sorted(set(undocumented(requests)))
    assert not wrong, "values the SDK does not document:\n" + "\n".join(wrong)
