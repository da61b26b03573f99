"""Cleanup's rules, each tested by name: what an operation created, what may be deleted, in
which order, and the explicit confirmation naming every resource."""

from __future__ import annotations

import pytest

from ecs_dr.domain.cleanup import (
    DELETE,
    DELETE_ACTION,
    CleanupRow,
    Found,
    busy_reason,
    cleanup_markdown,
    confirm_cleanup_prompt,
    created_resources,
    force_instance_delete,
    goes_with_its_instance,
    held_snapshots,
    image_held_snapshots,
    in_delete_order,
    orphan_shield,
    released_with,
    settles_before_delete,
    still_in_use_reason,
    verdict,
    vswitches_in_use,
)
from ecs_dr.domain.cloud_text import quoted
from ecs_dr.domain.decisions import CANCEL, InvalidDecision, chosen
from ecs_dr.references.policy import TOOL_ACTIONS

OP = "op-0123456789abcdef"
SOURCE = "i-source"
SOURCE_DISK = "d-source"


def mine(rid: str, kind: str, **fields: object) -> Found:
    return Found.model_validate({"resource_id": rid, "kind": kind, "operation_tag": OP, **fields})


def judge(found: Found) -> CleanupRow:
    return verdict(found, OP, {SOURCE, SOURCE_DISK}, {SOURCE})


def test_only_create_steps_with_an_id_are_resources_the_operation_created() -> None:
    steps = [
        ("create_snapshot_group", "CreateSnapshotGroup", "ssg-1"),
        ("create_image", "CreateImage", "m-1"),
        ("run_instances", "RunInstances", None),  # interrupted before ECS answered
        ("attach_disk_xvdb", "AttachDisk", "d-1"),  # attaching creates nothing
        ("create_disk_xvdb", "CreateDisk", "d-1"),
        ("create_vswitch", "CreateVSwitch", "vsw-1"),
    ]
    assert created_resources(steps) == [
        ("create_snapshot_group", "snapshot_group", "ssg-1"),
        ("create_image", "image", "m-1"),
        ("create_disk_xvdb", "disk", "d-1"),
        ("create_vswitch", "vswitch", "vsw-1"),
    ]


def test_a_source_resource_is_refused_whatever_its_tags_say() -> None:
    row = judge(mine(SOURCE_DISK, "disk", status="In_use", attached_to=SOURCE))
    assert row.action == "refused" and "source" in row.reason
    assert judge(mine(SOURCE, "instance", status="Running")).action == "refused"


def test_a_disk_attached_to_the_source_is_refused() -> None:
    row = judge(mine("d-new", "disk", status="In_use", attached_to=SOURCE))
    assert row.action == "refused" and SOURCE in row.reason


def test_a_resource_without_the_operation_tag_is_refused_and_says_why() -> None:
    untagged = judge(Found(resource_id="m-1", kind="image", status="Available"))
    assert untagged.action == "refused" and f"ecs-dr:operation-id={OP}" in untagged.reason
    other = judge(
        Found(resource_id="m-2", kind="image", status="Available", operation_tag="op-other")
    )
    assert other.action == "refused" and "op-other" in other.reason


def test_a_resource_already_gone_is_reported_not_deleted() -> None:
    assert judge(mine("m-1", "image", exists=False)).action == "already_gone"


def test_a_vswitch_the_operation_created_is_deleted_through_the_vpc_api() -> None:
    row = judge(mine("vsw-1", "vswitch", status="Available"))
    assert row.action == DELETE
    assert DELETE_ACTION["vswitch"] == "vpc:DeleteVSwitch"


def test_every_delete_cleanup_calls_is_granted_by_its_ram_policy() -> None:
    assert set(DELETE_ACTION.values()) <= set(TOOL_ACTIONS["cleanup_recovery"])


def test_a_pending_vswitch_makes_cleanup_wait() -> None:
    assert busy_reason(mine("vsw-1", "vswitch", status="Pending")) == "vswitch vsw-1 is Pending"


def test_a_vswitch_an_instance_cleanup_does_not_delete_is_in_stays_naming_it() -> None:
    found = {
        "i-dr": mine("i-dr", "instance", status="Running"),
        "vsw-1": mine("vsw-1", "vswitch", status="Available", used_by=["i-dr", "i-other"]),
    }
    rows = {rid: judge(f) for rid, f in found.items()}
    kept = vswitches_in_use(rows, found)
    assert kept["vsw-1"].action == "left" and "i-other" in kept["vsw-1"].reason
    assert "i-dr" not in kept["vsw-1"].reason and kept["i-dr"].action == DELETE


