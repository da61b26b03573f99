"""Cleanup of one operation (a DR drill): find what it created, then delete it in order.

`inventory` reads only: the journal's create steps give the resources, the cloud says whether
each still exists, its tags and what holds it, and `domain.cleanup` gives each a verdict (the
operation's source resources are protected whatever happens). The cloud is the second record:
`find_orphans` lists the tagged resources of operations the journal does not know (its file
deleted or replaced), and `orphan_inventory` builds such an operation's inventory from those
tags, with the same verdicts. `execute_cleanup` first waits for an instance still starting or
stopping to be Running or Stopped (ECS releases it only then), then deletes the confirmed
resources in dependency order, waiting until an instance or disk is gone before the next
delete that depended on it; a delete ECS refuses leaves that resource in place with ECS's
reason, and the others go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import CloudError, NotFound, WaiterFailed, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.cleanup import (
    DELETE_ORDER,
    TAG_OPERATION,
    TAG_RESOURCE_TYPE,
    CleanupRow,
    Found,
    OrphanOperation,
    OrphanResource,
    ResourceKind,
    busy_reason,
    cleanup_markdown,
    created_resources,
    force_instance_delete,
    goes_with_its_instance,
    held_snapshots,
    image_held_snapshots,
    in_delete_order,
    orphan_shield,
    released_with,
    settles_before_delete,
    verdict,
)
from ecs_dr.domain.cloud_text import cloud_text_field, quoted
from ecs_dr.domain.plans import TAG_DRILL, TAG_SOURCE
from ecs_dr.workflows.journal import OperationRecord
from ecs_dr.workflows.operations import ProgressFn

CLEANUP_KIND = "cleanup_recovery"
# Arguments and plan fields that name an instance or disk the operation did not create.
_SOURCE_KEYS = ("instance_id", "source_instance_id")
_INSTANCE_LIST_KEYS = ("source_instance_ids", "instance_ids")
_OTHER_KEYS = ("target_instance_id", "disk_id")
_DISK_LIST_KEYS = ("disk_ids",)
GONE_POLL_S = 2.0
GONE_TIMEOUT_S = 300.0


class CleanupBusy(ValueError):
    """A resource is in a transitional state: nothing is deleted until it settles."""


class CleanupInventory(BaseModel):
    """What the operation created, each with its verdict, in deletion order."""

    operation_id: str
    region_id: str
    rows: list[CleanupRow]
    protected: list[str] = Field(description="source resources never deleted")
    found: dict[str, Found] = Field(default_factory=dict)
    members: dict[str, list[str]] = Field(
        default_factory=dict, description="snapshot group -> its snapshots (deleted with it)"
    )

    @property
    def to_delete(self) -> list[CleanupRow]:
        return [r for r in self.rows if r.action == "delete"]


class CleanupResult(BaseModel):
    """What the cleanup deleted and what it left, and why."""

    operation_id: str
    region_id: str
    rows: list[CleanupRow]
    deleted: list[str]
    left: list[CleanupRow]
    markdown: str = cloud_text_field("the rows as a markdown table, cells escaped")


def _named(fields: Mapping[str, Any], keys: Iterable[str], list_keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value:
            found.add(value)
    for key in list_keys:
        values = fields.get(key)
        if isinstance(values, list):
            found.update(v for v in values if isinstance(v, str) and v)
    return found


def named_ids(record: OperationRecord, plan: Mapping[str, Any] | None) -> tuple[set[str], set[str]]:
    """(source instances, every other id) the operation's arguments or plan name: its source,
    a Scenario B target, the disks it copied. None of them is the operation's to delete."""
    sources: set[str] = set()
    others: set[str] = set()
    for fields in (record.arguments, plan or {}):
        sources |= _named(fields, _SOURCE_KEYS, _INSTANCE_LIST_KEYS)
        others |= _named(fields, _OTHER_KEYS, _DISK_LIST_KEYS)
    return sources, others


