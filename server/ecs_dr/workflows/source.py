"""Reading the source: where it is, what it holds, and which zones can take its copy; which
instance a name names, and whether the DR instance's name is in use."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import names
from ecs_dr.domain.arguments import id_kind
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.instances import (
    FoundInstances,
    InstanceNameChoice,
    InstanceQuery,
    found_instances,
    named_instance,
    unknown_zone,
)
from ecs_dr.domain.models import Instance
from ecs_dr.domain.plans import Cancelled, Decisions, NeedsDecision, asked
from ecs_dr.domain.prompts import NUMBERED_NAME, dr_name_in_use_prompt
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.source import SourceReport, source_report


async def instance_region(gw: EcsGateway, instance_id: str, region_id: str | None) -> str:
    """The region given, else the one holding the instance (default region first)."""
    return region_id or await ecs.find_instance_region(gw, instance_id)


async def load_instance(
    gw: EcsGateway, instance_id: str, region_id: str | None
) -> tuple[str, Instance]:
    """(region, instance with its disks); raises NotFound naming where it looked. Without a
    region, the configured default one is tried by describing the instance there (where it
    usually is, so finding its region costs no call of its own)."""
    default = gw.settings.region_id
    if region_id is None and default:
        found = await ecs.describe_instance_if_there(gw, default, instance_id)
        if found is not None:
            return default, found
    region = await instance_region(gw, instance_id, region_id)
    return region, await ecs.describe_instance(gw, region, instance_id)


async def load_target(gw: EcsGateway, instance_id: str, region_id: str, holder: str) -> Instance:
    """The instance that receives a disk, in the region of what it receives (`holder`, e.g.
    "the snapshot s-1"). Raises Refusal when it is in another region, NotFound naming the
    regions searched when it is in none."""
    try:
        return await ecs.describe_instance(gw, region_id, instance_id)
    except NotFound:
        elsewhere = await ecs.find_instance_region(gw, instance_id)
    raise Refusal(
        f"{instance_id} is in {elsewhere}, but {holder} is in {region_id}; a disk is created "
        f"and attached within one region. Choose a target instance in {region_id}."
    )


async def _regions_to_search(
    gw: EcsGateway, region_id: str | None, zone_id: str | None
) -> list[str]:
    """`region_id`, else the configured default region first, then every other region (only
    those a zone id of theirs could start with, when a zone is given); raises Refusal when
    no region could hold the zone."""
    if region_id:
        return [region_id]
    default = gw.settings.region_id
    regions = [r for r in await ecs.region_ids(gw) if r != default]
    if default:
        regions.insert(0, default)
    if zone_id is None:
        return regions
    holding = [r for r in regions if zone_id.startswith(r)]
    if not holding:
        raise unknown_zone(zone_id, regions)
    return holding


async def _instances_matching(
    gw: EcsGateway, region_id: str | None, query: InstanceQuery
) -> tuple[list[str], list[Instance]]:
    """The regions searched, and the instances there that match `query`."""
    regions = await _regions_to_search(gw, region_id, query.zone_id)
    found = await asyncio.gather(*(ecs.instances_matching(gw, r, query) for r in regions))
    return regions, [instance for listed in found for instance in listed]


async def find_instances(
    gw: EcsGateway, query: InstanceQuery, region_id: str | None = None
) -> FoundInstances:
    """The instances that match `query` in `region_id`, else in every region; capped, with
    the count of the rest."""
    regions, found = await _instances_matching(gw, region_id, query)
    return found_instances(regions, found)


async def instance_by_ref(
    gw: EcsGateway,
    instance: str,
    region_id: str | None,
    argument: str = "instance_id",
    answers: Decisions | None = None,
) -> str:
    """The id of `instance` (the tool's `argument`), an instance id or an instance's exact
    name. Raises InstanceNameChoice when a few instances have that name and `answers` holds
    no choice among them, Refusal when none or too many have it."""
    if id_kind(instance) == "instance":
        return instance
    regions, found = await _instances_matching(gw, region_id, InstanceQuery(name=instance))
    return named_instance(argument, instance, regions, found, answers)


InstanceRefs = Mapping[str, str | Sequence[str] | None]
"""Instance arguments by name: an id or exact name each, a list of them, or None."""


async def instances_by_ref(
    gw: EcsGateway, refs: InstanceRefs, region_id: str | None, answers: Decisions
) -> dict[str, str | list[str] | None]:
    """Every instance argument with its names replaced by the ids they name (a list stays a
    list); None stays None. Raises one InstanceNameChoice for every ambiguous name at once."""

    async def by_ref(argument: str, ref: str) -> str | InstanceNameChoice:
        try:
            return await instance_by_ref(gw, ref, region_id, argument, answers)
        except InstanceNameChoice as choice:
            return choice

    resolved: dict[str, str | list[str] | None] = {}
    choices: list[InstanceNameChoice] = []
    for argument, ref in refs.items():
        if ref is None:
            resolved[argument] = None
            continue
        given = [ref] if isinstance(ref, str) else list(ref)
        ids = await asyncio.gather(*(by_ref(argument, r) for r in given))
        choices += [i for i in ids if isinstance(i, InstanceNameChoice)]
        named = [i for i in ids if isinstance(i, str)]
        resolved[argument] = named[0] if isinstance(ref, str) and named else named
    if choices:
        raise InstanceNameChoice.joined(choices)
    return resolved


async def instance_ids_or_choice(
    gw: EcsGateway, refs: InstanceRefs, region_id: str | None, answers: Decisions
) -> dict[str, str | list[str] | None] | NeedsDecision:
    """`instances_by_ref`, with the choice among instances sharing a name as the decision a
    plan or a step asks for before anything else."""
    try:
        return await instances_by_ref(gw, refs, region_id, answers)
    except InstanceNameChoice as choice:
        return NeedsDecision(choice.prompts)


async def describe_source(
    gw: EcsGateway, instance: str, region_id: str | None = None
) -> SourceReport:
    """Everything the recovery inherits from the source (by id or exact name), and the rules
    that will apply."""
    instance_id = await instance_by_ref(gw, instance, region_id)
    region, source = await load_instance(gw, instance_id, region_id)
    return source_report(region, source)


async def describe_target_instance(
    gw: EcsGateway, instance: str, region_id: str | None = None
) -> Instance:
    """An instance (a Scenario B target, or a DR copy; by id or exact name) with every
    attached disk."""
    instance_id = await instance_by_ref(gw, instance, region_id)
    _, found = await load_instance(gw, instance_id, region_id)
    return found


async def dr_name(
    gw: EcsGateway, region: str, name: str, answers: Decisions
) -> str | ChoicePrompt | Cancelled:
    """The DR instance's name: `name` when no instance of the region has it, else the user's
    choice (the first free numbered name, or `name` kept); the prompt until they chose."""
    holders = await _instances_named(gw, region, name)
    if not holders:
        return name
    number = 2
    while await _instances_named(gw, region, names.numbered_name(name, number)):
        number += 1
    numbered = names.numbered_name(name, number)
    answer = asked(dr_name_in_use_prompt(name, holders, numbered), answers)
    if not isinstance(answer, str):
        return answer
    return numbered if answer == NUMBERED_NAME else name


async def _instances_named(gw: EcsGateway, region: str, name: str) -> list[str]:
    """The ids of the region's instances named exactly `name` (a DR name holds no `*`)."""
    found = await ecs.instances_matching(gw, region, InstanceQuery(name=name))
    return [i.instance_id for i in found]
