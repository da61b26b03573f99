"""Scenario B's rules, each tested by name: a disk from a snapshot in the target's zone keeps
the source's category, size and performance level; attaching follows ECS's requirements."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_dr.domain.decisions import chosen
from ecs_dr.domain.disks import (
    ATTACHABLE_STATUSES,
    AttachDiskPlan,
    CreateDiskPlan,
    attached_to,
    can_take_disk,
    categories_for,
    check_attach,
    create_disk_plan,
    disk_layout,
    layout_markdown,
    mount_reminder,
    new_disk_category,
)
from ecs_dr.domain.models import Disk, Instance, Snapshot
from ecs_dr.domain.names import default_disk_name, validate_disk_name
from ecs_dr.domain.prompts import instance_not_ready_prompt, new_disk_category_prompt
from ecs_dr.domain.rules import check_performance_level, performance_levels_for
from tests.support.factories import SOURCE_ZONE, TARGET_ZONE, data_disk, instance, system_disk

SOURCE_DISK = data_disk(
    "/dev/xvdc", disk_id="d-wal", name="prod-db-01-wal", instance_id="i-source", zone_id=SOURCE_ZONE
)
OS_COMMANDS = ("mount ", "mkfs", "fdisk", "lsblk", "parted", "diskpart", "fstab", "sudo")


def snapshot_of(disk: Disk, **changes: Any) -> Snapshot:
    fields: dict[str, Any] = {
        "snapshot_id": f"s-{disk.disk_id}",
        "source_disk_id": disk.disk_id,
        "source_disk_kind": disk.kind,
        "source_disk_size_gib": disk.size_gib,
        "status": "accomplished",
        "progress": 100,
        "available": True,
    }
    return Snapshot(**(fields | changes))


def target(**changes: Any) -> Instance:
    """dr-target-01: another zone, a system disk only, Running."""
    fields: dict[str, Any] = {
        "instance_id": "i-target",
        "name": "dr-target-01",
        "zone_id": TARGET_ZONE,
        "disks": [system_disk(disk_id="d-target-sys", instance_id="i-target")],
    }
    return instance(**(fields | changes))


def new_disk(**changes: Any) -> Disk:
    """A disk create_disk_from_snapshot made in the target's zone: Available, unattached."""
    fields: dict[str, Any] = {
        "disk_id": "d-new",
        "kind": "data",
        "device": "",
        "category": "cloud_essd",
        "size_gib": 500,
        "performance_level": "PL2",
        "status": "Available",
        "zone_id": TARGET_ZONE,
    }
    return Disk(**(fields | changes))


def plan(source: Disk | None = SOURCE_DISK, **arguments: Any) -> CreateDiskPlan:
    snapshot = snapshot_of(source if source is not None else SOURCE_DISK)
    category = arguments.pop("category", None) or new_disk_category(snapshot, source, None)
    return create_disk_plan(
        snapshot, source, arguments.pop("to", target()), category=category, **arguments
    )


# --- performance levels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "levels"),
    [
        (1, ["PL0"]),
        (20, ["PL0", "PL1"]),
        (461, ["PL0", "PL1", "PL2"]),
        (1261, ["PL0", "PL1", "PL2", "PL3"]),
    ],
)
def test_each_performance_level_allows_only_its_size_range(size: int, levels: list[str]) -> None:
    assert performance_levels_for(size) == levels
    assert performance_levels_for(size - 1) == levels[:-1]
    assert performance_levels_for(65537) == []


def test_a_performance_level_too_high_for_the_size_is_refused_naming_the_levels_that_fit() -> None:
    with pytest.raises(
        ValueError, match=r"PL3 takes a disk of 1261-65536 GiB, not 500 GiB.*PL0, PL1, PL2"
    ):
        check_performance_level("PL3", 500)


def test_an_unknown_performance_level_is_refused_listing_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid: PL0, PL1, PL2, PL3"):
        check_performance_level("PL9", 500)


# --- the new disk ----------------------------------------------------------------------------


