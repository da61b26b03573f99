"""The RAM actions the product needs: the ECS and VPC API actions the code calls (read from the
source of `cloud/ecs/`, the waiters' Describe entries included, so the list cannot miss one), the
RAM action RAM checks for each, and which tool calls which. An ECS action is named bare
(`CreateImage`), a VPC API action with its RAM namespace (`vpc:CreateVSwitch`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from ecs_dr.cloud.errors import ram_action_for
from ecs_dr.tools import TOOLS

CLOUD = Path(__file__).resolve().parent.parent / "cloud"
# The gateway methods that take an action name as their second argument, the request third.
GATEWAY_METHODS = frozenset({"call", "pages", "collect"})

# Region lookup: a tool given no region_id looks for the resource in every region.
_FIND = ("DescribeRegions",)
_SOURCE = ("DescribeInstances", "DescribeDisks", *_FIND)
_ZONE = ("DescribeZones", "DescribeAvailableResource", "DescribeInstanceTypes")
_NETWORK = ("vpc:DescribeVpcs", "vpc:DescribeVSwitches")
_SNAPSHOTS = (
    "CreateSnapshotGroup",
    "DescribeSnapshotGroups",
    "CreateSnapshot",
    "DescribeSnapshots",
)
_IMAGE = ("CreateImage", "DescribeImages")
# The VPC API's CreateVSwitch tags the VSwitch as it creates it (its Tag.N).
_NEW_VSWITCH = ("vpc:CreateVSwitch",)
_RUN = ("RunInstances", "DescribeAccountAttributes", "TagResources")
_DISKS = ("CreateDisk", "AttachDisk", "DescribeAccountAttributes", "TagResources")
_CLEANUP = (
    "ListTagResources",
    "DeleteInstance",
    "DeleteImage",
    "DeleteSnapshotGroup",
    "DeleteSnapshot",
    "DeleteDisk",
    "vpc:DeleteVSwitch",
)

# Which ECS actions each tool may call (the union must equal what the code calls; a test checks
# that, and an end-to-end test checks each tool's calls on the sandbox against its line).
TOOL_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "find_instances": _SOURCE,
    "describe_source": (*_SOURCE, *_ZONE, *_NETWORK, "DescribeSnapshots"),
    "check_target_zone": (*_SOURCE, *_ZONE, *_NETWORK),
    "describe_target_instance": _SOURCE,
    # The DR instance's operation tag finds the plan it was held to (the user's choices).
    "verify_dr_instance": (*_SOURCE, "DescribeImages", "ListTagResources"),
    "wait_operation": (),
    "get_operation": (),
    "list_operations": (),
    "drill_report": (),
    "cancel_operation": (),
    "describe_account": (),
    # The cloud as the second record: every tagged resource, its status and its source.
    "find_orphans": (
        *_SOURCE,
        "ListTagResources",
        "DescribeImages",
        "DescribeSnapshots",
        "DescribeSnapshotGroups",
        "vpc:DescribeVSwitches",
    ),
    "plan_recovery": (
        *_SOURCE,
        *_ZONE,
        *_NETWORK,
        "DescribeAccountAttributes",
        "DescribeSnapshots",
    ),
    "create_snapshot_group": (*_SOURCE, *_SNAPSHOTS, "TagResources"),
    "create_snapshot": (*_SOURCE, "CreateSnapshot", "DescribeSnapshots", "TagResources"),
    "create_full_image": (*_SOURCE, *_SNAPSHOTS, *_IMAGE, "TagResources"),
    "create_vswitch": (*_FIND, *_NETWORK, "DescribeZones", *_NEW_VSWITCH),
    "run_dr_instance": (*_SOURCE, *_ZONE, *_NETWORK, *_IMAGE, *_RUN),
    "create_disk_from_snapshot": (*_SOURCE, *_ZONE, "DescribeSnapshots", *_DISKS),
    "attach_disk": (*_SOURCE, "DescribeInstanceTypes", "AttachDisk"),
    "create_recovery_point": (*_SOURCE, *_SNAPSHOTS, *_IMAGE, "TagResources"),
    "list_recovery_points": (
        *_SOURCE,
        "DescribeSnapshotGroups",
        "DescribeSnapshots",
        "DescribeImages",
    ),
    "execute_recovery": (
        *_SOURCE,
        *_ZONE,
        *_NETWORK,
        *_SNAPSHOTS,
        *_IMAGE,
        *_RUN,
        *_DISKS,
        *_NEW_VSWITCH,
    ),
    "resume_recovery": (
        *_SOURCE,
        *_ZONE,
        *_NETWORK,
        *_SNAPSHOTS,
        *_IMAGE,
        *_RUN,
        *_DISKS,
        *_NEW_VSWITCH,
    ),
    "cleanup_recovery": (
        *_SOURCE,
        "DescribeImages",
        "DescribeSnapshots",
        "DescribeSnapshotGroups",
        *_NETWORK,
        *_CLEANUP,
    ),
}

# Actions RAM authorizes for any identity, so no policy grants them: STS GetCallerIdentity,
# which describe_account and every confirmation of a change (naming the account) call.
GRANTED_TO_EVERY_IDENTITY = frozenset({"sts:GetCallerIdentity"})
# Why a tool that calls the cloud needs no RAM action all the same.
NO_PERMISSION_NEEDED = {
    "describe_account": "STS GetCallerIdentity, which any identity may call",
}


def called_actions() -> frozenset[str]:
    """Every action the code passes to the gateway (`gw.call/pages/collect(region, "Action",
    request)`) or polls in a waiter (`Describe("Action", request_type, ...)`): bare
    for ECS's, `vpc:Action` for the VPC API's (a request model of `vpc.`, the VPC SDK's)."""
    files = sorted((CLOUD / "ecs").glob("*.py"))
    return frozenset(a for f in files for a in _actions_in(ast.parse(f.read_text(), str(f))))


def _actions_in(tree: ast.AST) -> Iterator[str]:
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        requests = _request_models(scope)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in GATEWAY_METHODS and len(node.args) >= 3:
                sdk = _sdk_of(node.args[2], requests)
                yield from (_qualified(sdk, a) for a in _literal(node.args[1]))
            if name == "Describe":
                sdk = _sdk_of(node.args[1], requests)
                yield from (_qualified(sdk, a) for a in _literal(node.args[0]))


def _request_models(scope: ast.AST) -> dict[str, ast.expr]:
    """name -> the expression assigned to it in this scope (`request = vpc.XRequest(...)`)."""
    return {
        target.id: node.value
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _sdk_of(node: ast.expr, requests: Mapping[str, ast.expr]) -> str:
    """`vpc` or `ecs`: the SDK models module a request expression is built from."""
    if isinstance(node, ast.Name) and node.id in requests:
        node = requests[node.id]
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id
    return "ecs"


def _qualified(sdk: str, action: str) -> str:
    return f"vpc:{action}" if sdk == "vpc" else action


def _literal(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value


def tool_ram_actions(tool: str) -> list[str]:
    """The RAM actions one tool needs, sorted."""
    return sorted({ram_action_for(a) for a in TOOL_ACTIONS[tool]})


def policy_actions(*, read_only: bool = False) -> list[str]:
    """The RAM actions of the minimal policy: every tool's, or only the read-only tools'."""
    tools = [t.name for t in TOOLS if t.read_only or not read_only]
    return sorted({ram_action_for(a) for t in tools for a in TOOL_ACTIONS[t]})


def policy(*, read_only: bool = False) -> dict[str, object]:
    """The minimal RAM policy document."""
    return {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": policy_actions(read_only=read_only), "Resource": "*"}
        ],
    }
