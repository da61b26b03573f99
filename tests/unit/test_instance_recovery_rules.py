"""Scenario A's plan rules: the fingerprint that makes a stale plan refused, the estimated
duration, and the image a plan will build before any snapshot exists."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ecs_dr.domain import fingerprints, instance_recovery
from ecs_dr.domain.instance_recovery import PLANNED_IMAGE
from ecs_dr.domain.models import Disk
from ecs_dr.domain.plans import PlanStale, snapshot_upload_s
from tests.support.factories import data_disk, instance, system_disk


def _third() -> Disk:
    return data_disk("/dev/xvdc", size_gib=100, performance_level="PL1")


def _data() -> list[Disk]:
    return [data_disk(), _third()]


def test_the_fingerprint_holds_the_sources_zone_type_and_disks_by_device() -> None:
    print_ = fingerprints.instance_fingerprint(instance())
    assert print_.source_zone_id == "cn-hangzhou-h"
    assert print_.instance_type == "ecs.g7.large"
    assert {d: f.device for d, f in print_.source_disks.items()} == {
        "d-system": "/dev/xvda",
        "d-data-xvdb": "/dev/xvdb",
        "d-data-xvdc": "/dev/xvdc",
    }
    assert print_.digest == fingerprints.instance_fingerprint(instance()).digest


def test_an_unchanged_source_keeps_the_plan_executable() -> None:
    planned = fingerprints.instance_fingerprint(instance())
    fingerprints.check_source_unchanged("plan-1", planned, planned)


def test_a_disk_added_or_moved_or_a_zone_or_type_changed_makes_the_plan_stale() -> None:
    planned = fingerprints.instance_fingerprint(instance())
    disks = [
        system_disk(),
        data_disk("/dev/xvdb"),
        data_disk("/dev/xvde", disk_id="d-data-xvdc", size_gib=100, performance_level="PL1"),
        data_disk("/dev/xvdd"),
    ]
    now = fingerprints.instance_fingerprint(
        instance(disks, zone_id="cn-hangzhou-k", instance_type="ecs.g7.xlarge")
    )
    assert fingerprints.instance_plan_changes(planned, now) == [
        "zone cn-hangzhou-h -> cn-hangzhou-k",
        "instance type ecs.g7.large -> ecs.g7.xlarge",
        "d-data-xvdd (/dev/xvdd) was added",
        "d-data-xvdc moved from /dev/xvdc to /dev/xvde",
    ]
    assert planned.digest != now.digest
    with pytest.raises(ValueError, match=r"changed since plan-1 .*Plan again \(plan_recovery\)"):
        fingerprints.check_source_unchanged("plan-1", planned, now)


def test_a_removed_disk_makes_the_plan_stale() -> None:
    planned = fingerprints.instance_fingerprint(instance())
    now = fingerprints.instance_fingerprint(instance([system_disk(), data_disk()]))
    assert fingerprints.instance_plan_changes(planned, now) == ["d-data-xvdc (/dev/xvdc) is gone"]


# Each fact a full-instance plan's parameters derive from, changed the way an operator could,
# and the change the comparison names for it.
WEB: dict[str, Any] = {"internet_max_bandwidth_out": 5, "public_ips": ["47.96.0.10"]}
RULE_BOUND_CHANGES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "public IP released",
        WEB,
        {"internet_max_bandwidth_out": 0, "public_ips": []},
        "InternetMaxBandwidthOut 5 -> 0 (the source lost its public IP)",
    ),
    (
        "bandwidth raised",
        WEB,
        {"internet_max_bandwidth_out": 10},
        "InternetMaxBandwidthOut 5 -> 10",
    ),
    (
        "public IP added",
        {},
        {"internet_max_bandwidth_out": 5, "public_ips": ["47.96.0.11"]},
        "InternetMaxBandwidthOut 0 -> 5 (the source got a public IP)",
    ),
    ("zone", {}, {"zone_id": "cn-hangzhou-k"}, "zone cn-hangzhou-h -> cn-hangzhou-k"),
    ("type", {}, {"instance_type": "ecs.g7.xlarge"}, "instance type ecs.g7.large -> ecs.g7.xlarge"),
    ("VPC", {}, {"vpc_id": "vpc-other"}, "VPC vpc-prod -> vpc-other"),
    ("VSwitch", {}, {"vswitch_id": "vsw-other"}, "VSwitch vsw-source -> vsw-other"),
    (
        "security groups",
        {},
        {"security_group_ids": ["sg-prod", "sg-extra"]},
        "security groups sg-prod -> sg-prod, sg-extra",
    ),
    (
        "billing",
        {},
        {"instance_charge_type": "PrePaid"},
        "InstanceChargeType PostPaid -> PrePaid",
    ),
    (
        "traffic billing",
        {},
        {"internet_charge_type": "PayByBandwidth"},
        "InternetChargeType PayByTraffic -> PayByBandwidth",
    ),
    (
        "disk resized",
        {},
        {"disks": [system_disk(), data_disk(size_gib=800), _third()]},
        "disk d-data-xvdb size 500 -> 800 GiB",
    ),
    (
        "disk category",
        {},
        {"disks": [system_disk(category="cloud_auto"), *_data()]},
        "disk d-system category cloud_essd -> cloud_auto",
    ),
    (
        "performance level",
        {},
        {"disks": [system_disk(performance_level="PL1"), *_data()]},
        "disk d-system performance level PL0 -> PL1",
    ),
    (
        "device",
        {},
        {"disks": [system_disk(), data_disk("/dev/xvdd", disk_id="d-data-xvdb"), _third()]},
        "d-data-xvdb moved from /dev/xvdb to /dev/xvdd",
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "named"),
    [pytest.param(b, a, n, id=i) for i, b, a, n in RULE_BOUND_CHANGES],
)
def test_a_plan_binds_every_rule_bound_fact_of_its_source(
    before: dict[str, Any], after: dict[str, Any], named: str
) -> None:
    """The rules bind the source as it is when the change is made: a change of any fact a
    plan's parameters derive from is named, and refuses the plan."""
    planned = fingerprints.instance_fingerprint(instance(**before))
    now = fingerprints.instance_fingerprint(instance(**(before | after)))
    assert fingerprints.instance_plan_changes(planned, now) == [named]
    assert planned.digest != now.digest
    with pytest.raises(PlanStale, match=re.escape(named)):
        fingerprints.check_source_unchanged("plan-1", planned, now)


