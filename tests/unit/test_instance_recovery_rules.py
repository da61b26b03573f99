"""Scenario A's plan rules: the fingerprint that makes a stale plan refused, the estimated
duration, and the image a plan will build before any snapshot exists."""

from __future__ import annotations

import pytest

from ecs_dr.domain import instance_recovery
from ecs_dr.domain.instance_recovery import PLANNED_IMAGE
from ecs_dr.domain.recovery import snapshot_upload_s
from tests.unit.factories import data_disk, instance, system_disk


def test_the_fingerprint_holds_the_sources_zone_type_and_disks_by_device() -> None:
    print_ = instance_recovery.instance_fingerprint(instance())
    assert print_.source_zone_id == "cn-hangzhou-h"
    assert print_.instance_type == "ecs.g7.large"
    assert print_.source_disks == {
        "d-system": "/dev/xvda",
        "d-data-xvdb": "/dev/xvdb",
        "d-data-xvdc": "/dev/xvdc",
    }
    assert print_.digest == instance_recovery.instance_fingerprint(instance()).digest


def test_an_unchanged_source_keeps_the_plan_executable() -> None:
    planned = instance_recovery.instance_fingerprint(instance())
    instance_recovery.check_source_unchanged("plan-1", planned, planned)


def test_a_disk_added_or_moved_or_a_zone_or_type_changed_makes_the_plan_stale() -> None:
    planned = instance_recovery.instance_fingerprint(instance())
    disks = [
        system_disk(),
        data_disk("/dev/xvdb"),
        data_disk("/dev/xvde", disk_id="d-data-xvdc"),
        data_disk("/dev/xvdd"),
    ]
    now = instance_recovery.instance_fingerprint(
        instance(disks, zone_id="cn-hangzhou-k", instance_type="ecs.g7.xlarge")
    )
    assert instance_recovery.instance_plan_changes(planned, now) == [
        "zone cn-hangzhou-h -> cn-hangzhou-k",
        "instance type ecs.g7.large -> ecs.g7.xlarge",
        "d-data-xvdd (/dev/xvdd) was added",
        "d-data-xvdc moved from /dev/xvdc to /dev/xvde",
    ]
    assert planned.digest != now.digest
    with pytest.raises(ValueError, match=r"changed since plan-1 .*Call plan_recovery again"):
        instance_recovery.check_source_unchanged("plan-1", planned, now)


def test_a_removed_disk_makes_the_plan_stale() -> None:
    planned = instance_recovery.instance_fingerprint(instance())
    now = instance_recovery.instance_fingerprint(instance([system_disk(), data_disk()]))
    assert instance_recovery.instance_plan_changes(planned, now) == [
        "d-data-xvdc (/dev/xvdc) is gone"
    ]


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