async def _gone_or(describe: Awaitable[Any]) -> Any | None:
    try:
        return await describe
    except NotFound:
        return None


async def _describe(
    gw: EcsGateway, region_id: str, kind: ResourceKind, rid: str
) -> tuple[Found, dict[str, str] | None]:
    """The resource as the cloud shows it now, and its tags when the describe carries them (a
    snapshot group's: ECS's ListTagResources does not list snapshot groups)."""
    found = Found(resource_id=rid, kind=kind)
    gone = (found.model_copy(update={"exists": False}), None)
    if kind == "instance":
        instance = await _gone_or(ecs.describe_instance(gw, region_id, rid))
        if instance is None:
            return gone
        return found.model_copy(update={"status": instance.status}), None
    if kind == "image":
        image = await _gone_or(ecs.describe_image(gw, region_id, rid))
        if image is None:
            return await _unlisted_image(gw, region_id, found)
        return found.model_copy(update={"status": image.status}), None
    if kind == "disk":
        disk = await _gone_or(ecs.describe_disk(gw, region_id, rid))
        if disk is None:
            return gone
        update = {"status": disk.status, "attached_to": disk.instance_id}
        return found.model_copy(update=update), None
    if kind == "snapshot_group":
        group = await _gone_or(ecs.describe_snapshot_group(gw, region_id, rid))
        if group is None:
            return gone
        members = [s.snapshot_id for s in group.snapshots]
        return found.model_copy(update={"status": group.status, "contains": members}), group.tags
    if kind == "snapshot":
        snapshot = await _gone_or(ecs.describe_snapshot(gw, region_id, rid))
        if snapshot is None:
            return gone
        return found.model_copy(update={"status": snapshot.status}), None
    # A VSwitch is never deleted here; its row only needs its tag.
    return found, None


async def _unlisted_image(
    gw: EcsGateway, region_id: str, found: Found
) -> tuple[Found, dict[str, str] | None]:
    """An image DescribeImages does not show: gone, or in a status this server does not know
    (DescribeImages shows only the statuses it is asked for, and it is asked for every one
    ECS documents). ECS lists the tags of an image that exists, so an image with tags is
    reported in an unknown status (empty) rather than gone, and is left in place."""
    tags = await ecs.resource_tags(gw, region_id, TAG_RESOURCE_TYPE["image"], [found.resource_id])
    if not tags.get(found.resource_id):
        return found.model_copy(update={"exists": False}), None
    return found, tags[found.resource_id]


async def _disks_of(gw: EcsGateway, region_id: str, ids: Iterable[str]) -> dict[str, list[str]]:
    """The disks of every named instance that still exists (a source's disks are protected)."""
    instances = sorted(i for i in ids if i.startswith("i-"))
    found = await asyncio.gather(
        *(_gone_or(ecs.describe_instance(gw, region_id, i)) for i in instances)
    )
    return {inst.instance_id: [d.disk_id for d in inst.disks] for inst in found if inst is not None}


async def inventory(
    gw: EcsGateway,
    record: OperationRecord,
    plan: Mapping[str, Any] | None = None,
) -> CleanupInventory:
    """Everything the operation created, each with its verdict; changes nothing.

    Raises ValueError for an operation that creates nothing (a cleanup) or has no region, and
    CleanupBusy when a resource is still changing state.
    """
    operation_id = record.operation_id
    if record.kind == CLEANUP_KIND:
        raise ValueError(
            f"{operation_id} is itself a cleanup: it created nothing, so there is nothing to "
            "clean up. Pass the id of the operation that created the resources."
        )
    created = created_resources((s.step, s.action, s.resource_id) for s in record.steps)
    region_id = record.region_id
    if region_id is None:
        if created:
            raise ValueError(f"operation {operation_id} has no region in the journal")
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
    sources, others = named_ids(record, plan)
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

    Raises ValueError when no region holds such a resource, and CleanupBusy when one is still
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
    searched = ", ".join([default, *others] if default else others)
    raise ValueError(
        f"unknown operation id {operation_id!r}: the journal does not hold it, and no "
        f"resource in any region ({searched}) carries the tag {TAG_OPERATION}={operation_id}, "
        "so there is nothing to clean up. list_operations shows the journal's operations, "
        "find_orphans the tagged resources it does not know."
    )


