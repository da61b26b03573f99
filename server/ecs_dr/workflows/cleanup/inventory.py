"""What one operation created, each resource with its verdict; changes nothing.

`inventory` reads the journal's create steps and asks the cloud whether each still exists,
its tags and what holds it; `domain.cleanup` gives each a verdict (the operation's source
resources are protected whatever happens). The cloud is the second record: `find_orphans`
lists the tagged resources of operations the journal does not know (its file deleted or
replaced), and `orphan_inventory` builds such an operation's inventory from those tags, with
the same verdicts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.cleanup import (
    CLEANUP_KIND,
    DELETE_ORDER,
    CleanupInventory,
    OrphanOperation,
    OrphanResource,
    ResourceKind,
    Tagged,
    busy_reason,
    cleanup_busy,
    cleanup_of_a_cleanup,
    created_resources,
    goes_with_its_instance,
    groups_kept_whole,
    held_snapshots,
    image_held_snapshots,
    in_delete_order,
    named_ids,
    no_region,
    orphan_shield,
    released_with,
    untagged_operation,
    verdict,
    vswitches_in_use,
)
from ecs_dr.domain.plans import TAG_DRILL, TAG_OPERATION, TAG_SOURCE
from ecs_dr.workflows.cleanup.lookups import describe, disks_of, listed_tags, tagged_resources
from ecs_dr.workflows.journal import OperationRecord


async def inventory(
    gw: EcsGateway,
    record: OperationRecord,
    plan: Mapping[str, Any] | None = None,
) -> CleanupInventory:
    """Everything the operation created, each with its verdict; changes nothing.

    Raises Refusal for an operation that creates nothing (a cleanup) or has no region, and
    CleanupBusy when a resource is still changing state.
    """
    operation_id = record.operation_id
    if record.kind == CLEANUP_KIND:
        raise cleanup_of_a_cleanup(operation_id)
    created = created_resources((s.step, s.action, s.resource_id) for s in record.steps)
    region_id = record.region_id
    if region_id is None:
        if created:
            raise no_region(operation_id)
        region_id = ""
    if not created:
        return CleanupInventory(
            operation_id=operation_id, region_id=region_id, rows=[], protected=[]
        )
    made_from = {
        s.resource_id: str(s.parameters["SnapshotId"])
        for s in record.steps
        if s.action == "CreateDisk" and s.resource_id and s.parameters.get("SnapshotId")
    }
    sources, others = named_ids(record.arguments, plan)
    return await _judged(
        gw,
        operation_id,
        region_id,
        created=[(rid, kind, step) for step, kind, rid in created],
        named=(sources, others),
        made_from=made_from,
    )


async def orphan_inventory(gw: EcsGateway, operation_id: str) -> CleanupInventory:
    """What an operation the journal does not know created, from the cloud's tags: the
    resources tagged ecs-dr:operation-id=<operation_id> in the first region holding any (the
    configured default region first, then every other), each with its verdict; changes
    nothing. Its source is the instance their ecs-dr:source-instance tag names, with its disks.

    Raises Refusal when no region holds such a resource, and CleanupBusy when one is still
    changing state.
    """
    region_id, tagged = await _tagged_somewhere(gw, operation_id)
    disks = [rid for rid, t in tagged.items() if t.kind == "disk"]
    return await _judged(
        gw,
        operation_id,
        region_id,
        created=[(rid, t.kind, "") for rid, t in tagged.items()],
        named=(set(), set()),
        made_from=await ecs.disk_snapshots(gw, region_id, disks),
        known_tags={rid: t.tags for rid, t in tagged.items()},
    )


async def _tagged_somewhere(gw: EcsGateway, operation_id: str) -> tuple[str, dict[str, Tagged]]:
    """The first region holding resources tagged with the operation's id, and them."""
    default = gw.settings.region_id
    if default:
        found = await tagged_resources(gw, default, operation_id)
        if found:
            return default, found
    others = [r for r in await ecs.region_ids(gw) if r != default]
    answers = await asyncio.gather(*(tagged_resources(gw, r, operation_id) for r in others))
    for region_id, found in zip(others, answers, strict=True):
        if found:
            return region_id, found
    raise untagged_operation(operation_id, [default, *others] if default else others)