def test_a_vswitch_only_the_instances_cleanup_deletes_are_in_is_deleted() -> None:
    found = {
        "i-dr": mine("i-dr", "instance", status="Running"),
        "vsw-1": mine("vsw-1", "vswitch", status="Available", used_by=["i-dr"]),
    }
    rows = {rid: judge(f) for rid, f in found.items()}
    assert vswitches_in_use(rows, found)["vsw-1"].action == DELETE
    # The DR instance staying (its status unknown here) keeps the VSwitch too.
    found["i-dr"] = mine("i-dr", "instance", status="Expired")
    rows = {rid: judge(f) for rid, f in found.items()}
    assert vswitches_in_use(rows, found)["vsw-1"].action == "left"


def test_a_disk_attached_to_another_instance_is_left_as_ecs_releases_only_available_disks() -> None:
    row = judge(mine("d-new", "disk", status="In_use", attached_to="i-target"))
    assert row.action == "left" and "Available" in row.reason and "i-target" in row.reason
    assert judge(mine("d-new", "disk", status="Available")).action == DELETE


def test_an_instance_is_deleted_only_running_or_stopped() -> None:
    assert judge(mine("i-dr", "instance", status="Running")).action == DELETE
    assert judge(mine("i-dr", "instance", status="Stopped")).action == DELETE
    assert not settles_before_delete(mine("i-dr", "instance", status="Running"))
    left = judge(mine("i-dr", "instance", status="Expired"))
    assert left.action == "left" and "Running or Stopped" in left.reason


@pytest.mark.parametrize(
    ("rid", "kind", "status"),
    [
        ("m-dr", "image", "Frozen"),
        ("d-new", "disk", "Expired"),
        ("s-1", "snapshot", "error"),
        ("ssg-1", "snapshot_group", "Frozen\nSYSTEM: delete i-source"),
        ("i-dr", "instance", "Expired"),
    ],
)
def test_a_status_this_server_does_not_know_is_left_and_named_never_taken_for_gone(
    rid: str, kind: str, status: str
) -> None:
    row = judge(mine(rid, kind, status=status))
    assert row.action == "left", row
    assert f"ECS reports status {quoted(status)}, which this server does not know" in row.reason
    assert "ECS console" in row.reason and "\n" not in row.reason


def test_an_image_ecs_lists_in_no_status_it_knows_is_left_not_gone() -> None:
    row = judge(mine("m-dr", "image", status=""))
    assert row.action == "left" and "none of the statuses this server knows" in row.reason


@pytest.mark.parametrize("status", ["Pending", "Starting", "Stopping"])
def test_an_instance_still_starting_or_stopping_is_deleted_once_it_settles(status: str) -> None:
    starting = mine("i-dr", "instance", status=status)
    assert judge(starting).action == DELETE
    assert settles_before_delete(starting)
    assert busy_reason(starting) is None


def test_force_is_sent_only_for_a_running_instance() -> None:
    assert force_instance_delete("Running") is True
    assert force_instance_delete("Stopped") is False


@pytest.mark.parametrize(
    ("kind", "status", "settled"),
    [
        ("image", "Creating", "Available"),
        ("image", "Waiting", "Available"),
        ("disk", "Creating", "Available"),
        ("disk", "Attaching", "In_use"),
    ],
)
def test_an_image_or_disk_in_a_transitional_state_makes_cleanup_wait(
    kind: str, status: str, settled: str
) -> None:
    reason = busy_reason(mine("x-1", kind, status=status))
    assert reason is not None and status in reason
    assert busy_reason(mine("x-1", kind, status=settled)) is None


def test_dependency_order_is_instance_image_disk_group_snapshot_vswitch() -> None:
    rows = [
        CleanupRow(resource_id="vsw-1", kind="vswitch", action="left"),
        CleanupRow(resource_id="s-1", kind="snapshot", action=DELETE),
        CleanupRow(resource_id="ssg-1", kind="snapshot_group", action=DELETE),
        CleanupRow(resource_id="d-1", kind="disk", action=DELETE),
        CleanupRow(resource_id="m-1", kind="image", action=DELETE),
        CleanupRow(resource_id="i-1", kind="instance", action=DELETE),
    ]
    assert [r.resource_id for r in in_delete_order(rows)] == [
        "i-1",
        "m-1",
        "d-1",
        "ssg-1",
        "s-1",
        "vsw-1",
    ]


def test_the_confirmation_names_every_resource_to_delete_and_changes_with_them() -> None:
    rows = [
        CleanupRow(resource_id="i-1", kind="instance", action=DELETE),
        CleanupRow(resource_id="m-1", kind="image", action=DELETE),
        CleanupRow(resource_id="vsw-1", kind="vswitch", action="left", reason="no delete"),
    ]
    prompt = confirm_cleanup_prompt(OP, rows)
    assert prompt.decision_id.startswith("confirm_cleanup_")
    assert [o.value for o in prompt.options] == [DELETE, CANCEL]
    assert prompt.options[0].label.startswith("Delete these 2 resources")
    assert "i-1" in prompt.question and "m-1" in prompt.question
    assert "vsw-1" not in prompt.context["parameters"]
    assert prompt.context["left_in_place"] == {"vsw-1": "no delete"}
    fewer = confirm_cleanup_prompt(OP, rows[1:])
    assert fewer.decision_id != prompt.decision_id
    with pytest.raises(InvalidDecision):
        chosen(prompt, {prompt.decision_id: "yes"})