def test_the_new_disk_keeps_the_source_disks_category_size_and_performance_level() -> None:
    made = plan()

    assert (made.category, made.size_gib, made.performance_level) == ("cloud_essd", 500, "PL2")
    assert (made.zone_id, made.target_instance_id) == (TARGET_ZONE, "i-target")
    assert made.source_instance_id == "i-source"


def test_create_disk_goes_to_the_targets_zone_with_the_pl_always_explicit() -> None:
    assert plan().parameters() == {
        "RegionId": "cn-hangzhou",
        "ZoneId": TARGET_ZONE,
        "SnapshotId": "s-d-wal",
        "DiskCategory": "cloud_essd",
        "Size": 500,
        "PerformanceLevel": "PL2",
        "DiskName": "recovery-prod-db-01-wal",
    }


def test_create_disk_never_names_the_instance_so_ecs_does_not_attach_before_the_user_agrees() -> (
    None
):
    assert "InstanceId" not in plan().parameters()


def test_a_non_essd_disk_gets_no_performance_level() -> None:
    source = SOURCE_DISK.model_copy(
        update={"category": "cloud_efficiency", "performance_level": None}
    )
    made = plan(source)

    assert made.performance_level is None
    assert "PerformanceLevel" not in made.parameters()


def test_an_essd_copy_of_a_disk_without_a_level_gets_ecs_default_level_explicitly() -> None:
    source = SOURCE_DISK.model_copy(
        update={"category": "cloud_essd_entry", "performance_level": None, "size_gib": 100}
    )
    made = plan(source, category="cloud_essd")

    assert made.parameters()["PerformanceLevel"] == "PL1"


def test_a_small_essd_copy_without_a_level_gets_pl0_since_pl1_needs_20_gib() -> None:
    source = SOURCE_DISK.model_copy(
        update={"category": "cloud_auto", "performance_level": None, "size_gib": 10}
    )
    assert plan(source, category="cloud_essd").performance_level == "PL0"


def test_the_users_size_and_level_win_when_they_fit() -> None:
    made = plan(size_gib=1300, performance_level="PL3")
    assert (made.size_gib, made.performance_level) == (1300, "PL3")


def test_a_size_below_the_snapshots_source_size_is_refused() -> None:
    with pytest.raises(ValueError, match=r"size 100 GiB is below 500 GiB.*Pass size >= 500"):
        plan(size_gib=100)


def test_a_performance_level_that_does_not_fit_the_size_is_refused() -> None:
    with pytest.raises(ValueError, match="can have: PL0, PL1, PL2"):
        plan(performance_level="PL3")


def test_a_performance_level_on_another_category_than_cloud_essd_is_refused() -> None:
    with pytest.raises(ValueError, match="cloud_essd only, not cloud_auto"):
        plan(category="cloud_auto", performance_level="PL1")


def test_cloud_essd_entry_is_refused_for_a_type_that_cannot_take_it() -> None:
    with pytest.raises(ValueError, match=r"ecs\.e and ecs\.u1 instance types"):
        plan(category="cloud_essd_entry")
    made = plan(category="cloud_essd_entry", to=target(instance_type="ecs.u1-c1m2.large"))
    assert made.category == "cloud_essd_entry" and made.performance_level is None


def test_a_failed_snapshot_restores_nothing() -> None:
    snapshot = snapshot_of(SOURCE_DISK, status="failed", progress=40)
    with pytest.raises(ValueError, match=r"failed.*create_snapshot"):
        create_disk_plan(snapshot, SOURCE_DISK, target(), category="cloud_essd")


def test_a_snapshot_still_uploading_is_planned_and_waited_for_later() -> None:
    snapshot = snapshot_of(SOURCE_DISK, status="progressing", progress=40)
    made = create_disk_plan(snapshot, SOURCE_DISK, target(), category="cloud_essd")
    assert made.snapshot_id == snapshot.snapshot_id


def test_without_its_source_disk_the_category_must_be_given() -> None:
    snapshot = snapshot_of(SOURCE_DISK)
    with pytest.raises(ValueError, match=r"no longer exists.*pass disk_category"):
        new_disk_category(snapshot, None, None)
    assert new_disk_category(snapshot, None, "cloud_auto") == "cloud_auto"


