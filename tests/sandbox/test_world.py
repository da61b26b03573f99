"""The world file: defaults, and refusal of a malformed file naming the bad field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ecs_dr.sandbox.world import WorldError, load_world, parse_world

MINIMAL: dict[str, Any] = {
    "instance_types": {"ecs.g7.large": {"cpu": 2, "memory_gib": 8}},
    "regions": [
        {
            "region_id": "cn-test",
            "zones": [{"zone_id": "cn-test-a"}],
            "vpcs": [
                {
                    "vpc_id": "vpc-1",
                    "cidr_block": "10.0.0.0/16",
                    "vswitches": [
                        {"vswitch_id": "vsw-1", "zone_id": "cn-test-a", "cidr_block": "10.0.1.0/24"}
                    ],
                    "security_groups": ["sg-1"],
                }
            ],
            "instances": [
                {
                    "instance_id": "i-1",
                    "zone_id": "cn-test-a",
                    "instance_type": "ecs.g7.large",
                    "vswitch_id": "vsw-1",
                    "security_group_ids": ["sg-1"],
                    "disks": [
                        {
                            "disk_id": "d-1",
                            "type": "system",
                            "device": "/dev/xvda",
                            "performance_level": "PL1",
                        }
                    ],
                }
            ],
        }
    ],
}


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    world = copy.deepcopy(MINIMAL)
    target: Any = world
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return world


def test_left_out_fields_get_defaults() -> None:
    world = parse_world(MINIMAL)
    instance = world.regions[0].instances[0]
    assert instance.status == "Running"
    assert instance.internet_max_bandwidth_out == 0
    assert instance.disks[0].category == "cloud_essd"
    assert instance.disks[0].size == 40
    assert world.instance_types["ecs.g7.large"].system_disk_categories is None


def test_cloud_essd_disk_without_a_level_gets_pl1_as_ecs_gives() -> None:
    disk = {"disk_id": "d-1", "type": "system", "device": "/dev/xvda"}
    world = parse_world(_with(["regions", 0, "instances", 0, "disks"], [disk]))
    assert world.regions[0].instances[0].disks[0].performance_level == "PL1"


def test_demo_world_loads_and_covers_the_recovery_cases() -> None:
    world = load_world(None)
    hangzhou = world.regions[0]
    names = {i.instance_name for i in hangzhou.instances}
    assert {"prod-db-01", "web-frontend-01", "legacy-app-01", "dr-target-01"} <= names
    zones_with_vswitch = {v.zone_id for vpc in hangzhou.vpcs for v in vpc.vswitches}
    assert any(z.zone_id not in zones_with_vswitch for z in hangzhou.zones)
    assert any(s.stock == 0 for z in hangzhou.zones for s in z.instance_types.values())
    assert any("cloud_essd_entry" not in z.disk_categories for z in hangzhou.zones)


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (
            ["regions", 0, "instances", 0, "disks", 0, "size"],
            -5,
            "regions[0].instances[0].disks[0].size",
        ),
        (["regions", 0, "instances", 0, "disks", 0, "category"], "floppy", "disks[0].category"),
        (["regions", 0, "instances", 0, "zone_id"], "cn-test-z", "regions[0].instances[0].zone_id"),
        (["regions", 0, "instances", 0, "vswitch_id"], "vsw-missing", "instances[0].vswitch_id"),
        (["regions", 0, "instances", 0, "instance_type"], "ecs.nope", "instances[0].instance_type"),
        (["regions", 0, "instances", 0, "security_group_ids"], ["sg-x"], "security_group_ids[0]"),
        (["regions", 0, "vpcs", 0, "vswitches", 0, "cidr_block"], "192.168.0.0/24", "cidr_block"),
        (["regions", 0, "instances", 0, "surprise"], 1, "regions[0].instances[0].surprise"),
        (["durations"], {"spread": 0.9}, "durations.spread"),
        (["durations"], {"seed": "7"}, "durations.seed"),
        (
            ["instance_types", "ecs.g7.large", "system_disk_categories"],
            ["cloud_essd", "floppy"],
            "instance_types.ecs.g7.large.system_disk_categories[1]",
        ),
        (
            ["instance_types", "ecs.g7.large", "system_disk_categories"],
            [],
            "instance_types.ecs.g7.large.system_disk_categories",
        ),
        (
            ["regions", 0, "instances", 0, "disks", 0, "performance_level"],
            "PL9",
            "performance_level",
        ),
    ],
)
def test_malformed_world_is_refused_naming_the_bad_field(
    path: list[str | int], value: Any, named: str
) -> None:
    with pytest.raises(WorldError) as info:
        parse_world(_with(path, value))
    assert named in str(info.value)


def test_world_with_two_system_disks_is_refused() -> None:
    disks = MINIMAL["regions"][0]["instances"][0]["disks"]
    world = _with(
        ["regions", 0, "instances", 0, "disks"],
        [*disks, {**disks[0], "disk_id": "d-2", "device": "/dev/xvdb"}],
    )
    with pytest.raises(WorldError, match=r"instances\[0\]\.disks: needs exactly one system disk"):
        parse_world(world)


def test_world_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "world.json"
    bad.write_text("{ not json")
    with pytest.raises(WorldError, match="not valid JSON"):
        load_world(bad)


def test_world_file_round_trips_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    path.write_text(json.dumps(MINIMAL))
    assert load_world(path).regions[0].region_id == "cn-test"