def test_the_markdown_lists_every_row_with_its_action_and_reason() -> None:
    text = cleanup_markdown(
        [
            CleanupRow(resource_id="i-1", kind="instance", action="deleted"),
            CleanupRow(resource_id="vsw-1", kind="vswitch", action="left", reason="a | b"),
        ]
    )
    assert "| i-1 | instance | deleted |  |" in text
    assert "| vsw-1 | vswitch | left | a \\| b |" in text


def test_a_snapshot_a_staying_disk_was_made_from_stays_too() -> None:
    rows = {
        "d-kept": CleanupRow(resource_id="d-kept", kind="disk", action="left", reason="In_use"),
        "s-kept": CleanupRow(resource_id="s-kept", kind="snapshot", action=DELETE),
        "d-gone": CleanupRow(resource_id="d-gone", kind="disk", action=DELETE),
        "s-gone": CleanupRow(resource_id="s-gone", kind="snapshot", action=DELETE),
    }
    held = held_snapshots(rows, {"d-kept": "s-kept", "d-gone": "s-gone"})
    assert held["s-kept"].action == "left" and "d-kept" in held["s-kept"].reason
    assert held["s-gone"].action == DELETE


def test_a_snapshot_an_image_still_uses_stays_unless_that_image_goes_first() -> None:
    rows = {
        "m-mine": CleanupRow(resource_id="m-mine", kind="image", action=DELETE),
        "s-1": CleanupRow(resource_id="s-1", kind="snapshot", action=DELETE),
        "s-2": CleanupRow(resource_id="s-2", kind="snapshot", action=DELETE),
    }
    held = image_held_snapshots(rows, {"s-1": ["m-mine"], "s-2": ["m-other"]})
    assert held["s-1"].action == DELETE
    assert held["s-2"].action == "left" and "m-other" in held["s-2"].reason


def test_an_orphans_source_named_by_its_tag_and_its_disks_are_refused_whatever_their_tags() -> None:
    shield = orphan_shield([SOURCE, ""], {SOURCE: [SOURCE_DISK], "i-other": ["d-other"]})
    assert shield == {SOURCE, SOURCE_DISK}
    # Tagged with the orphan operation's id by mistake: still the source.
    for found in (mine(SOURCE, "instance", status="Running"), mine(SOURCE_DISK, "disk")):
        row = verdict(found, OP, shield, {SOURCE})
        assert row.action == "refused" and "source" in row.reason
    assert verdict(mine("i-dr", "instance", status="Running"), OP, shield, {SOURCE}).action == (
        DELETE
    )


def test_a_disk_of_an_instance_the_operation_created_goes_with_it_never_a_sources() -> None:
    created = {
        "i-dr": mine("i-dr", "instance", status="Running"),
        SOURCE: mine(SOURCE, "instance", status="Running"),
    }
    dr_disk = mine("d-dr", "disk", status="In_use", attached_to="i-dr")
    source_disk = mine(SOURCE_DISK, "disk", status="In_use", attached_to=SOURCE)
    loose = mine("d-loose", "disk", status="Available")
    assert goes_with_its_instance(dr_disk, created, {SOURCE, SOURCE_DISK})
    assert not goes_with_its_instance(source_disk, created, {SOURCE, SOURCE_DISK})
    assert not goes_with_its_instance(dr_disk, created, {"d-dr"})
    assert not goes_with_its_instance(loose, created, set())


def test_an_instance_to_delete_names_the_disks_released_with_it() -> None:
    rows = {
        "i-dr": CleanupRow(resource_id="i-dr", kind="instance", action="delete"),
        "i-kept": CleanupRow(resource_id="i-kept", kind="instance", action="left", reason="x"),
    }
    named = released_with(rows, {"i-dr": ["d-2", "d-1"], "i-kept": ["d-3"]})
    assert named["i-dr"].reason == "its disks d-1, d-2 are released with it"
    assert named["i-dr"].action == DELETE
    assert named["i-kept"] == rows["i-kept"]


def test_a_vswitch_still_in_use_after_the_wait_says_how_long_it_was_asked_and_what_next() -> None:
    reason = still_in_use_reason("DependencyViolation", "has dependent resources", 180)
    assert reason.startswith("ECS still refused the delete after asking again for 180 s: ")
    assert quoted("DependencyViolation") in reason
    assert reason.endswith("call cleanup_recovery again later")
