"""The lab world: what the demo world has not (a transitional state, a one-slot type, an
ESSD-only type, a multi-attach disk, instances over the snapshot-group limits)."""

from __future__ import annotations

from typing import Any

from tests.support.sandboxes import World

# A type whose system disk can only be an ESSD (cloud_essd, cloud_auto).
ESSD_ONLY_TYPE = "ecs.g8i.large"
LAB_ZONE = "cn-hangzhou-a"


def _lab_disk(disk_id: str, device: str, size: int = 40, **extra: Any) -> dict[str, Any]:
    kind = "system" if device == "/dev/xvda" else "data"
    spec = {"disk_id": disk_id, "type": kind, "device": device, "size": size}
    spec.setdefault("performance_level", "PL0")
    spec.update(extra)
    if spec.get("category", "cloud_essd") != "cloud_essd":
        spec.pop("performance_level")
    return spec


def _lab_region(region_id: str, code: str) -> dict[str, Any]:
    zone = f"{region_id}-a"
    letters = "bcdefghijklmnopq"

    def instance(name: str, disks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "instance_id": f"i-{code}{name}",
            "zone_id": zone,
            "instance_type": "ecs.g7.large",
            "vswitch_id": f"vsw-{code}a",
            "security_group_ids": [f"sg-{code}"],
            "disks": disks,
            **extra,
        }

    return {
        "region_id": region_id,
        "zones": [
            {
                "zone_id": zone,
                "instance_types": {"ecs.g7.large": {}, "ecs.one.large": {}, ESSD_ONLY_TYPE: {}},
                "disk_categories": ["cloud_essd", "cloud_auto", "cloud_efficiency"],
            }
        ],
        "vpcs": [
            {
                "vpc_id": f"vpc-{code}",
                "cidr_block": "10.0.0.0/16",
                "vswitches": [
                    {"vswitch_id": f"vsw-{code}a", "zone_id": zone, "cidr_block": "10.0.1.0/24"}
                ],
                "security_groups": [f"sg-{code}"],
            }
        ],
        "instances": [
            instance(
                "many",
                [_lab_disk(f"d-{code}many-sys", "/dev/xvda")]
                + [_lab_disk(f"d-{code}many-{c}", f"/dev/xvd{c}", 10) for c in letters],
            ),
            instance(
                "big",
                [_lab_disk(f"d-{code}big-sys", "/dev/xvda")]
                + [
                    _lab_disk(f"d-{code}big-{c}", f"/dev/xvd{c}", 20000, category="cloud_auto")
                    for c in "bc"
                ],
            ),
            instance(
                "shared",
                [
                    _lab_disk(f"d-{code}shared-sys", "/dev/xvda"),
                    _lab_disk(f"d-{code}shared-b", "/dev/xvdb", 100, multi_attach=True),
                ],
            ),
            instance(
                "stopping", [_lab_disk(f"d-{code}stopping-sys", "/dev/xvda")], status="Stopping"
            ),
            instance(
                "one",
                [
                    _lab_disk(f"d-{code}one-sys", "/dev/xvda"),
                    _lab_disk(f"d-{code}one-b", "/dev/xvdb", 20),
                ],
                instance_type="ecs.one.large",
            ),
        ],
    }


def lab_world() -> World:
    """An instance in a transitional state, a type with one data-disk slot, a type that boots
    only from ESSDs, a multi-attach disk, and instances over the snapshot-group disk-count and
    capacity limits, in two regions (the limits are the same in every region). Instance ids are
    `i-hz<name>` in cn-hangzhou, `i-sg<name>` in ap-southeast-1; disks `d-hz<name>-sys`,
    `d-hz<name>-b`, ...
    """
    return {
        "instance_types": {
            "ecs.g7.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.g7"},
            "ecs.one.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.one", "max_data_disks": 1},
            ESSD_ONLY_TYPE: {
                "cpu": 2,
                "memory_gib": 8,
                "family": "ecs.g8i",
                "system_disk_categories": ["cloud_essd", "cloud_auto"],
            },
        },
        "regions": [_lab_region("cn-hangzhou", "hz"), _lab_region("ap-southeast-1", "sg")],
    }
