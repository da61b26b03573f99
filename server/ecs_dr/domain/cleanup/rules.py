"""Cleanup of what one operation created (a DR drill): what may be deleted, in which order.

The journal says what an operation created (each create step and the id ECS returned); the
cloud says whether each resource still exists, carries the operation's tag, and what holds it.
The cloud is the second record: when the journal no longer knows an operation (its file was
deleted or replaced), the resources tagged with its id are what it created, and the instance
their `ecs-dr:source-instance` tag names, with its disks, is its source. These rules turn that
into one verdict per resource, never touching a source resource:

- a source resource (the operation's source instance, its disks, a disk attached to it) is
  refused whatever its tags say;
- a resource without the tag `ecs-dr:operation-id=<that operation>` is refused and reported,
  never deleted: the journal alone is not proof enough to delete;
- a disk attached to an instance the operation created goes with that instance, whose row
  names it (the tags RunInstances puts on a DR instance's disks make them look like resources
  of their own);
- a VSwitch the operation created is deleted once nothing is in it (the VPC API's
  DeleteVSwitch refuses otherwise: DependencyViolation); one an instance this cleanup does not
  delete is still in (another drill's DR instance, any other instance) stays, naming it;
- a disk attached to an instance (Scenario B's copy on its target) is left: ECS releases only
  an `Available` disk and DetachDisk is not among the server's actions; so is the snapshot it
  was made from (its delete would need Force, which stops the disk being re-initialised);
- a resource in a status this server does not know is left and reported as such, never taken
  for gone nor deleted: what ECS does with it is not known here;
- an instance still starting or stopping is deleted once it is Running or Stopped: ECS refuses
  to release it before (`IncorrectInstanceStatus.Initializing`), so cleanup waits for it first;
- another resource in a transitional state (an image being created, a disk attaching) makes the
  whole cleanup wait: nothing is deleted until it settles.

Deletion order follows what holds what: the instance (its disks go with it), then the image
(an instance launched from it holds it), then disks (a disk made from a snapshot holds the
snapshot), then snapshot groups and snapshots, then VSwitches (an instance in one holds it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ecs_dr.domain.cleanup.resources import (
    BUSY_STATUSES,
    DELETE_ORDER,
    KNOWN_STATUSES,
    SETTLING_INSTANCE_STATUSES,
    CleanupRow,
    Found,
)
from ecs_dr.domain.cloud_text import quoted
from ecs_dr.domain.plans import TAG_OPERATION


def orphan_shield(
    source_instances: Iterable[str], disks_of: Mapping[str, Iterable[str]]
) -> set[str]:
    """The source of an operation the journal does not know: each instance its resources'
    ecs-dr:source-instance tag names, and every disk of those instances. Never deleted, whatever
    tags they carry (a source tagged with the operation's id by mistake included)."""
    sources = {s for s in source_instances if s}
    return sources | {d for s in sources for d in disks_of.get(s, ())}


def goes_with_its_instance(
    found: Found, created: Mapping[str, Found], protected: Iterable[str]
) -> bool:
    """A disk attached to an instance the operation created goes with that instance (its
    DeleteInstance releases the disks RunInstances made): no resource of its own to delete or
    leave. Never a protected disk, nor one of a protected instance."""
    shield = set(protected)
    instance = created.get(found.attached_to or "")
    return (
        found.kind == "disk"
        and instance is not None
        and instance.kind == "instance"
        and instance.resource_id not in shield
        and found.resource_id not in shield
    )


def released_with(
    rows: Mapping[str, CleanupRow], riders: Mapping[str, Sequence[str]]
) -> dict[str, CleanupRow]:
    """An instance to delete names the disks that go with it (`riders`: instance -> disks), so
    that the confirmation's table accounts for every resource the operation's tags show."""
    named = dict(rows)
    for instance_id, disks in riders.items():
        row = named.get(instance_id)
        if row is not None and row.action == "delete" and disks:
            reason = f"its disks {', '.join(sorted(disks))} are released with it"
            named[instance_id] = row.model_copy(update={"reason": reason})
    return named


def busy_reason(found: Found) -> str | None:
    """Why cleanup must wait for this resource, or None when it may go ahead."""
    if found.exists and found.status in BUSY_STATUSES.get(found.kind, frozenset()):
        return f"{found.kind.replace('_', ' ')} {found.resource_id} is {found.status}"
    return None


def verdict(
    found: Found,
    operation_id: str,
    protected: Iterable[str],
    sources: Iterable[str] = (),
) -> CleanupRow:
    """What cleanup does with one resource the operation's journal names.

    `protected`: ids the operation used but did not create (its source instance and disks, a
    Scenario B target), never deleted; `sources`: the source instances, whose attached disks
    are never deleted either.
    """
    shield = set(protected)
    row = CleanupRow(resource_id=found.resource_id, kind=found.kind, action="refused")
    if found.resource_id in shield:
        return row.model_copy(
            update={
                "reason": (
                    "a source resource (the operation used it, it did not create it): "
                    "cleanup never deletes one"
                )
            }
        )
    if found.attached_to and found.attached_to in set(sources):
        return row.model_copy(
            update={"reason": f"attached to the source instance {found.attached_to}: never deleted"}
        )
    if not found.exists:
        return row.model_copy(update={"action": "already_gone", "reason": "no longer exists"})
    if found.operation_tag != operation_id:
        has = (
            f"its tag says {quoted(found.operation_tag)}"
            if found.operation_tag
            else "it has no such tag"
        )
        return row.model_copy(
            update={
                "reason": (
                    f"lacks the tag {TAG_OPERATION}={operation_id} ({has}): not proven to be "
                    "this operation's, so it is not deleted"
                )
            }
        )
    left = row.model_copy(update={"action": "left"})
    if found.status not in KNOWN_STATUSES[found.kind]:
        return left.model_copy(update={"reason": unknown_status_reason(found)})
    if found.kind == "disk" and (found.attached_to or found.status == "In_use"):
        where = found.attached_to or "an instance"
        return left.model_copy(
            update={
                "reason": (
                    f"attached to {where} (In_use): ECS releases only an Available disk and "
                    "DetachDisk is not among this server's actions; unmount it in the OS, "
                    "detach it in the console, then delete it"
                )
            }
        )
    return row.model_copy(update={"action": "delete", "reason": ""})


def unknown_status_reason(found: Found) -> str:
    """Why a resource in a status this server does not know is left; its status is empty when
    ECS lists the resource (its tags) but shows it in none of the statuses it was asked for."""
    reported = (
        f"ECS reports status {quoted(found.status)}, which this server does not know"
        if found.status
        else "ECS still lists its tags but shows it in none of the statuses this server knows"
    )
    releases = (
        " (ECS releases only a Running or Stopped instance)" if found.kind == "instance" else ""
    )
    return (
        f"{reported}: it is left in place; check it in the ECS console and delete it there "
        f"once ECS allows{releases}"
    )


def held_snapshots(
    rows: Mapping[str, CleanupRow], made_from: Mapping[str, str]
) -> dict[str, CleanupRow]:
    """A snapshot that a staying disk was made from stays too: ECS refuses its delete
    (SnapshotCreatedDisk) unless forced, and forcing it would stop that disk from ever being
    re-initialised. `made_from` maps each disk the operation created to its snapshot."""
    held = dict(rows)
    for disk_id, snapshot_id in made_from.items():
        disk, snapshot = held.get(disk_id), held.get(snapshot_id)
        if disk is None or snapshot is None or snapshot.action != "delete":
            continue
        if disk.action in ("left", "refused"):
            held[snapshot_id] = snapshot.model_copy(
                update={
                    "action": "left",
                    "reason": (
                        f"the disk {disk_id} made from it stays (see its row); ECS deletes a "
                        "snapshot a disk came from only when forced, which would stop that disk "
                        "from being re-initialised"
                    ),
                }
            )
    return held


def image_held_snapshots(
    rows: Mapping[str, CleanupRow], users: Mapping[str, Sequence[str]]
) -> dict[str, CleanupRow]:
    """A snapshot an image still uses stays, unless this cleanup deletes that image first:
    ECS refuses its delete (SnapshotCreatedImage), and a group's delete would keep it while
    dropping the group. `users` maps snapshot ids to the images made from them."""
    held = dict(rows)
    for snapshot_id, image_ids in users.items():
        row = held.get(snapshot_id)
        if row is None or row.kind != "snapshot" or row.action != "delete":
            continue
        staying = [
            i for i in image_ids if i not in held or held[i].action not in ("delete", "deleted")
        ]
        if staying:
            held[snapshot_id] = row.model_copy(
                update={
                    "action": "left",
                    "reason": (
                        f"the image {', '.join(staying)} still uses it; clean up (or delete) "
                        "that image first, then this operation"
                    ),
                }
            )
    return held


def groups_kept_whole(
    rows: Mapping[str, CleanupRow], members: Mapping[str, Sequence[str]]
) -> dict[str, CleanupRow]:
    """A snapshot group whose delete would take a snapshot that must stay stays too, and so do
    its other snapshots: ECS deletes a group with every snapshot in it. `members` maps each
    group to its snapshots."""
    kept = dict(rows)
    for group_id, snapshot_ids in members.items():
        blocked = [s for s in snapshot_ids if kept[s].action in ("refused", "left")]
        if blocked and kept[group_id].action == "delete":
            kept[group_id] = kept[group_id].model_copy(
                update={
                    "action": "left",
                    "reason": (
                        f"deleting the group would delete {', '.join(blocked)}, which must "
                        "stay (see its row)"
                    ),
                }
            )
            for sid in snapshot_ids:
                if kept[sid].action == "delete":
                    kept[sid] = kept[sid].model_copy(
                        update={"action": "left", "reason": f"its group {group_id} stays"}
                    )
    return kept


def vswitches_in_use(
    rows: Mapping[str, CleanupRow], found: Mapping[str, Found]
) -> dict[str, CleanupRow]:
    """A VSwitch stays while an instance this cleanup does not delete is in it (another
    drill's DR instance, any instance launched into it since): the VPC API's DeleteVSwitch
    refuses a VSwitch with dependent resources (DependencyViolation)."""
    kept = dict(rows)
    for rid, row in rows.items():
        if row.kind != "vswitch" or row.action != "delete":
            continue
        staying = [i for i in found[rid].used_by if i not in rows or rows[i].action != "delete"]
        if staying:
            reason = (
                f"the instance {', '.join(staying)} is still in it (another drill's, one this "
                "operation did not create, or one that stays; see its row): the VPC API "
                "deletes a VSwitch only once nothing is in it; delete it in the VPC console "
                "once that instance is gone"
            )
            kept[rid] = row.model_copy(update={"action": "left", "reason": reason})
    return kept


def settles_before_delete(found: Found) -> bool:
    """An instance still starting or stopping: wait until it is Running or Stopped, then delete
    it (ECS refuses DeleteInstance before: IncorrectInstanceStatus.Initializing)."""
    return found.kind == "instance" and found.status in SETTLING_INSTANCE_STATUSES


def force_instance_delete(status: str) -> bool:
    """DeleteInstance's Force: a Running DR instance needs it (ECS refuses otherwise); a
    Stopped one does not. Only ever sent for the instance the operation itself launched."""
    return status == "Running"


def in_delete_order(rows: Sequence[CleanupRow]) -> list[CleanupRow]:
    """The rows in dependency order (stable within a kind)."""
    return sorted(rows, key=lambda r: DELETE_ORDER.index(r.kind))