def test_the_default_disk_name_is_recovery_and_the_source_disks_name_or_id() -> None:
    snapshot = snapshot_of(SOURCE_DISK)
    assert default_disk_name(snapshot, SOURCE_DISK) == "recovery-prod-db-01-wal"
    assert default_disk_name(snapshot, None) == "recovery-d-wal"


@pytest.mark.parametrize("name", ["x", "1disk", "https://disk", "disk name"])
def test_a_disk_name_ecs_would_reject_is_refused_stating_the_rule(name: str) -> None:
    with pytest.raises(ValueError, match="A disk name is 2-128 characters"):
        validate_disk_name(name)


def test_a_system_disk_is_copied_as_a_data_disk() -> None:
    system = system_disk(instance_id="i-source", name="prod-db-01-system")
    made = plan(system)

    assert made.source_disk_kind == "system"
    assert (made.size_gib, made.performance_level) == (40, "PL0")


# --- the category choice ----------------------------------------------------------------------


def test_only_ecs_u1_and_ecs_e_instances_are_offered_cloud_essd_entry() -> None:
    offered = ["cloud_essd", "cloud_essd_entry", "cloud_auto"]
    assert categories_for("ecs.g7.large", offered) == ["cloud_essd", "cloud_auto"]
    assert categories_for("ecs.u1-c1m2.large", offered) == offered


def test_an_unoffered_category_offers_the_zones_categories_essd_first_then_cancel() -> None:
    prompt = new_disk_category_prompt(
        "s-1",
        "cloud_essd_entry",
        100,
        "PL1",
        target(zone_id="cn-hangzhou-l"),
        ["cloud_efficiency", "cloud_auto", "cloud_essd", "cloud_ssd"],
    )

    assert prompt.values == [
        "category:cloud_essd",
        "category:cloud_auto",
        "category:cloud_ssd",
        "cancel",
    ]
    assert prompt.options[0].label == "Use cloud_essd (Recommended)"
    assert "PL1" in prompt.options[0].description
    assert "cloud_essd_entry" in prompt.question and "cn-hangzhou-l" in prompt.question
    assert chosen(prompt, {"disk_category_s-1": "category:cloud_auto"}) == "category:cloud_auto"


def test_a_zone_offering_no_category_is_an_error_not_a_prompt() -> None:
    with pytest.raises(ValueError, match="offers no data disk category"):
        new_disk_category_prompt("s-1", "cloud_essd", 100, "PL1", target(), [])


# --- attaching --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Running", "Stopped"])
def test_running_or_stopped_instances_take_a_disk(status: str) -> None:
    assert can_take_disk(target(status=status))


@pytest.mark.parametrize("status", ["Pending", "Starting", "Stopping"])
def test_other_instance_states_cannot_take_a_disk(status: str) -> None:
    assert not can_take_disk(target(status=status))


def test_a_target_that_cannot_take_a_disk_offers_to_wait_recommended_or_cancel() -> None:
    prompt = instance_not_ready_prompt(target(status="Pending"), ATTACHABLE_STATUSES, 10)

    assert prompt.decision_id == "instance_status_i-target"
    assert prompt.values == ["wait", "cancel"]
    assert "i-target is Pending" in prompt.question
    assert "Running or Stopped" in prompt.question
    assert "10 minutes" in prompt.options[0].description


def test_a_free_available_disk_of_the_targets_zone_can_be_attached() -> None:
    check_attach(new_disk(), target(), 16)


def test_a_disk_of_another_zone_is_refused_saying_where_each_is() -> None:
    with pytest.raises(
        ValueError, match=f"d-new is in {SOURCE_ZONE} and i-target in {TARGET_ZONE}"
    ):
        check_attach(new_disk(zone_id=SOURCE_ZONE), target(), 16)


def test_a_disk_attached_to_another_instance_is_refused_naming_it() -> None:
    busy = new_disk(instance_id="i-other", device="/dev/xvdb", status="In_use")
    with pytest.raises(ValueError, match="attached to another instance, i-other"):
        check_attach(busy, target(), 16)


