"""Can the target zone take the DR copy? A VSwitch of the source's VPC, stock of the type,
every disk's category; a choice prompt for each gap, answers applied when given.

An answer may move the copy to another zone (`zone:<id>`): the check then starts over there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import rules
from ecs_dr.domain.decisions import CANCEL, ChoicePrompt, chosen, split_choice
from ecs_dr.domain.models import Instance, InstanceTypeSpec, VSwitch, ZoneOffer
from ecs_dr.domain.plans import Decisions
from ecs_dr.domain.prompts import (
    CREATE_VSWITCH,
    disk_category_prompt,
    no_stock_prompt,
    vswitch_missing_prompt,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.target_zone import ZoneCheck, cancelled_zone_check, require_target_zone
from ecs_dr.domain.vswitches import VSwitchPlan
from ecs_dr.workflows.source import load_instance
from ecs_dr.workflows.vswitches import vswitch_plan

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Once(Generic[K, V]):
    """Each key read once; callers asking while the read runs wait for it."""

    def __init__(self) -> None:
        self._values: dict[K, V] = {}
        self._locks: dict[K, anyio.Lock] = {}

    async def get(self, key: K, read: Callable[[], Awaitable[V]]) -> V:
        async with self._locks.setdefault(key, anyio.Lock()):
            if key not in self._values:
                self._values[key] = await read()
            return self._values[key]


class ZoneReads:
    """The zone-level reads of one plan, each made once: a fleet's sources share the region's
    zones, each zone's offer for an instance type, each VPC's VSwitches and the block a new
    VSwitch would take. Made for one plan and dropped with it, so that the next plan sees the
    cloud as it is then."""

    def __init__(self, gw: EcsGateway) -> None:
        self._gw = gw
        self._zones: _Once[str, list[str]] = _Once()
        self._offers: _Once[tuple[str, str, str, str, str], ZoneOffer] = _Once()
        self._vswitches: _Once[tuple[str, str], list[VSwitch]] = _Once()
        self._new_vswitches: _Once[tuple[str, str, str], VSwitchPlan] = _Once()

    async def zones(self, region_id: str) -> list[str]:
        return await self._zones.get(region_id, lambda: ecs.describe_zones(self._gw, region_id))

    async def zone_offer(
        self, region_id: str, zone_id: str, vpc_id: str, instance_type: str, system_disk: str
    ) -> ZoneOffer:
        """The zone's offer for the type, its data disks for a system disk of that category."""
        return await self._offers.get(
            (region_id, zone_id, vpc_id, instance_type, system_disk),
            lambda: ecs.zone_offer(
                self._gw, region_id, zone_id, vpc_id, instance_type, system_disk
            ),
        )

    async def vswitches(self, region_id: str, vpc_id: str) -> list[VSwitch]:
        """The VPC's VSwitches in every zone."""
        return await self._vswitches.get(
            (region_id, vpc_id), lambda: ecs.vswitches(self._gw, region_id, vpc_id)
        )

    async def new_vswitch(
        self, region_id: str, vpc_id: str, zone_id: str, source_instance_id: str
    ) -> VSwitchPlan:
        """The VSwitch to create in the zone: one block per VPC and zone, whichever source
        asks (a fleet creates it once for all of them)."""

        async def read() -> VSwitchPlan:
            zones = await self.zones(region_id)
            return await vswitch_plan(self._gw, region_id, vpc_id, zone_id, zones=zones)

        shared = await self._new_vswitches.get((region_id, vpc_id, zone_id), read)
        return shared.model_copy(update={"source_instance_id": source_instance_id})


@dataclass(frozen=True)
class _MoveTo:
    zone_id: str


async def check_target_zone(
    gw: EcsGateway,
    instance_id: str,
    target_zone_id: str,
    region_id: str | None = None,
    decisions: Decisions | None = None,
) -> ZoneCheck:
    """The zone's offer for the source and a prompt for each gap; creates nothing.

    Raises NotFound for an unknown instance, Refusal for a zone that cannot be a target.
    """
    _, source = await load_instance(gw, instance_id, region_id)
    return await resolve_target_zone(gw, source, target_zone_id, decisions or {})


async def resolve_target_zone(
    gw: EcsGateway,
    source: Instance,
    zone_id: str,
    decisions: Decisions,
    *,
    vswitch_id: str | None = None,
    instance_type: str | None = None,
    zones: list[str] | None = None,
    reads: ZoneReads | None = None,
    drill: bool = False,
) -> ZoneCheck:
    """Check `zone_id`, following the user's `zone:<id>` answers to the zone they chose.

    `vswitch_id` (already checked to be the VPC's, in `zone_id`) and `instance_type` are the
    caller's explicit choices; `zones` are the region's, when already read; `reads` the
    plan's zone-level reads, when it shares them (a fleet's sources do). Raises Refusal
    for a zone that cannot be a target, and when the answers lead back to a zone already
    checked.
    """
    reads = reads or ZoneReads(gw)
    zones = zones if zones is not None else await reads.zones(source.region_id)
    visited: list[str] = []
    while True:
        require_target_zone(source, zone_id, zones)
        visited.append(zone_id)
        checked = await _check_zone(
            gw,
            reads,
            source,
            zone_id,
            decisions,
            vswitch_id=vswitch_id,
            instance_type=instance_type,
            requested=visited[0],
            drill=drill,
        )
        if isinstance(checked, ZoneCheck):
            return checked
        if checked.zone_id in visited:
            raise Refusal(
                "The decisions lead around in a circle: "
                + " -> ".join([*visited, checked.zone_id])
                + "; answer one of these zones' prompts differently."
            )
        zone_id, vswitch_id = checked.zone_id, None


