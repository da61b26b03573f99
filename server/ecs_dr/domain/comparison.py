"""Source vs DR instance, row by row: the evidence that every rule held.

A row's `match` says whether the DR instance is what the rules (and the user's decisions, when
the plan is given) demand; things that differ by design (id, zone, VSwitch) match with a note,
and a difference the user chose (a type, a disk category) matches and is marked `chosen`.
Verifying later holds the DR instance to the plan its operation journaled
(`run_plan_from_parameters`), so a choice stays a match there too.
Cell text comes from the cloud (names can hold anything), so the markdown escapes it and a
note quotes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

# escape_markdown_cell is re-exported: the comparison's tests and readers look for it here.
from ecs_dr.domain.cloud_text import cloud_text_field, quoted, table_markdown
from ecs_dr.domain.cloud_text import escape_markdown_cell as escape_markdown_cell
from ecs_dr.domain.models import Disk, Frozen, Instance
from ecs_dr.domain.names import default_dr_name
from ecs_dr.domain.rules import SYSTEM_DEVICE, dr_bandwidth
from ecs_dr.domain.run_instances import DiskOverride, RunInstancesPlan
from ecs_dr.domain.statuses import InstanceStatus

NONE = "-"


class ComparisonRow(Frozen):
    item: str
    source: str = cloud_text_field("the source's value, e.g. its name")
    dr: str = cloud_text_field("the DR instance's value, e.g. its name")
    match: bool
    chosen: bool = Field(default=False, description="the user chose this difference; done")
    note: str = cloud_text_field("why the row matches or not; may quote a name", default="")


def _row(item: str, source: str, dr: str, note: str = "") -> ComparisonRow:
    """A row that must be equal on both sides."""
    return ComparisonRow(item=item, source=source, dr=dr, match=source == dr, note=note)


def _by_design(item: str, source: str, dr: str, note: str) -> ComparisonRow:
    return ComparisonRow(item=item, source=source, dr=dr, match=True, note=note)


def _ips(ips: Sequence[str]) -> str:
    return ", ".join(ips) or NONE


def _name_row(source: Instance, dr: Instance, plan: RunInstancesPlan | None) -> ComparisonRow:
    """Held to the plan's name when known; later, any name but the default is the user's."""
    default = default_dr_name(source)
    match = plan is None or dr.name == plan.instance_name
    if dr.name == default:
        note = "recovery-<source name>"
    elif match:
        note = f"named by the user (default {quoted(default)})"
    else:
        note = f"expected {quoted(plan.instance_name if plan is not None else default)}"
    return ComparisonRow(item="Name", source=source.name, dr=dr.name, match=match, note=note)


def _type_row(source: Instance, dr: Instance, plan: RunInstancesPlan | None) -> ComparisonRow:
    expected = plan.instance_type if plan is not None else source.instance_type
    chosen = dr.instance_type != source.instance_type and dr.instance_type == expected
    note = ""
    if dr.instance_type != source.instance_type:
        note = (
            "chosen by the user: the source type was out of stock"
            if chosen
            else "differs from the source"
        )
    return ComparisonRow(
        item="Instance type",
        source=source.instance_type,
        dr=dr.instance_type,
        match=dr.instance_type == expected,
        chosen=chosen,
        note=note,
    )


def _device(disk: Disk) -> str:
    return SYSTEM_DEVICE if disk.kind == "system" else disk.device


def _disk_rows(
    device: str, source: Disk | None, dr: Disk | None, planned: DiskOverride | None
) -> list[ComparisonRow]:
    label = f"Disk {device}"
    if dr is None or source is None:
        on_source = dr is None
        disk = source if source is not None else dr
        spec = f"{disk.category} {disk.size_gib} GiB" if disk is not None else NONE
        return [
            ComparisonRow(
                item=label,
                source=spec if on_source else NONE,
                dr=NONE if on_source else spec,
                match=False,
                note="missing on the DR instance" if on_source else "not on the source",
            )
        ]
    category = planned.category if planned is not None else source.category
    level = planned.performance_level if planned is not None else source.performance_level
    category_chosen = dr.category != source.category and dr.category == category
    category_note = (
        f"chosen by the user: {source.category} not offered in the zone" if category_chosen else ""
    )
    level_follows = source.performance_level != level and dr.performance_level == level
    return [
        ComparisonRow(
            item=f"{label} category",
            source=source.category,
            dr=dr.category,
            match=dr.category == category,
            chosen=category_chosen,
            note=category_note,
        ),
        _row(f"{label} size (GiB)", str(source.size_gib), str(dr.size_gib)),
        ComparisonRow(
            item=f"{label} performance level",
            source=source.performance_level or NONE,
            dr=dr.performance_level or NONE,
            match=dr.performance_level == level,
            chosen=level_follows,
            note="performance level follows the chosen category" if level_follows else "",
        ),
    ]


def compare_instances(
    source: Instance,
    dr: Instance,
    *,
    image_id: str,
    plan: RunInstancesPlan | None = None,
) -> list[ComparisonRow]:
    """Every property the rules govern, source beside DR.

    With `plan`, the user's decisions (name, instance type, disk categories) are what the DR
    instance is held to; without it (verifying later), the source is.
    """
    bandwidth = dr_bandwidth(source)
    rows = [
        _by_design("Instance ID", source.instance_id, dr.instance_id, "a new instance"),
        _name_row(source, dr, plan),
        ComparisonRow(
            item="Zone",
            source=source.zone_id,
            dr=dr.zone_id,
            match=dr.zone_id != source.zone_id,
            note="another zone by design"
            if dr.zone_id != source.zone_id
            else "the DR instance is in the source's zone",
        ),
        _type_row(source, dr, plan),
        _row("VPC", source.vpc_id, dr.vpc_id),
        _by_design(
            "VSwitch", source.vswitch_id, dr.vswitch_id, "same VPC, the target zone's VSwitch"
        ),
        _row(
            "Security groups",
            ", ".join(sorted(source.security_group_ids)),
            ", ".join(sorted(dr.security_group_ids)),
        ),
        _row("Instance charge type", source.instance_charge_type, dr.instance_charge_type),
        _row("Internet charge type", source.internet_charge_type, dr.internet_charge_type),
        ComparisonRow(
            item="Bandwidth out (Mbps)",
            source=str(source.internet_max_bandwidth_out),
            dr=str(dr.internet_max_bandwidth_out),
            match=dr.internet_max_bandwidth_out == bandwidth,
            note="" if source.has_public_ip else "0: the source has no public IP",
        ),
        ComparisonRow(
            item="Public IP",
            source=_ips(source.public_ips),
            dr=_ips(dr.public_ips),
            match=source.has_public_ip == dr.has_public_ip,
            note="addresses differ by design" if source.has_public_ip else "",
        ),
        _by_design("Private IP", _ips(source.private_ips), _ips(dr.private_ips), "new address"),
        ComparisonRow(
            item="Image",
            source=source.image_id or NONE,
            dr=dr.image_id or NONE,
            match=dr.image_id == image_id,
            note="the recovery image"
            if dr.image_id == image_id
            else f"expected the recovery image {image_id}",
        ),
        ComparisonRow(
            item="Status",
            source=source.status,
            dr=dr.status,
            match=dr.status == InstanceStatus.RUNNING,
        ),
    ]
    source_disks = {_device(d): d for d in source.disks}
    dr_disks = {_device(d): d for d in dr.disks}
    planned = (
        {d.device: d for d in [plan.system_disk, *plan.data_disks]} if plan is not None else {}
    )
    for device in sorted(source_disks.keys() | dr_disks.keys()):
        rows += _disk_rows(
            device, source_disks.get(device), dr_disks.get(device), planned.get(device)
        )
    return rows


def all_match(rows: Sequence[ComparisonRow]) -> bool:
    """Whether the DR instance is what was decided: every row matches, a chosen one too."""
    return all(r.match or r.chosen for r in rows)


def _numbered(parameters: Mapping[str, Any], prefix: str) -> list[int]:
    """The n of every `<prefix>.<n>.…` key, in order."""
    found = {
        int(key.split(".")[1])
        for key in parameters
        if key.startswith(f"{prefix}.") and key.split(".")[1].isdigit()
    }
    return sorted(found)


def run_plan_from_parameters(parameters: Mapping[str, Any]) -> RunInstancesPlan:
    """The plan a DR instance was held to, read back from the RunInstances parameters its
    operation journaled (`RunInstancesPlan.parameters` written the other way round).

    Raises pydantic's ValidationError or KeyError for parameters RunInstancesPlan never sent.
    """
    p = parameters

    def disk(prefix: str, device: str) -> DiskOverride:
        return DiskOverride(
            device=device,
            category=p[f"{prefix}.Category"],
            size_gib=int(p[f"{prefix}.Size"]),
            performance_level=p.get(f"{prefix}.PerformanceLevel"),
        )

    return RunInstancesPlan(
        region_id=p["RegionId"],
        zone_id=p["ZoneId"],
        image_id=p["ImageId"],
        instance_type=p["InstanceType"],
        vswitch_id=p["VSwitchId"],
        security_group_ids=[p[f"SecurityGroupIds.{n}"] for n in _numbered(p, "SecurityGroupIds")],
        instance_name=p["InstanceName"],
        instance_charge_type=p["InstanceChargeType"],
        internet_charge_type=p["InternetChargeType"],
        internet_max_bandwidth_out=int(p["InternetMaxBandwidthOut"]),
        system_disk=disk("SystemDisk", SYSTEM_DEVICE),
        data_disks=[
            disk(f"DataDisk.{n}", p[f"DataDisk.{n}.Device"]) for n in _numbered(p, "DataDisk")
        ],
        **{
            field: p[key]
            for field, key in (("period", "Period"), ("period_unit", "PeriodUnit"))
            if key in p
        },
    )


def markdown_table(rows: Sequence[ComparisonRow]) -> str:
    """The comparison as a GitHub-flavoured markdown table."""
    return table_markdown(
        ["Item", "Source", "DR", "Match", "Note"],
        [[r.item, r.source, r.dr, "yes" if r.match else "NO", r.note] for r in rows],
    )
