"""The DR instance's RunInstances call, for any source and any arguments: no bandwidth without a
public IP, every disk's performance level, category and size kept, data disks only overridden
by `Device=` (never added by `SnapshotId`), and never the source's own zone.

Sources: 1-17 disks (a system disk and up to 16 data disks, the most an image holds) of every
category, ESSDs at PL0-PL3 with sizes their PL allows, with and without a public IP, any
bandwidth and internet charge type, any name. Arguments: the DR name, an instance type, the
target zone (the source's own among the candidates) and the VSwitch.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_dr.domain.instance_recovery import planned_image
from ecs_dr.domain.models import Disk, DiskKind, Instance
from ecs_dr.domain.names import default_dr_name, dr_instance_name, validate_instance_name
from ecs_dr.domain.rules import (
    MAX_IMAGE_DATA_DISKS,
    PL_SIZE_RANGES,
    SYSTEM_DEVICE,
    essd_entry_allowed,
)
from ecs_dr.domain.run_instances import RunInstancesPlan, run_instances_plan
from ecs_dr.references.tools_page import server_tools

EXAMPLES = 300
PROPERTIES = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

REGION = "cn-hangzhou"
ZONES = ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k")
INSTANCE_TYPES = ("ecs.g7.large", "ecs.c6.xlarge", "ecs.u1-c1m2.large", "ecs.e-c1m1.large")
OTHER_CATEGORIES = ("cloud_auto", "cloud_essd_entry", "cloud_efficiency", "cloud_ssd", "cloud")
DATA_DEVICES = tuple(f"/dev/xvd{chr(ord('b') + n)}" for n in range(MAX_IMAGE_DATA_DISKS))
SYSTEM_MAX_GIB = 2048
SYSTEM_MIN_GIB = 20
DATA_MAX_GIB = 32768
MAX_NAME_LENGTH = 128

valid_names = st.from_regex(
    r"[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._:\-]{1,60}", fullmatch=True
)


@dataclass(frozen=True)
class Arguments:
    """What the caller chooses for the DR instance."""

    zone_id: str
    vswitch_id: str
    instance_name: str | None
    instance_type: str | None


@st.composite
def disks_of(draw: st.DrawFn, kind: DiskKind, device: str, instance_type: str) -> Disk:
    """One disk of any category the source's type can have; an ESSD at a PL and a size that
    PL allows (a system disk within ECS's system disk sizes)."""
    others = [
        c for c in OTHER_CATEGORIES if c != "cloud_essd_entry" or essd_entry_allowed(instance_type)
    ]
    # Half the disks are cloud_essd (each at a PL), half of another category.
    category = draw(st.sampled_from(["cloud_essd"] * len(others) + others))
    low, high = SYSTEM_MIN_GIB, SYSTEM_MAX_GIB if kind == "system" else DATA_MAX_GIB
    level = None
    if category == "cloud_essd":
        level = draw(st.sampled_from(sorted(PL_SIZE_RANGES)))
        pl_low, pl_high = PL_SIZE_RANGES[level]
        # A data disk takes every size its PL allows; a system disk has ECS's floor too.
        low = max(low, pl_low) if kind == "system" else pl_low
        high = min(high, pl_high)
    return Disk(
        disk_id=f"d-{kind}-{device.removeprefix('/dev/')}",
        kind=kind,
        device=device,
        category=category,
        size_gib=draw(st.integers(low, high)),
        performance_level=level,
        name=draw(st.text(max_size=40)),
    )


@st.composite
def sources(draw: st.DrawFn) -> Instance:
    instance_type = draw(st.sampled_from(INSTANCE_TYPES))
    data = draw(st.integers(0, MAX_IMAGE_DATA_DISKS))
    disks = [draw(disks_of("system", SYSTEM_DEVICE, instance_type))]
    disks += [draw(disks_of("data", device, instance_type)) for device in DATA_DEVICES[:data]]
    public = draw(st.booleans())
    return Instance(
        instance_id="i-source",
        name=draw(st.text(max_size=140)),
        region_id=REGION,
        zone_id=draw(st.sampled_from(ZONES)),
        instance_type=instance_type,
        status="Running",
        vpc_id="vpc-prod",
        vswitch_id="vsw-source",
        security_group_ids=draw(
            st.lists(st.sampled_from(["sg-a", "sg-b", "sg-c"]), min_size=1, max_size=3, unique=True)
        ),
        instance_charge_type=draw(st.sampled_from(["PostPaid", "PrePaid"])),
        internet_charge_type=draw(st.sampled_from(["PayByTraffic", "PayByBandwidth"])),
        internet_max_bandwidth_out=draw(st.integers(0, 200)),
        public_ips=["47.1.2.3"] if public else [],
        private_ips=["192.168.0.10"],
        disks=disks,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Instance, Arguments]:
    """A source and the caller's arguments; the target zone is now and then the source's own."""
    source = draw(sources())
    zones = [z for z in ZONES if z != source.zone_id]
    args = Arguments(
        zone_id=draw(st.sampled_from([*zones, source.zone_id])),
        vswitch_id=draw(st.from_regex(r"vsw-[a-z0-9]{1,20}", fullmatch=True)),
        instance_name=draw(st.none() | valid_names),
        instance_type=draw(st.none() | st.sampled_from(INSTANCE_TYPES)),
    )
    return source, args


def plan_for(source: Instance, args: Arguments) -> RunInstancesPlan | ValueError:
    """The plan for these arguments, or why it is refused."""
    try:
        return run_instances_plan(
            source,
            planned_image(source, "Create_from_i-source").model_copy(update={"image_id": "m-dr"}),
            zone_id=args.zone_id,
            vswitch_id=args.vswitch_id,
            instance_name=dr_instance_name(source, args.instance_name),
            instance_type=args.instance_type,
        )
    except ValueError as refusal:
        return refusal


def made(source: Instance, args: Arguments) -> dict[str, str | int] | None:
    """The RunInstances parameters, or None for a refusal the arguments explain (the source's
    zone, a default name too long, cloud_essd_entry on a type that cannot take it)."""
    plan = plan_for(source, args)
    if isinstance(plan, ValueError):
        entry = any(d.category == "cloud_essd_entry" for d in source.disks)
        final_type = args.instance_type or source.instance_type
        explained = (
            args.zone_id == source.zone_id
            or (args.instance_name is None and "pass instance_name" in str(plan))
            or (entry and not essd_entry_allowed(final_type))
        )
        assert explained, plan
        return None
    return plan.parameters()


def data_disk_params(params: dict[str, str | int]) -> dict[int, dict[str, str | int]]:
    """DataDisk.<n>.<field> -> {n: {field: value}}."""
    found: dict[int, dict[str, str | int]] = {}
    for key, value in params.items():
        if key.startswith("DataDisk."):
            _, n, field = key.split(".", 2)
            found.setdefault(int(n), {})[field] = value
    return found


@PROPERTIES
@given(cases())
def test_no_public_ip_on_source_means_zero_bandwidth_for_any_source(
    case: tuple[Instance, Arguments],
) -> None:
    source, args = case
    params = made(source, args)
    if params is None:
        return
    expected = source.internet_max_bandwidth_out if source.has_public_ip else 0
    assert params["InternetMaxBandwidthOut"] == expected
    assert params["InternetChargeType"] == source.internet_charge_type


@PROPERTIES
@given(cases())
def test_every_disks_performance_level_is_sent_equal_to_the_sources(
    case: tuple[Instance, Arguments],
) -> None:
    source, args = case
    params = made(source, args)
    if params is None:
        return
    system = source.system_disk
    assert system is not None
    assert params.get("SystemDisk.PerformanceLevel") == system.performance_level
    sent = data_disk_params(params)
    for n, disk in enumerate(source.data_disks, 1):
        assert sent[n].get("PerformanceLevel") == disk.performance_level, disk.device


@PROPERTIES
@given(cases())
def test_data_disks_are_only_overridden_by_device_never_added_by_snapshot_id(
    case: tuple[Instance, Arguments],
) -> None:
    source, args = case
    params = made(source, args)
    if params is None:
        return
    assert not [k for k in params if "SnapshotId" in k]
    sent = data_disk_params(params)
    assert all("Device" in fields for fields in sent.values())
    assert [fields["Device"] for _, fields in sorted(sent.items())] == [
        d.device for d in source.data_disks
    ]


@PROPERTIES
@given(cases())
def test_the_source_zone_is_never_the_target_and_asking_for_it_is_refused(
    case: tuple[Instance, Arguments],
) -> None:
    source, args = case
    plan = plan_for(source, args)
    if args.zone_id == source.zone_id:
        assert isinstance(plan, ValueError)
        assert source.zone_id in str(plan)
        return
    params = made(source, args)
    if params is not None:
        assert params["ZoneId"] == args.zone_id != source.zone_id


@PROPERTIES
@given(cases())
def test_every_disks_category_and_size_are_kept(case: tuple[Instance, Arguments]) -> None:
    source, args = case
    params = made(source, args)
    if params is None:
        return
    system = source.system_disk
    assert system is not None
    assert (params["SystemDisk.Category"], params["SystemDisk.Size"]) == (
        system.category,
        system.size_gib,
    )
    sent = data_disk_params(params)
    assert len(sent) == len(source.data_disks)
    for n, disk in enumerate(source.data_disks, 1):
        assert (sent[n]["Category"], sent[n]["Size"]) == (disk.category, disk.size_gib)


@PROPERTIES
@given(sources(), st.none() | st.text(max_size=140))
def test_the_dr_name_sent_is_one_ecs_accepts_and_the_users_when_given(
    source: Instance, requested: str | None
) -> None:
    try:
        name = dr_instance_name(source, requested)
    except ValueError:
        if requested:
            with pytest.raises(ValueError):
                validate_instance_name(requested)
        else:
            assert len(default_dr_name(source)) > MAX_NAME_LENGTH
        return
    validate_instance_name(name)
    assert name == (requested or default_dr_name(source))
    assert name.startswith("recovery-") or requested


@PROPERTIES
@given(sources(), valid_names)
def test_a_source_name_ecs_accepts_is_kept_whole_in_the_default_dr_name(
    source: Instance, name: str
) -> None:
    named = source.model_copy(update={"name": name})
    assert dr_instance_name(named, None) == f"recovery-{name}"


def test_no_caller_can_pass_a_bandwidth_for_the_dr_instance() -> None:
    """The bandwidth comes from the source alone: neither the plan nor any tool takes one."""
    assert not [p for p in inspect.signature(run_instances_plan).parameters if "bandwidth" in p]
    for tool in server_tools():
        arguments = tool.input_schema.get("properties", {})
        assert not [a for a in arguments if "bandwidth" in a.lower()], tool.name