async def _check_zone(
    gw: EcsGateway,
    reads: ZoneReads,
    source: Instance,
    zone_id: str,
    decisions: Decisions,
    *,
    vswitch_id: str | None,
    instance_type: str | None,
    requested: str,
    drill: bool,
) -> ZoneCheck | _MoveTo:
    region, vpc = source.region_id, source.vpc_id
    wanted_type = instance_type or source.instance_type
    system_disk = rules.system_disk_category(source)
    offer = await reads.zone_offer(region, zone_id, vpc, wanted_type, system_disk)
    prompts: list[ChoicePrompt] = []
    findings: list[str] = []

    def answer(prompt: ChoicePrompt) -> tuple[str, str] | None:
        """The (kind, argument) answered, or None after queueing the prompt."""
        value = chosen(prompt, decisions)
        if value is None:
            prompts.append(prompt)
            return None
        return split_choice(value)

    def ended(prompt: ChoicePrompt, kind: str, argument: str) -> ZoneCheck | _MoveTo | None:
        """Where the check ends when the answer cancels it or moves to another zone."""
        if kind == CANCEL:
            return cancelled_zone_check(
                source, zone_id, requested, offer.vswitches, prompt, findings
            )
        if kind == "zone":
            return _MoveTo(argument)
        return None

    use_vswitch = vswitch_id or (offer.vswitches[0].vswitch_id if offer.vswitches else None)
    create = False
    if use_vswitch is not None:
        findings.append(f"VSwitch {use_vswitch} of {vpc} in {zone_id}.")
    else:
        everywhere = await reads.vswitches(region, vpc)
        others = sorted({v.zone_id for v in everywhere} - {source.zone_id, zone_id})
        prompt = vswitch_missing_prompt(zone_id, vpc, others, drill=drill)
        picked = answer(prompt)
        if picked is not None:
            kind, argument = picked
            if (end := ended(prompt, kind, argument)) is not None:
                return end
            create = kind == CREATE_VSWITCH
            findings.append(f"A VSwitch of {vpc} will be created in {zone_id} on a free block.")

    final_type = wanted_type
    if not offer.instance_type_in_stock:
        prompt = await _no_stock_prompt(gw, source, wanted_type, zone_id)
        picked = answer(prompt)
        if picked is not None:
            kind, argument = picked
            if (end := ended(prompt, kind, argument)) is not None:
                return end
            final_type = argument
            offer = await reads.zone_offer(region, zone_id, vpc, final_type, system_disk)
            findings.append(f"{wanted_type} is out of stock in {zone_id}; using {final_type}.")

    categories: dict[str, str] = {}
    # Without stock the zone offers no disks for the type: categories wait for its answer.
    # The system disk comes first: the data disks the zone sells depend on its category.
    for disk in source.disks if offer.instance_type_in_stock else []:
        offered = (
            offer.system_disk_categories if disk.kind == "system" else offer.data_disk_categories
        )
        if disk.category in offered:
            continue
        prompt = disk_category_prompt(disk, zone_id, offered)
        picked = answer(prompt)
        if picked is not None:
            kind, argument = picked
            if (end := ended(prompt, kind, argument)) is not None:
                return end
            categories[disk.device] = argument
            findings.append(
                f"{disk.device} ({disk.category}) becomes {argument}: {zone_id} does not offer "
                f"{disk.category} with {final_type}."
            )
        if disk.kind == "system":
            # The copy's system disk takes the chosen category (the recommended one until the
            # user chooses): read the data disks the zone sells with that one.
            system_disk = categories.get(disk.device) or split_choice(prompt.values[0])[1]
            offer = await reads.zone_offer(region, zone_id, vpc, final_type, system_disk)

    return ZoneCheck(
        region_id=region,
        source_instance_id=source.instance_id,
        requested_zone_id=requested,
        zone_id=zone_id,
        vpc_id=vpc,
        vswitches=offer.vswitches,
        vswitch_id=use_vswitch,
        create_vswitch=create,
        source_instance_type=source.instance_type,
        instance_type=final_type,
        instance_type_in_stock=offer.instance_type_in_stock,
        system_disk_categories=offer.system_disk_categories,
        data_disk_categories=offer.data_disk_categories,
        disk_categories=categories,
        findings=findings,
        prompts=prompts,
        ready=not prompts,
    )


async def _no_stock_prompt(
    gw: EcsGateway, source: Instance, instance_type: str, zone_id: str
) -> ChoicePrompt:
    """Similar types in stock in the zone (never smaller), and zones that have the type."""
    region = source.region_id
    specs = await ecs.instance_type_specs(
        gw,
        region,
        min_cpu=source.cpu or None,
        min_memory_gib=source.memory_mib / 1024 or None,
    )
    wanted = next((s for s in specs if s.instance_type == instance_type), None)
    if wanted is None:
        wanted = InstanceTypeSpec(
            instance_type=instance_type,
            cpu=source.cpu,
            memory_gib=source.memory_mib / 1024,
            family=rules.instance_family(instance_type),
        )
    in_stock = set(await ecs.types_in_stock(gw, region, zone_id))
    similar = rules.similar_instance_types(
        wanted, [s for s in specs if s.instance_type in in_stock]
    )
    zones = [
        z
        for z in await ecs.zones_with_stock(gw, region, instance_type)
        if z not in (source.zone_id, zone_id)
    ]
    return no_stock_prompt(wanted, zone_id, similar, zones)
