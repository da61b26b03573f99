"""What cleanup works on: the kinds of resource an operation creates, the tags that prove
whose they are, and the models of one resource, one verdict and one inventory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.domain.cloud_text import MAX_CLOUD_VALUE_CHARS, cloud_text_field
from ecs_dr.domain.statuses import (
    DiskStatus,
    ImageStatus,
    InstanceStatus,
    SnapshotGroupStatus,
    SnapshotStatus,
    VSwitchStatus,
)

CLEANUP_KIND = "cleanup_recovery"
"""The journal's kind of a cleanup operation (the tool's name)."""

ResourceKind = Literal["instance", "image", "disk", "snapshot_group", "snapshot", "vswitch"]
Verdict = Literal["delete", "deleted", "left", "refused", "already_gone"]
DELETE: Final = "delete"

CREATED_BY: dict[str, ResourceKind] = {
    "RunInstances": "instance",
    "CreateImage": "image",
    "CreateDisk": "disk",
    "CreateSnapshotGroup": "snapshot_group",
    "CreateSnapshot": "snapshot",
    "CreateVSwitch": "vswitch",
}
"""The create actions whose step's resource id is a resource the operation created.
(AttachDisk records the disk it attached: it created nothing.)"""

DELETE_ORDER: tuple[ResourceKind, ...] = (
    "instance",
    "image",
    "disk",
    "snapshot_group",
    "snapshot",
    "vswitch",
)

DELETE_ACTION: dict[ResourceKind, str] = {
    "instance": "DeleteInstance",
    "image": "DeleteImage",
    "disk": "DeleteDisk",
    "snapshot_group": "DeleteSnapshotGroup",
    "snapshot": "DeleteSnapshot",
    "vswitch": "vpc:DeleteVSwitch",
}
"""The delete action of each kind this server may call (a VSwitch's is the VPC API's)."""

TAG_RESOURCE_TYPE: dict[ResourceKind, str] = {
    "instance": "instance",
    "image": "image",
    "disk": "disk",
    "snapshot": "snapshot",
}
"""ECS ListTagResources' ResourceType of each kind it lists (its documented values). A snapshot
group's tags come with DescribeSnapshotGroups, a VSwitch's with the VPC API's DescribeVSwitches."""

SETTLING_INSTANCE_STATUSES = frozenset({"Pending", "Starting", "Stopping"})
"""An instance passes through these on its own to Running or Stopped, and ECS refuses to release
it until then: its delete waits for it."""
BUSY_STATUSES: dict[ResourceKind, frozenset[str]] = {
    "image": frozenset({"Creating", "Waiting"}),
    "disk": frozenset({"Creating", "Attaching", "Detaching", "ReIniting"}),
    "vswitch": frozenset({VSwitchStatus.PENDING}),
}
"""States a resource passes through on its own; cleanup deletes nothing until it leaves them."""
KNOWN_STATUSES: dict[ResourceKind, frozenset[str]] = {
    "instance": frozenset(InstanceStatus),
    "image": frozenset(ImageStatus),
    "disk": frozenset(DiskStatus),
    "snapshot_group": frozenset(SnapshotGroupStatus),
    "snapshot": frozenset(SnapshotStatus),
    "vswitch": frozenset(VSwitchStatus),
}
"""The statuses ECS documents for each kind cleanup deletes; any other is left alone."""


class Found(BaseModel):
    """One resource the operation created, as the cloud shows it now."""

    model_config = ConfigDict(frozen=True)

    resource_id: str
    kind: ResourceKind
    step: str = Field(default="", description="the journal step that created it")
    exists: bool = True
    status: str = ""
    operation_tag: str | None = Field(
        default=None, description="the value of its ecs-dr:operation-id tag, if any"
    )
    attached_to: str | None = Field(default=None, description="a disk's instance")
    contains: list[str] = Field(
        default_factory=list, description="a snapshot group's snapshots, deleted with it"
    )
    used_by: list[str] = Field(
        default_factory=list, description="a VSwitch's instances: it stays while one remains"
    )