def test_a_disk_already_on_the_target_is_refused_as_nothing_to_do() -> None:
    on = new_disk(instance_id="i-target", device="/dev/xvdb", status="In_use")
    with pytest.raises(ValueError, match="already attached to i-target at /dev/xvdb"):
        check_attach(on, target(), 16)


@pytest.mark.parametrize("status", ["Creating", "ReIniting"])
def test_a_disk_that_is_not_available_is_refused(status: str) -> None:
    with pytest.raises(ValueError, match=f"d-new is {status}; ECS attaches only an Available"):
        check_attach(new_disk(status=status), target(), 16)


def test_a_target_at_its_data_disk_limit_is_refused() -> None:
    full = target(disks=[system_disk(), *(data_disk(f"/dev/xvd{c}") for c in "bcdefgh")])
    with pytest.raises(ValueError, match="already has 7 data disks, the most its type takes"):
        check_attach(new_disk(), full, 7)
    check_attach(new_disk(), full, 8)
    check_attach(new_disk(), full, None)


def test_cloud_essd_entry_attaches_only_to_the_types_that_take_it() -> None:
    entry = new_disk(category="cloud_essd_entry", performance_level=None)
    with pytest.raises(ValueError, match=r"attaches only to ecs\.e and ecs\.u1"):
        check_attach(entry, target(), 16)
    check_attach(entry, target(instance_type="ecs.e-c1m2.large"), 8)


def test_attach_disk_sends_exactly_the_instance_and_the_disk() -> None:
    made = AttachDiskPlan(
        region_id="cn-hangzhou", zone_id=TARGET_ZONE, disk_id="d-new", target_instance_id="i-t"
    )
    assert (made.action, made.parameters()) == (
        "AttachDisk",
        {"InstanceId": "i-t", "DiskId": "d-new"},
    )


@pytest.mark.parametrize(
    ("status", "attached"), [("Attaching", True), ("In_use", True), ("Available", False)]
)
def test_a_retried_attach_sees_a_disk_already_attaching_or_in_use_on_the_target(
    status: str, attached: bool
) -> None:
    disk = new_disk(instance_id="i-target" if attached else None, status=status)
    assert attached_to(disk, "i-target") is attached
    assert not attached_to(disk, "i-other")


# --- the layout and the reminder ---------------------------------------------------------------


def test_the_layout_lists_every_disk_of_the_target_system_first_marking_the_new_one() -> None:
    attached = new_disk(instance_id="i-target", device="/dev/xvdc", status="In_use")
    other = data_disk("/dev/xvdb", instance_id="i-target", status="In_use")
    rows = disk_layout(target(disks=[attached, other, system_disk(status="In_use")]), {"d-new"})

    assert [(r.device, r.new) for r in rows] == [
        ("/dev/xvda", False),
        ("/dev/xvdb", False),
        ("/dev/xvdc", True),
    ]
    table = layout_markdown(rows).splitlines()
    assert table[0] == "| Device | Disk ID | Type | Category | Size (GiB) | PL | Status | Note |"
    assert (
        table[-1]
        == "| /dev/xvdc | d-new | data | cloud\\_essd | 500 | PL2 | In\\_use | attached now |"
    )


def test_cloud_text_cannot_break_the_layout_table() -> None:
    odd = new_disk(disk_id="d-x|y\n| injected", category="cloud_essd")
    (row,) = disk_layout(target(disks=[odd]), set())
    line = layout_markdown([row]).splitlines()[-1]
    assert line.count(" | ") == 7 and "\n" not in line


def test_a_disk_without_a_level_shows_a_dash_in_the_layout() -> None:
    plain = new_disk(category="cloud_efficiency", performance_level=None)
    assert "| cloud\\_efficiency | 500 | - |" in layout_markdown(
        disk_layout(target(disks=[plain]), set())
    )


def test_the_mount_reminder_says_what_is_left_without_any_os_command() -> None:
    text = mount_reminder("d-new", "/dev/xvdb", "i-target")

    assert "d-new" in text and "/dev/xvdb" in text and "mounted" in text
    assert "does not know the OS" in text
    assert not any(command in text for command in OS_COMMANDS)
