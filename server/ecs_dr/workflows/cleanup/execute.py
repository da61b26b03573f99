"""Delete what a confirmed inventory marks `delete`, in dependency order.

`execute_cleanup` first waits for an instance still starting or stopping to be Running or
Stopped (ECS releases it only then), then deletes the confirmed resources in dependency order,
waiting until an instance, disk or VSwitch is gone before the next delete that depended on it
(a VSwitch goes last, once the instances in it are gone); a delete ECS refuses leaves that
resource in place with ECS's reason, and the others go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import CloudError, NotFound, WaiterFailed, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.cleanup import (
    DELETE_ORDER,
    CleanupInventory,
    CleanupResult,
    CleanupRow,
    Found,
    cleanup_busy,
    delete_refused_reason,
    delete_unconfirmed_reason,
    force_instance_delete,
    group_not_deleted_reason,
    in_delete_order,
    kept_by_group_reason,
    settles_before_delete,
    still_in_use_reason,
)
from ecs_dr.workflows.cleanup.lookups import gone_or
from ecs_dr.workflows.operations import ProgressFn

GONE_POLL_S = 2.0
GONE_TIMEOUT_S = 300.0


async def _wait_gone(lookup: Callable[[], Awaitable[Any]], timing: ecs.Timing, what: str) -> None:
    """Poll until the resource is no longer listed (a later delete depends on it)."""
    start = timing.clock()
    while await gone_or(lookup()) is not None:
        if timing.clock() - start > GONE_TIMEOUT_S:
            raise TimeoutError(f"{what} was still listed {GONE_TIMEOUT_S:.0f} s after its delete")
        await timing.sleep(GONE_POLL_S)


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
                left(rid, delete_unconfirmed_reason(str(exc)))
            except CloudError as exc:
                left(rid, _refused_reason(row, exc))
                for sid in inv.members.get(rid, []):
                    if rows[sid].action == "delete":
                        left(sid, group_not_deleted_reason(rid))
            else:
                deleted(rid)
                # DeleteSnapshotGroup reports each snapshot: gone, or kept (an image uses it).
                for sid, code in kept.items():
                    if sid in rows and rows[sid].action == "delete":
                        if code:
                            left(sid, kept_by_group_reason(code))
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
    )


def _refused_reason(row: CleanupRow, exc: CloudError) -> str:
    """Why ECS kept a resource: its refusal, and for a VSwitch one asked again for a while."""
    if row.kind == "vswitch" and exc.code in ecs.RELEASED_IN_BACKGROUND:
        return still_in_use_reason(exc.code, exc.message, ecs.VSWITCH_RELEASE.timeout_s)
    return delete_refused_reason(exc.code, exc.message)


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
        raise cleanup_busy(inv.operation_id, still)
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
            lambda: ecs.describe_instance(gw, region_id, rid), timing, f"instance {rid}"
        )
    elif row.kind == "image":
        await ecs.delete_image(gw, region_id, rid)
    elif row.kind == "disk":
        await ecs.delete_disk(gw, region_id, rid)
        # A disk made from a snapshot holds it until the disk is gone.
        await _wait_gone(lambda: ecs.describe_disk(gw, region_id, rid), timing, f"disk {rid}")
    elif row.kind == "snapshot_group":
        return await ecs.delete_snapshot_group(gw, region_id, rid)
    elif row.kind == "snapshot":
        await ecs.delete_snapshot(gw, region_id, rid)
    elif row.kind == "vswitch":
        # Its instances are gone by now (deleted first, each waited for), their network
        # interfaces perhaps not yet (delete_vswitch asks again a while); the VPC API deletes
        # it in the background, Pending until it is no longer listed.
        await ecs.delete_vswitch(gw, region_id, rid, timing=timing)
        await _wait_gone(lambda: ecs.describe_vswitch(gw, region_id, rid), timing, f"VSwitch {rid}")
    return {}