async def find_orphans(
    gw: EcsGateway,
    region_id: str | None,
    known: Iterable[str],
    cleanups: Mapping[str, str],
) -> tuple[list[str], list[OrphanOperation]]:
    """The regions searched (`region_id`, else every region of the account), and every
    operation id tagged on a resource there that is not among `known` (the journal's
    operations), with its resources, grouped by id; `cleanups` maps an id to the journaled
    cleanup_recovery that ran for it. Changes nothing."""
    journal = set(known)
    regions = [region_id] if region_id else await ecs.region_ids(gw)
    answers = await asyncio.gather(*(tagged_resources(gw, r) for r in regions))
    orphans: list[OrphanOperation] = []
    for region_id, tagged in zip(regions, answers, strict=True):
        unknown = {
            rid: t for rid, t in tagged.items() if t.tags.get(TAG_OPERATION, "") not in journal
        }
        described = await asyncio.gather(
            *(describe(gw, region_id, t.kind, rid) for rid, t in unknown.items())
        )
        by_operation: dict[str, list[OrphanResource]] = {}
        for found, _ in described:
            listed = unknown[found.resource_id]
            by_operation.setdefault(listed.tags[TAG_OPERATION], []).append(
                OrphanResource(
                    resource_id=found.resource_id,
                    kind=found.kind,
                    status=listed.status or (found.status if found.exists else "gone"),
                    source_instance=listed.tags.get(TAG_SOURCE),
                    drill=listed.tags.get(TAG_DRILL),
                )
            )
        orphans += [
            OrphanOperation(
                operation_id=operation_id,
                region_id=region_id,
                resources=sorted(rows, key=lambda r: (DELETE_ORDER.index(r.kind), r.resource_id)),
                cleanup_operation_id=cleanups.get(operation_id),
            )
            for operation_id, rows in sorted(by_operation.items())
        ]
    return regions, orphans


async def _judged(
    gw: EcsGateway,
    operation_id: str,
    region_id: str,
    *,
    created: Iterable[tuple[str, ResourceKind, str]],
    named: tuple[set[str], set[str]],
    made_from: Mapping[str, str],
    known_tags: Mapping[str, dict[str, str]] | None = None,
) -> CleanupInventory:
    """The verdict on each created (id, kind, journal step) resource, as the cloud shows it
    now. `named`: the source instances and other ids the operation used; `made_from`: disk ->
    the snapshot it was made from; `known_tags`: tags already read (none listed again)."""
    steps = {rid: step for rid, _, step in created}
    kinds: dict[str, ResourceKind] = {rid: kind for rid, kind, _ in created}
    described = await asyncio.gather(*(describe(gw, region_id, kinds[rid], rid) for rid in kinds))
    found = {
        f.resource_id: f.model_copy(update={"step": steps[f.resource_id]}) for f, _ in described
    }
    read_tags = dict(known_tags or {}) | {f.resource_id: t for f, t in described if t is not None}
    members: dict[str, list[str]] = {}
    for group in [f for f, _ in described if f.kind == "snapshot_group" and f.exists]:
        members[group.resource_id] = list(group.contains)
        for sid in group.contains:
            if sid not in found:
                snap, _ = await describe(gw, region_id, "snapshot", sid)
                found[sid] = snap.model_copy(update={"step": steps[group.resource_id]})
    tags = read_tags | await listed_tags(
        gw, region_id, [f for f in found.values() if f.resource_id not in read_tags]
    )
    found = {
        rid: f.model_copy(update={"operation_tag": tags.get(rid, {}).get(TAG_OPERATION)})
        for rid, f in found.items()
    }
    sources, others = named
    sources = sources | {t[TAG_SOURCE] for t in tags.values() if t.get(TAG_SOURCE)}
    shield = orphan_shield(sources, await disks_of(gw, region_id, sources)) | others
    riders: dict[str, list[str]] = {}
    for f in found.values():
        if f.attached_to and goes_with_its_instance(f, found, shield):
            riders.setdefault(f.attached_to, []).append(f.resource_id)
    going = {d for disks in riders.values() for d in disks}
    found = {rid: f for rid, f in found.items() if rid not in going}
    busy = [reason for f in found.values() if (reason := busy_reason(f))]
    if busy:
        raise cleanup_busy(operation_id, busy)
    rows = {rid: verdict(f, operation_id, shield, sources) for rid, f in found.items()}
    rows = released_with(held_snapshots(rows, made_from), riders)
    if any(r.kind == "snapshot" and r.action == "delete" for r in rows.values()):
        rows = image_held_snapshots(rows, await ecs.snapshot_users(gw, region_id))
    rows = vswitches_in_use(groups_kept_whole(rows, members), found)
    return CleanupInventory(
        operation_id=operation_id,
        region_id=region_id,
        rows=in_delete_order(list(rows.values())),
        protected=sorted(shield),
        found=found,
        members=members,
    )