def test_statuses_names_and_addresses_are_not_rule_bound() -> None:
    planned = fingerprints.instance_fingerprint(instance())
    now = fingerprints.instance_fingerprint(
        instance(status="Stopped", name="renamed", private_ips=["192.168.0.99"])
    )
    assert fingerprints.instance_plan_changes(planned, now) == []
    fingerprints.check_source_unchanged("plan-1", planned, now)


def test_a_change_during_an_operation_stops_it_naming_what_is_not_sent_and_the_cleanup() -> None:
    planned = fingerprints.instance_fingerprint(instance(**WEB))
    now = fingerprints.instance_fingerprint(instance(internet_max_bandwidth_out=0))
    with pytest.raises(PlanStale) as stale:
        fingerprints.check_source_unchanged_during("op-1", planned, now, "RunInstances is not sent")
    said = str(stale.value)
    assert "InternetMaxBandwidthOut 5 -> 0 (the source lost its public IP)" in said
    assert "RunInstances is not sent" in said
    assert "Plan again (plan_recovery)" in said
    assert "cleanup_recovery(operation_id='op-1')" in said


def test_the_estimate_is_the_slowest_snapshot_then_image_then_vswitch_then_instance() -> None:
    source = instance()
    estimate = instance_recovery.estimated_duration(source.disks, create_vswitch=False)
    slowest = max(snapshot_upload_s(d) for d in source.disks)
    assert estimate.snapshots_s == slowest == pytest.approx(30 + 0.6 * 500)
    assert estimate.image_s == pytest.approx(120 + 0.2 * (40 + 500 + 100))
    assert estimate.vswitch_s == 0
    assert estimate.total_s == pytest.approx(slowest + estimate.image_s + 60)
    with_vswitch = instance_recovery.estimated_duration(source.disks, create_vswitch=True)
    assert with_vswitch.total_s == pytest.approx(estimate.total_s + instance_recovery.VSWITCH_S)


def test_a_non_essd_disk_uploads_slower_and_lengthens_the_estimate() -> None:
    essd = instance([system_disk(), data_disk(size_gib=200, performance_level="PL1")])
    other = instance([system_disk(), data_disk(size_gib=200, category="cloud_efficiency")])
    fast = instance_recovery.estimated_duration(essd.disks, create_vswitch=False)
    slow = instance_recovery.estimated_duration(other.disks, create_vswitch=False)
    assert slow.snapshots_s > fast.snapshots_s


def test_the_planned_image_maps_every_disk_by_device_from_placeholder_snapshots() -> None:
    source = instance()
    image = instance_recovery.planned_image(source, "Create_from_i-source_20260101")
    assert image.image_id == PLANNED_IMAGE
    assert [(m.device, m.kind, m.snapshot_id, m.size_gib) for m in image.mappings] == [
        ("/dev/xvda", "system", "(snapshot of d-system)", 40),
        ("/dev/xvdb", "data", "(snapshot of d-data-xvdb)", 500),
        ("/dev/xvdc", "data", "(snapshot of d-data-xvdc)", 100),
    ]
    assert instance_recovery.mapping_disks(source) == {
        "/dev/xvda": "d-system",
        "/dev/xvdb": "d-data-xvdb",
        "/dev/xvdc": "d-data-xvdc",
    }
