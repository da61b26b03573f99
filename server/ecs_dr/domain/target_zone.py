"""What a target zone offers the DR copy and the decisions still open about it."""

from __future__ import annotations

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.models import Frozen, Instance, VSwitch
from ecs_dr.domain.refusal import Refusal


class ZoneCheck(Frozen):
    """What the zone offers, what the DR copy would get there, and the decisions still open."""

    region_id: str
    source_instance_id: str
    requested_zone_id: str
    zone_id: str
    vpc_id: str
    vswitches: list[VSwitch]
    vswitch_id: str | None
    create_vswitch: bool
    source_instance_type: str
    instance_type: str
    instance_type_in_stock: bool
    system_disk_categories: list[str]
    data_disk_categories: list[str]
    disk_categories: dict[str, str]
    findings: list[str] = cloud_text_field("what the check found, one sentence each")
    prompts: list[ChoicePrompt]
    cancelled_by: str | None = None
    ready: bool = False
    """Every gap is closed: a plan can be made for `zone_id`."""


def cancelled_zone_check(
    source: Instance,
    zone_id: str,
    requested: str,
    vswitches: list[VSwitch],
    prompt: ChoicePrompt,
    findings: list[str],
) -> ZoneCheck:
    """The check as it stands when the user cancelled at `prompt`: nothing is planned."""
    return ZoneCheck(
        region_id=source.region_id,
        source_instance_id=source.instance_id,
        requested_zone_id=requested,
        zone_id=zone_id,
        vpc_id=source.vpc_id,
        vswitches=vswitches,
        vswitch_id=None,
        create_vswitch=False,
        source_instance_type=source.instance_type,
        instance_type=source.instance_type,
        instance_type_in_stock=False,
        system_disk_categories=[],
        data_disk_categories=[],
        disk_categories={},
        findings=[*findings, f"Cancelled at {prompt.decision_id}."],
        prompts=[],
        cancelled_by=prompt.decision_id,
    )


def require_target_zone(source: Instance, zone_id: str, zones: list[str]) -> None:
    """Refuse a zone the DR copy cannot go to; `zones` are the region's.

    Raises Refusal for a zone outside the source's region and for the source's own zone,
    listing the zones that are valid.
    """
    others = [z for z in zones if z != source.zone_id]
    if zone_id not in zones:
        raise Refusal(
            f"{zone_id!r} is not a zone of {source.region_id}, the region of "
            f"{source.instance_id}; a DR copy stays in the source's region. Valid target "
            f"zones: {', '.join(others)}."
        )
    if zone_id == source.zone_id:
        raise Refusal(
            f"{zone_id} is the zone of {source.instance_id} itself; a DR copy must survive "
            f"that zone's failure. Valid target zones: {', '.join(others)}."
        )