class Tagged(NamedTuple):
    """A resource found by its tags: its kind, every tag, and its status when the listing gave
    it (a VSwitch's: cleanup never describes one)."""

    kind: ResourceKind
    tags: dict[str, str]
    status: str | None = None


async def tagged_resources(
    gw: EcsGateway, region_id: str, operation_id: str | None = None
) -> dict[str, Tagged]:
    """Each resource in the region tagged ecs-dr:operation-id (=operation_id when given), by
    id: ECS's ListTagResources per ResourceType the product creates, DescribeSnapshotGroups
    and the VPC API's DescribeVSwitches by tag."""
    kinds = list(TAG_RESOURCE_TYPE.items())
    listed, groups, switches = await asyncio.gather(
        asyncio.gather(
            *(
                ecs.tagged_resources(gw, region_id, rtype, TAG_OPERATION, operation_id)
                for _, rtype in kinds
            )
        ),
        ecs.snapshot_groups_tagged(gw, region_id, TAG_OPERATION, operation_id),
        ecs.vswitches_tagged(gw, region_id, TAG_OPERATION, operation_id),
    )
    found: dict[str, Tagged] = {}
    for (kind, _), answer in zip(kinds, listed, strict=True):
        found |= {rid: Tagged(kind, tags) for rid, tags in answer.items()}
    found |= {g.snapshot_group_id: Tagged("snapshot_group", g.tags) for g in groups}
    found |= {v.vswitch_id: Tagged("vswitch", tags, v.status) for v, tags in switches}
    return found


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
            *(_describe(gw, region_id, t.kind, rid) for rid, t in unknown.items())
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
    described = await asyncio.gather(*(_describe(gw, region_id, kinds[rid], rid) for rid in kinds))
    found = {
        f.resource_id: f.model_copy(update={"step": steps[f.resource_id]}) for f, _ in described
    }
    read_tags = dict(known_tags or {}) | {f.resource_id: t for f, t in described if t is not None}
    members: dict[str, list[str]] = {}
    for group in [f for f, _ in described if f.kind == "snapshot_group" and f.exists]:
        members[group.resource_id] = list(group.contains)
        for sid in group.contains:
            if sid not in found:
                snap, _ = await _describe(gw, region_id, "snapshot", sid)
                found[sid] = snap.model_copy(update={"step": steps[group.resource_id]})
    tags = read_tags | await _listed_tags(
        gw, region_id, [f for f in found.values() if f.resource_id not in read_tags]
    )
    found = {
        rid: f.model_copy(update={"operation_tag": tags.get(rid, {}).get(TAG_OPERATION)})
        for rid, f in found.items()
    }
    sources, others = named
    sources = sources | {t[TAG_SOURCE] for t in tags.values() if t.get(TAG_SOURCE)}
    shield = orphan_shield(sources, await _disks_of(gw, region_id, sources)) | others
    riders: dict[str, list[str]] = {}
    for f in found.values():
        if f.attached_to and goes_with_its_instance(f, found, shield):
            riders.setdefault(f.attached_to, []).append(f.resource_id)
    going = {d for disks in riders.values() for d in disks}
    found = {rid: f for rid, f in found.items() if rid not in going}
    busy = [reason for f in found.values() if (reason := busy_reason(f))]
    if busy:
        raise _busy(operation_id, busy)
    rows = {rid: verdict(f, operation_id, shield, sources) for rid, f in found.items()}
    rows = released_with(held_snapshots(rows, made_from), riders)
    if any(r.kind == "snapshot" and r.action == "delete" for r in rows.values()):
        rows = image_held_snapshots(rows, await ecs.snapshot_users(gw, region_id))
    for group_id, snapshot_ids in members.items():
        blocked = [s for s in snapshot_ids if rows[s].action in ("refused", "left")]
        if blocked and rows[group_id].action == "delete":
            rows[group_id] = rows[group_id].model_copy(
                update={
                    "action": "left",
                    "reason": (
                        f"deleting the group would delete {', '.join(blocked)}, which must "
                        "stay (see its row)"
                    ),
                }
            )
            for sid in snapshot_ids:
                if rows[sid].action == "delete":
                    rows[sid] = rows[sid].model_copy(
                        update={"action": "left", "reason": f"its group {group_id} stays"}
                    )
    return CleanupInventory(
        operation_id=operation_id,
        region_id=region_id,
        rows=in_delete_order(list(rows.values())),
        protected=sorted(shield),
        found=found,
        members=members,
    )


