"""The reference pages are generated from the code; the committed ones must equal what the code
generates now, and the RAM policy must hold exactly the actions the code calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_dr.cloud.errors import (
    RULES,
    PermissionDenied,
    classify,
    ram_action_for,
)
from ecs_dr.references import PAGES, REGENERATE
from ecs_dr.references.errors_page import OWN_CODES
from ecs_dr.references.policy import TOOL_ACTIONS, called_actions, policy, policy_actions
from ecs_dr.tools import TOOLS

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "references"
READ_PREFIXES = ("Describe", "List")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_committed_reference_page_equals_what_the_code_generates(name: str) -> None:
    path = REFERENCES / name
    assert path.is_file(), f"references/{name} is missing; run `{REGENERATE}`"
    assert path.read_text(encoding="utf-8") == PAGES[name](), (
        f"references/{name} is out of date with the code; run `{REGENERATE}` and commit it"
    )


def test_the_tool_action_table_holds_exactly_the_actions_the_code_calls() -> None:
    declared = {a for actions in TOOL_ACTIONS.values() for a in actions}
    called = called_actions()
    assert called - declared == set(), "called but in no tool's line (the policy lacks them)"
    assert declared - called == set(), "in the policy but never called"


def test_every_tool_has_a_line_in_the_action_table() -> None:
    assert set(TOOL_ACTIONS) == {t.name for t in TOOLS}


def test_the_action_scan_finds_calls_and_waiter_polls() -> None:
    called = called_actions()
    assert {"RunInstances", "CreateSnapshotGroup", "DeleteSnapshot"} <= called
    assert {"DescribeImages", "DescribeSnapshotGroups"} <= called  # polled by the waiters


def test_read_only_tools_need_no_action_that_changes_anything() -> None:
    for entry in TOOLS:
        if entry.read_only:
            changing = [
                a
                for a in TOOL_ACTIONS[entry.name]
                if not a.removeprefix("vpc:").startswith(READ_PREFIXES)
            ]
            assert changing == [], entry.name
    read_only = policy_actions(read_only=True)
    assert set(read_only) < set(policy_actions())
    assert all(a.split(":")[1].startswith(READ_PREFIXES) for a in read_only)


def test_the_policy_is_a_ram_policy_document() -> None:
    document = policy()
    assert document["Version"] == "1"
    statements = document["Statement"]
    assert isinstance(statements, list)
    (statement,) = statements
    assert isinstance(statement, dict)
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "*"
    assert statement["Action"] == sorted(statement["Action"])
    assert "ecs:CreateImage" in statement["Action"]


def test_vpc_api_actions_are_authorized_as_vpc_actions() -> None:
    assert ram_action_for("vpc:CreateVSwitch") == "vpc:CreateVSwitch"
    assert ram_action_for("CreateImage") == "ecs:CreateImage"
    assert {a for a in called_actions() if a.startswith("vpc:")} == {
        "vpc:CreateVSwitch",
        "vpc:DeleteVSwitch",
        "vpc:DescribeVSwitches",
        "vpc:DescribeVpcs",
    }


def test_a_permission_error_without_detail_names_the_ram_action_of_the_call() -> None:
    denied = PermissionDenied(
        "Forbidden.RAM", "not authorized", action="CreateVSwitch", service="vpc"
    )
    assert denied.ram_action == "vpc:CreateVSwitch"
    named = PermissionDenied("Forbidden.RAM", "denied. Action: vpc:DescribeVpcs", action="X")
    assert named.ram_action == "vpc:DescribeVpcs"


def test_classify_reads_the_rules_top_down() -> None:
    for rule in RULES:
        for code in rule.codes:
            assert classify(code, 400) is rule.kind, code


def test_the_codes_the_server_makes_are_in_its_source() -> None:
    cloud = ROOT / "server" / "ecs_dr" / "cloud"
    source = "".join(p.read_text() for p in [*cloud.glob("*.py"), *cloud.glob("errors/*.py")])
    for code, _, _ in OWN_CODES:
        assert f'"{code}"' in source, code
