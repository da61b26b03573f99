"""Each runbook rule (as ECS-FACTS.md corrects it), tested by name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from ecs_dr.domain.models import Disk, Image, ImageDiskMapping, Instance
from ecs_dr.domain.names import (
    dr_instance_name,
    image_name,
    image_reattempt_name,
    validate_instance_name,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.rules import (
    can_snapshot,
    check_disk_snapshottable,
    check_image_matches_source,
    check_snapshots_ready,
    check_snapshottable,
    dr_bandwidth,
    essd_entry_allowed,
    group_blockers,
    image_mappings,
    instance_family,
    performance_level_mismatch,
    similar_instance_types,
    snapshot_strategy,
    system_disk_category,
)
from ecs_dr.domain.run_instances import DiskOverride, RunInstancesPlan, run_instances_plan
from tests.support.factories import (
    SOURCE_ZONE,
    TARGET_ZONE,
    data_disk,
    image_of,
    instance,
    snapshots_of,
    spec,
    system_disk,
)

# --- snapshot strategy ---------------------------------------------------------------------

NOT_NOW = "Plan again once it is."


@pytest.mark.parametrize(
    ("status", "snapshottable"),
    [
        ("Running", True),
        ("Stopped", True),
        ("Pending", False),
        ("Starting", False),
        ("Stopping", False),
    ],
)
def test_only_running_or_stopped_instances_can_be_snapshotted(
    status: str, snapshottable: bool
) -> None:
    source = instance(status=status)
    assert can_snapshot(source) is snapshottable
    if snapshottable:
        check_snapshottable(source, NOT_NOW)
        return
    refused = f"is {status}; ECS snapshots the disks of Running or Stopped instances only. "
    with pytest.raises(Refusal, match=f"{refused}{NOT_NOW}$"):
        check_snapshottable(source, NOT_NOW)


@pytest.mark.parametrize(
    ("status", "snapshottable"),
    [("In_use", True), ("Available", True), ("Attaching", False), ("Creating", False)],
)
def test_only_in_use_or_available_disks_can_be_snapshotted(
    status: str, snapshottable: bool
) -> None:
    disk = data_disk(status=status)
    if snapshottable:
        check_disk_snapshottable(disk)
        return
    with pytest.raises(Refusal, match="ECS snapshots disks that are In_use or Available"):
        check_disk_snapshottable(disk)


def test_system_disk_only_means_a_single_snapshot() -> None:
    assert snapshot_strategy(instance([system_disk()])) == "single_snapshot"


def test_system_disk_only_means_a_single_snapshot_even_when_it_is_not_essd() -> None:
    source = instance([system_disk(category="cloud_efficiency", performance_level=None)])
    assert snapshot_strategy(source) == "single_snapshot"


def test_system_and_essd_data_disks_mean_a_snapshot_group() -> None:
    assert snapshot_strategy(instance()) == "snapshot_group"


@pytest.mark.parametrize("category", ["cloud_auto", "cloud_essd_entry"])
def test_every_essd_family_category_can_join_a_group(category: str) -> None:
    source = instance([system_disk(), data_disk(category=category, performance_level=None)])
    assert snapshot_strategy(source) == "snapshot_group"


def test_a_non_essd_data_disk_means_per_disk_snapshots() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_efficiency", performance_level=None)]
    )
    assert snapshot_strategy(source) == "per_disk_snapshots"


def test_a_non_essd_system_disk_with_data_disks_means_per_disk_snapshots() -> None:
    source = instance(
        [system_disk(category="cloud_ssd", performance_level=None), data_disk("/dev/xvdb")]
    )
    assert snapshot_strategy(source) == "per_disk_snapshots"


def test_a_multi_attach_disk_means_per_disk_snapshots() -> None:
    source = instance([system_disk(), data_disk(multi_attach=True)])
    assert snapshot_strategy(source) == "per_disk_snapshots"
    assert "multi-attach" in group_blockers(source)[0]


def test_group_blockers_name_each_non_essd_disk() -> None:
    source = instance(
        [
            system_disk(),
            data_disk("/dev/xvdb", category="cloud_efficiency", performance_level=None),
            data_disk("/dev/xvdc", category="cloud_ssd", performance_level=None),
        ]
    )
    blockers = group_blockers(source)
    assert len(blockers) == 2
    assert "d-data-xvdb" in blockers[0] and "cloud_efficiency" in blockers[0]
    assert "d-data-xvdc" in blockers[1] and "cloud_ssd" in blockers[1]


def test_an_essd_instance_within_limits_has_no_group_blockers() -> None:
    assert group_blockers(instance()) == []


@pytest.mark.parametrize("region_id", ["cn-hangzhou", "cn-hongkong", "ap-southeast-1", "us-east-1"])
def test_a_group_holds_at_most_16_disks_and_32_tib_in_every_region(region_id: str) -> None:
    def source(*disks: Disk) -> Instance:
        return instance([system_disk(), *disks], region_id=region_id)

    fifteen = [
        data_disk(f"/dev/xvd{c}", size_gib=20, performance_level="PL1") for c in "bcdefghijklmnop"
    ]
    assert snapshot_strategy(source(*fifteen)) == "snapshot_group"
    seventeen = source(*fifteen, data_disk("/dev/xvdq", size_gib=20, performance_level="PL1"))
    assert snapshot_strategy(seventeen) == "per_disk_snapshots"
    assert any("at most 16" in b for b in group_blockers(seventeen))
    up_to_32_tib = data_disk(size_gib=32 * 1024 - system_disk().size_gib)
    assert snapshot_strategy(source(up_to_32_tib)) == "snapshot_group"
    beyond = source(up_to_32_tib.model_copy(update={"size_gib": 32 * 1024}))
    assert snapshot_strategy(beyond) == "per_disk_snapshots"
    assert any("at most 32768 GiB" in b for b in group_blockers(beyond))


def test_images_wait_for_accomplished_snapshots_not_instant_access() -> None:
    ready = snapshots_of(instance())
    check_snapshots_ready(ready)
    pending = [ready[0].model_copy(update={"status": "progressing", "progress": 40}), *ready[1:]]
    with pytest.raises(ValueError, match="s-d-system"):
        check_snapshots_ready(pending)


# --- image ---------------------------------------------------------------------------------


def test_image_name_is_create_from_instance_id_and_date() -> None:
    assert image_name(instance(), date(2026, 3, 7)) == "Create_from_i-source_20260307"


def test_a_failed_images_next_attempt_takes_a_new_name_within_ecs_length() -> None:
    assert image_reattempt_name("Create_from_i-source_20260307", 2) == (
        "Create_from_i-source_20260307_attempt2"
    )
    long_name = image_reattempt_name("x" * 128, 3)
    assert len(long_name) == 128 and long_name.endswith("_attempt3")


def test_image_maps_every_disk_by_device_at_the_source_size() -> None:
    source = instance()
    mappings = image_mappings(source, snapshots_of(source))
    assert [(m.device, m.kind, m.snapshot_id, m.size_gib) for m in mappings] == [
        ("/dev/xvda", "system", "s-d-system", 40),
        ("/dev/xvdb", "data", "s-d-data-xvdb", 500),
        ("/dev/xvdc", "data", "s-d-data-xvdc", 100),
    ]


def test_single_disk_image_maps_only_the_system_disk() -> None:
    source = instance([system_disk()])
    assert [m.device for m in image_mappings(source, snapshots_of(source))] == ["/dev/xvda"]


def test_image_mappings_refuse_a_disk_without_a_snapshot() -> None:
    source = instance()
    with pytest.raises(ValueError, match="d-data-xvdc"):
        image_mappings(source, snapshots_of(source)[:2])


def test_image_mappings_refuse_two_snapshots_of_one_disk() -> None:
    source = instance()
    snapshots = snapshots_of(source)
    twice = [*snapshots, snapshots[1].model_copy(update={"snapshot_id": "s-again"})]
    with pytest.raises(ValueError, match="several snapshots"):
        image_mappings(source, twice)


def test_image_mappings_refuse_more_than_16_data_disks() -> None:
    data = [
        data_disk(f"/dev/xvd{c}", size_gib=20, performance_level="PL1") for c in "bcdefghijklmnopqr"
    ]
    source = instance([system_disk(), *data], region_id="ap-southeast-1")
    with pytest.raises(ValueError, match="at most 16"):
        image_mappings(source, snapshots_of(source))


def test_an_image_of_this_sources_disks_matches_it() -> None:
    source = instance()
    check_image_matches_source(source, image_of(source))


def test_an_image_missing_a_data_disk_is_not_from_this_source() -> None:
    source = instance()
    single = image_of(instance([system_disk()]))
    with pytest.raises(ValueError, match="not built from the disks of i-source"):
        check_image_matches_source(source, single)


def test_an_image_with_other_disk_sizes_is_not_from_this_source() -> None:
    source = instance()
    other = Image(
        image_id="m-other",
        name="other",
        status="Available",
        progress=100,
        mappings=[
            ImageDiskMapping(device="/dev/xvda", kind="system", snapshot_id="s-1", size_gib=40),
            ImageDiskMapping(device="/dev/xvdb", kind="data", snapshot_id="s-2", size_gib=500),
            ImageDiskMapping(device="/dev/xvdc", kind="data", snapshot_id="s-3", size_gib=200),
        ],
    )
    with pytest.raises(ValueError, match="200 GiB"):
        check_image_matches_source(source, other)


# --- DR instance: bandwidth and name --------------------------------------------------------


def test_data_disk_offers_are_asked_for_the_system_disk_category_the_instance_has() -> None:
    entry = instance([system_disk(category="cloud_essd_entry", performance_level=None)])
    assert system_disk_category(entry) == "cloud_essd_entry"
    assert system_disk_category(instance()) == "cloud_essd"
    with pytest.raises(ValueError, match="i-source has no system disk"):
        system_disk_category(instance([data_disk()]))


def test_no_public_ip_on_source_means_zero_bandwidth() -> None:
    assert dr_bandwidth(instance(internet_max_bandwidth_out=100, public_ips=[])) == 0


def test_a_public_ip_on_source_keeps_its_bandwidth() -> None:
    source = instance(public_ips=["47.1.2.3"], internet_max_bandwidth_out=5)
    assert dr_bandwidth(source) == 5


def test_dr_instance_name_defaults_to_recovery_source_name() -> None:
    assert dr_instance_name(instance(), None) == "recovery-prod-db-01"
    assert dr_instance_name(instance(), "") == "recovery-prod-db-01"


def test_dr_instance_name_is_the_users_when_given() -> None:
    assert dr_instance_name(instance(), "db-drill-2026") == "db-drill-2026"


def test_dr_instance_name_refuses_a_name_ecs_would_reject() -> None:
    with pytest.raises(ValueError, match="starts with a letter"):
        dr_instance_name(instance(), "1-db")


def test_a_default_dr_name_too_long_for_ecs_asks_for_a_name() -> None:
    with pytest.raises(ValueError, match="pass instance_name"):
        dr_instance_name(instance(name="a" * 125), None)


@pytest.mark.parametrize(
    "name", ["ab", "recovery-prod-db-01", "web.01_a:b-c", "数据库-01", "a" * 128]
)
def test_instance_names_ecs_accepts_pass(name: str) -> None:
    validate_instance_name(name)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("a", "1 character long"),
        ("a" * 129, "129 characters long"),
        ("-db", "not a valid instance name"),
        ("9db", "not a valid instance name"),
        ("db 01", "not a valid instance name"),
        ("db/01", "not a valid instance name"),
        ("http://db", "http://"),
        ("https://db", "http://"),
    ],
)
def test_instance_names_ecs_rejects_fail_naming_the_rule(name: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        validate_instance_name(name)


# --- DR instance: the RunInstances plan ------------------------------------------------------


def _plan(
    source: Instance | None = None,
    *,
    instance_type: str | None = None,
    categories: Mapping[str, str] | None = None,
) -> RunInstancesPlan:
    source = source or instance()
    return run_instances_plan(
        source,
        image_of(source),
        zone_id=TARGET_ZONE,
        vswitch_id="vsw-target",
        instance_name="recovery-prod-db-01",
        instance_type=instance_type,
        categories=categories,
    )


def test_dr_instance_inherits_security_groups_type_and_billing() -> None:
    source = instance(
        security_group_ids=["sg-a", "sg-b"],
        instance_charge_type="PrePaid",
        internet_charge_type="PayByBandwidth",
    )
    params = _plan(source).parameters()
    assert params["SecurityGroupIds.1"] == "sg-a"
    assert params["SecurityGroupIds.2"] == "sg-b"
    assert params["InstanceType"] == "ecs.g7.large"
    assert params["InstanceChargeType"] == "PrePaid"
    assert params["InternetChargeType"] == "PayByBandwidth"
    assert params["VSwitchId"] == "vsw-target"
    assert params["ZoneId"] == TARGET_ZONE
    assert params["RegionId"] == "cn-hangzhou"


def test_a_prepaid_dr_instance_states_its_term() -> None:
    params = _plan(instance(instance_charge_type="PrePaid")).parameters()
    assert (params["Period"], params["PeriodUnit"]) == (1, "Month")
    assert "Period" not in _plan().parameters()


def test_no_public_ip_on_source_means_zero_bandwidth_in_the_plan() -> None:
    params = _plan(instance(internet_max_bandwidth_out=50)).parameters()
    assert params["InternetMaxBandwidthOut"] == 0


def test_a_public_ip_on_source_keeps_its_bandwidth_in_the_plan() -> None:
    params = _plan(instance(public_ips=["47.1.2.3"], internet_max_bandwidth_out=5)).parameters()
    assert params["InternetMaxBandwidthOut"] == 5


def test_every_disk_keeps_category_size_and_performance_level() -> None:
    params = _plan().parameters()
    assert params["SystemDisk.Category"] == "cloud_essd"
    assert params["SystemDisk.Size"] == 40
    assert params["SystemDisk.PerformanceLevel"] == "PL0"
    assert params["DataDisk.1.Device"] == "/dev/xvdb"
    assert (params["DataDisk.1.Category"], params["DataDisk.1.Size"]) == ("cloud_essd", 500)
    assert params["DataDisk.1.PerformanceLevel"] == "PL2"
    assert params["DataDisk.2.Device"] == "/dev/xvdc"
    assert (params["DataDisk.2.Size"], params["DataDisk.2.PerformanceLevel"]) == (100, "PL1")


def test_performance_level_is_always_passed_for_cloud_essd_even_pl1() -> None:
    source = instance(
        [system_disk(performance_level="PL1", size_gib=40), data_disk(performance_level="PL1")]
    )
    params = _plan(source).parameters()
    assert params["SystemDisk.PerformanceLevel"] == "PL1"
    assert params["DataDisk.1.PerformanceLevel"] == "PL1"


def test_data_disks_are_overridden_by_device_never_added_by_snapshot_id() -> None:
    params = _plan().parameters()
    assert not any(key.endswith("SnapshotId") for key in params)
    assert [k for k in params if k.endswith(".Device")] == [
        "DataDisk.1.Device",
        "DataDisk.2.Device",
    ]


def test_single_disk_plan_sends_no_data_disks() -> None:
    params = _plan(instance([system_disk()])).parameters()
    assert not any(key.startswith("DataDisk.") for key in params)


def test_the_plan_creates_exactly_one_instance() -> None:
    assert _plan().parameters()["Amount"] == 1


def test_non_essd_categories_carry_no_performance_level() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_efficiency", performance_level=None)]
    )
    params = _plan(source).parameters()
    assert params["DataDisk.1.Category"] == "cloud_efficiency"
    assert "DataDisk.1.PerformanceLevel" not in params


def test_a_chosen_category_replaces_only_that_disks_category() -> None:
    plan = _plan(categories={"/dev/xvdb": "cloud_auto"})
    assert plan.data_disks[0] == DiskOverride(
        device="/dev/xvdb", category="cloud_auto", size_gib=500, performance_level=None
    )
    assert plan.data_disks[1].category == "cloud_essd"
    assert plan.system_disk.category == "cloud_essd"


def test_a_disk_moved_to_cloud_essd_keeps_its_pl_or_gets_pl1() -> None:
    source = instance(
        [
            system_disk(),
            data_disk("/dev/xvdb", category="cloud_efficiency", performance_level=None),
            data_disk("/dev/xvdc", category="cloud_essd", performance_level="PL3", size_gib=2000),
        ]
    )
    plan = _plan(source, categories={"/dev/xvdb": "cloud_essd"})
    assert plan.data_disks[0].performance_level == "PL1"
    assert plan.data_disks[1].performance_level == "PL3"


def test_a_small_disk_moved_to_cloud_essd_gets_pl0_since_pl1_starts_at_20_gib() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_ssd", performance_level=None, size_gib=10)]
    )
    plan = _plan(source, categories={"/dev/xvdb": "cloud_essd"})
    assert plan.data_disks[0].performance_level == "PL0"


def test_a_chosen_category_for_an_unknown_device_is_refused() -> None:
    with pytest.raises(ValueError, match="/dev/xvdz is not a device of i-source"):
        _plan(categories={"/dev/xvdz": "cloud_auto"})


def test_a_no_stock_decision_changes_only_the_instance_type() -> None:
    default, chosen = _plan().parameters(), _plan(instance_type="ecs.g8i.large").parameters()
    assert chosen["InstanceType"] == "ecs.g8i.large"
    assert {k: v for k, v in chosen.items() if k != "InstanceType"} == {
        k: v for k, v in default.items() if k != "InstanceType"
    }


def test_the_source_zone_is_refused_as_target() -> None:
    source = instance()
    with pytest.raises(ValueError, match="zone of i-source itself"):
        run_instances_plan(
            source,
            image_of(source),
            zone_id=SOURCE_ZONE,
            vswitch_id="vsw-source",
            instance_name="recovery-prod-db-01",
        )


def test_an_image_of_another_instance_is_refused_by_the_plan() -> None:
    source = instance()
    with pytest.raises(ValueError, match="not built from the disks"):
        run_instances_plan(
            source,
            image_of(instance([system_disk()])),
            zone_id=TARGET_ZONE,
            vswitch_id="vsw-target",
            instance_name="recovery-prod-db-01",
        )


def test_an_invalid_instance_name_is_refused_by_the_plan() -> None:
    source = instance()
    with pytest.raises(ValueError, match="http://"):
        run_instances_plan(
            source,
            image_of(source),
            zone_id=TARGET_ZONE,
            vswitch_id="vsw-target",
            instance_name="http://x",
        )


def test_cloud_essd_entry_only_with_u1_and_e_instance_types() -> None:
    assert essd_entry_allowed("ecs.u1-c1m2.large")
    assert essd_entry_allowed("ecs.e-c1m1.large")
    assert not essd_entry_allowed("ecs.g7.large")
    source = instance(
        [system_disk(), data_disk(category="cloud_essd_entry", performance_level=None)],
        instance_type="ecs.u1-c1m2.large",
    )
    assert _plan(source).data_disks[0].category == "cloud_essd_entry"
    with pytest.raises(ValueError, match="cloud_essd_entry"):
        _plan(source, instance_type="ecs.g7.large")


def test_instance_family_is_read_from_the_type_name() -> None:
    assert instance_family("ecs.g7.large") == "ecs.g7"
    assert instance_family("ecs.u1-c1m2.large") == "ecs.u1"


def test_cloud_essd_always_carries_its_performance_level_and_no_other_category_does() -> None:
    assert performance_level_mismatch("cloud_essd", "PL1") is None
    assert performance_level_mismatch("cloud_auto", None) is None
    assert performance_level_mismatch("cloud_essd", None) == (
        "a cloud_essd disk needs its performance level"
    )
    assert performance_level_mismatch("cloud_auto", "PL1") == (
        "only cloud_essd takes a performance level"
    )


def test_a_cloud_essd_disk_override_without_performance_level_is_impossible() -> None:
    with pytest.raises(ValueError, match="needs its performance level"):
        DiskOverride(device="/dev/xvdb", category="cloud_essd", size_gib=40)
    with pytest.raises(ValueError, match="only cloud_essd"):
        DiskOverride(
            device="/dev/xvdb", category="cloud_auto", size_gib=40, performance_level="PL1"
        )


# --- similar instance types ------------------------------------------------------------------


def test_similar_types_put_same_size_same_family_first_then_nearest_larger() -> None:
    source = spec("ecs.g7.large", 2, 8)
    candidates = [
        spec("ecs.g7.2xlarge", 8, 32),
        spec("ecs.g7.xlarge", 4, 16),
        spec("ecs.g8i.large", 2, 8),
        spec("ecs.g7se.large", 2, 8),
        spec("ecs.g7.large", 2, 8),
    ]
    picked = [s.instance_type for s in similar_instance_types(source, candidates)]
    assert picked == ["ecs.g7se.large", "ecs.g8i.large", "ecs.g7.xlarge"]


def test_same_family_wins_among_equal_sizes() -> None:
    source = spec("ecs.g7.large", 2, 8)
    candidates = [spec("ecs.g8i.large", 2, 8), spec("ecs.g7.large-alt", 2, 8)]
    candidates[1] = candidates[1].model_copy(update={"family": "ecs.g7"})
    picked = similar_instance_types(source, candidates)
    assert picked[0].family == "ecs.g7"


def test_similar_types_are_never_smaller_in_vcpu_or_memory() -> None:
    source = spec("ecs.g7.xlarge", 4, 16)
    candidates = [
        spec("ecs.g7.large", 2, 8),
        spec("ecs.c7.xlarge", 4, 8),
        spec("ecs.r7.large", 2, 16),
    ]
    assert similar_instance_types(source, candidates) == []


def test_similar_types_respect_the_limit() -> None:
    source = spec("ecs.g7.large", 2, 8)
    candidates = [spec(f"ecs.g{n}.large", 2, 8) for n in range(5, 9)]
    assert len(similar_instance_types(source, candidates, limit=2)) == 2