async def _listed_tags(
    gw: EcsGateway, region_id: str, found: Iterable[Found]
) -> dict[str, dict[str, str]]:
    """The tags of each resource that exists, listed per kind: ECS's ListTagResources for the
    kinds it takes, the VPC API for VSwitches."""
    by_kind: dict[ResourceKind, list[str]] = {}
    for f in found:
        if f.exists:
            by_kind.setdefault(f.kind, []).append(f.resource_id)
    answers = await asyncio.gather(
        *(
            ecs.vswitch_tags(gw, region_id, ids)
            if kind == "vswitch"
            else ecs.resource_tags(gw, region_id, TAG_RESOURCE_TYPE[kind], ids)
            for kind, ids in by_kind.items()
        )
    )
    merged: dict[str, dict[str, str]] = {}
    for answer in answers:
        merged.update(answer)
    return merged


def _busy(operation_id: str, reasons: Iterable[str]) -> CleanupBusy:
    return CleanupBusy(
        f"Nothing was deleted: {'; '.join(reasons)}. Cleanup waits until every resource of "
        f"{operation_id} has settled; call cleanup_recovery again in a minute."
    )


async def _wait_gone(
    describe: Callable[[], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
    clock: Callable[[], float],
    what: str,
) -> None:
    """Poll until the resource is no longer listed (a later delete depends on it)."""
    start = clock()
    while await _gone_or(describe()) is not None:
        if clock() - start > GONE_TIMEOUT_S:
            raise TimeoutError(f"{what} was still listed {GONE_TIMEOUT_S:.0f} s after its delete")
        await sleep(GONE_POLL_S)


async def execute_cleanup(
    gw: EcsGateway,
    inv: CleanupInventory,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> CleanupResult:
    """Delete the inventory's `delete` rows in dependency order; returns every row's outcome.

    Raises CleanupBusy, having deleted nothing, when an instance is still starting or stopping
    at the end of the wait for it.
    """
    inv = await _settled(gw, inv, progress, timing)
    region_id = inv.region_id
    rows = {r.resource_id: r for r in inv.rows}
    todo = inv.to_delete

    def left(rid: str, reason: str) -> None:
        rows[rid] = rows[rid].model_copy(update={"action": "left", "reason": reason})

    def deleted(rid: str) -> None:
        rows[rid] = rows[rid].model_copy(update={"action": "deleted", "reason": ""})

    done = 0
    for kind in DELETE_ORDER:
        for row in [r for r in todo if r.kind == kind]:
            rid = row.resource_id
            if rows[rid].action != "delete":
                continue  # its group's delete already settled it
            try:
                kept = await _delete(gw, region_id, inv, row, timing)
            except NotFound:
                rows[rid] = row.model_copy(
                    update={"action": "already_gone", "reason": "no longer exists"}
                )
            except TimeoutError as exc:
                left(rid, f"ECS accepted the delete, but {exc}; check it in the console")
            except CloudError as exc:
                left(rid, f"ECS refused the delete: {quoted(exc.code)}: {quoted(exc.message)}")
                for sid in inv.members.get(rid, []):
                    if rows[sid].action == "delete":
                        left(sid, f"its group {rid} could not be deleted")
            else:
                deleted(rid)
                # DeleteSnapshotGroup reports each snapshot: gone, or kept (an image uses it).
                for sid, code in kept.items():
                    if sid in rows and rows[sid].action == "delete":
                        if code:
                            left(sid, f"ECS kept it when deleting its group ({code})")
                        else:
                            deleted(sid)
            done += 1
            await progress(done, len(todo), f"{kind.replace('_', ' ')} {rid}: {rows[rid].action}")
    final = in_delete_order(list(rows.values()))
    return CleanupResult(
        operation_id=inv.operation_id,
        region_id=region_id,
        rows=final,
        deleted=[r.resource_id for r in final if r.action == "deleted"],
        left=[r for r in final if r.action in ("left", "refused")],
        markdown=cleanup_markdown(final),
    )


async def _settled(
    gw: EcsGateway, inv: CleanupInventory, progress: ProgressFn, timing: ecs.Timing
) -> CleanupInventory:
    """The inventory once every instance to delete is Running or Stopped (ECS refuses to release
    one still starting: IncorrectInstanceStatus.Initializing), with the status each ended in.

    Raises CleanupBusy, before any delete, for one still changing state when its wait ends.
    """
    waiting = [
        inv.found[r.resource_id]
        for r in inv.to_delete
        if settles_before_delete(inv.found[r.resource_id])
    ]
    still: list[str] = []

    async def settle(found: Found) -> Found:
        rid = found.resource_id
        await progress(
            0,
            len(inv.to_delete),
            f"instance {rid} is {found.status}: waiting until it is Running or Stopped",
        )
        try:
            instance = await ecs.wait_instance_settled(gw, inv.region_id, rid, timing=timing)
        except (NotFound, WaiterFailed):
            return found  # no longer listed: its delete reports it gone
        except WaiterTimeout as exc:
            still.append(f"instance {rid} is still {exc.last_status} after {exc.elapsed_s:.0f} s")
            return found
        return found.model_copy(update={"status": instance.status})

    settled = await asyncio.gather(*(settle(f) for f in waiting))
    if still:
        raise _busy(inv.operation_id, still)
    return inv.model_copy(update={"found": inv.found | {f.resource_id: f for f in settled}})


async def _delete(
    gw: EcsGateway, region_id: str, inv: CleanupInventory, row: CleanupRow, timing: ecs.Timing
) -> dict[str, str]:
    """One delete; returns what a snapshot group's delete did to each of its snapshots."""
    rid = row.resource_id
    if row.kind == "instance":
        status = inv.found[rid].status
        await ecs.delete_instance(gw, region_id, rid, force=force_instance_delete(status))
        # Its image cannot go while ECS still lists the instance.
        await _wait_gone(
            lambda: ecs.describe_instance(gw, region_id, rid),
            timing.sleep,
            timing.clock,
            f"instance {rid}",
        )
    elif row.kind == "image":
        await ecs.delete_image(gw, region_id, rid)
    elif row.kind == "disk":
        await ecs.delete_disk(gw, region_id, rid)
        # A disk made from a snapshot holds it until the disk is gone.
        await _wait_gone(
            lambda: ecs.describe_disk(gw, region_id, rid),
            timing.sleep,
            timing.clock,
            f"disk {rid}",
        )
    elif row.kind == "snapshot_group":
        return await ecs.delete_snapshot_group(gw, region_id, rid)
    elif row.kind == "snapshot":
        await ecs.delete_snapshot(gw, region_id, rid)
    else:  # pragma: no cover - the domain never marks a VSwitch for deletion
        raise ValueError(f"cleanup cannot delete a {row.kind}")
    return {}