class CleanupRow(BaseModel):
    """One resource, and what cleanup does (or did) with it and why."""

    model_config = ConfigDict(frozen=True)

    resource_id: str
    kind: ResourceKind
    action: Verdict = Field(
        description=(
            "delete: to be deleted once confirmed; deleted; left: still there, see reason; "
            "refused: never deleted (source resource or missing tag); already_gone"
        )
    )
    reason: str = cloud_text_field(
        "why it is left or refused; may quote a tag value or a status ECS gave", default=""
    )


class OrphanResource(BaseModel):
    """A resource tagged with an operation id the journal does not know, as the cloud shows it."""

    model_config = ConfigDict(frozen=True)

    resource_id: str
    kind: ResourceKind
    status: str = cloud_text_field(
        "its status as ECS reports it", max_chars=MAX_CLOUD_VALUE_CHARS, default=""
    )
    source_instance: str | None = cloud_text_field(
        "the value of its ecs-dr:source-instance tag: the instance the operation recovered",
        max_chars=MAX_CLOUD_VALUE_CHARS,
        default=None,
    )
    drill: str | None = cloud_text_field(
        'the value of its ecs-dr:drill tag ("true" for a DR drill)',
        max_chars=MAX_CLOUD_VALUE_CHARS,
        default=None,
    )


class OrphanOperation(BaseModel):
    """The resources carrying one ecs-dr:operation-id value the journal does not know."""

    model_config = ConfigDict(frozen=True)

    operation_id: str = cloud_text_field(
        "the value of their ecs-dr:operation-id tag", max_chars=MAX_CLOUD_VALUE_CHARS
    )
    region_id: str
    resources: list[OrphanResource]
    cleanup_operation_id: str | None = Field(
        default=None,
        description="the journaled cleanup_recovery of this operation id, if one ran: what it "
        "left stays tagged (a VSwitch still in use, a resource ECS refused to delete)",
    )


class Tagged(NamedTuple):
    """A resource found by its tags: its kind, every tag, and its status when the listing gave
    it (a VSwitch's, from the VPC API's DescribeVSwitches)."""

    kind: ResourceKind
    tags: dict[str, str]
    status: str | None = None


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


def created_resources(
    steps: Iterable[tuple[str, str, str | None]],
) -> list[tuple[str, ResourceKind, str]]:
    """(step, kind, resource id) of every create step that got an id, from the journal's
    (step, action, resource id); attaches and steps without an id are not resources."""
    found: list[tuple[str, ResourceKind, str]] = []
    seen: set[str] = set()
    for step, action, resource_id in steps:
        kind = CREATED_BY.get(action)
        if kind is None or not resource_id or resource_id in seen:
            continue
        seen.add(resource_id)
        found.append((step, kind, resource_id))
    return found


# Arguments and plan fields that name an instance or disk the operation did not create.
_SOURCE_KEYS = ("instance_id", "source_instance_id")
_INSTANCE_LIST_KEYS = ("source_instance_ids", "instance_ids")
_OTHER_KEYS = ("target_instance_id", "disk_id")
_DISK_LIST_KEYS = ("disk_ids",)


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


def named_ids(
    arguments: Mapping[str, Any], plan: Mapping[str, Any] | None
) -> tuple[set[str], set[str]]:
    """(source instances, every other id) the operation's arguments or plan name: its source,
    a Scenario B target, the disks it copied. None of them is the operation's to delete."""
    sources: set[str] = set()
    others: set[str] = set()
    for fields in (arguments, plan or {}):
        sources |= _named(fields, _SOURCE_KEYS, _INSTANCE_LIST_KEYS)
        others |= _named(fields, _OTHER_KEYS, _DISK_LIST_KEYS)
    return sources, others
