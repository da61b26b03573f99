"""Errors of a resource whose status does not allow the action yet (or any more), and of a
create repeated with its ClientToken: code, HTTP status and message as each action's API
reference page lists them."""

from __future__ import annotations

from ecs_dr.sandbox.errors.base import define

# 400 on CreateSnapshot, CreateSnapshotGroup, AttachDisk and CreateImage; 403 on DeleteInstance.
IncorrectInstanceStatus = define(
    "IncorrectInstanceStatus",
    "IncorrectInstanceStatus",
    400,
    "The current status of the resource does not support this operation.",
)
# DeleteInstance of an instance still Pending or Starting: try again later.
IncorrectInstanceStatusInitializing = define(
    "IncorrectInstanceStatusInitializing",
    "IncorrectInstanceStatus.Initializing",
    403,
    "The specified instance status does not support this operation.",
)
# 403 on CreateSnapshot, CreateSnapshotGroup, AttachDisk, CreateImage and DeleteDisk.
IncorrectDiskStatus = define(
    "IncorrectDiskStatus",
    "IncorrectDiskStatus",
    403,
    "The current disk status does not support this operation.",
)
# DeleteDisk of a disk still Creating: try again later.
IncorrectDiskStatusInitializing = define(
    "IncorrectDiskStatusInitializing",
    "IncorrectDiskStatus.Initializing",
    403,
    "The current disk status does not support this operation.",
)
# CreateSnapshot and CreateSnapshotGroup of an Available disk never attached: never succeeds.
IncorrectDiskStatusNeverAttached = define(
    "IncorrectDiskStatusNeverAttached",
    "IncorrectDiskStatus.NeverAttached",
    403,
    "The specified disk has never been attached to any instance.",
)
# 403 on CreateSnapshot, CreateSnapshotGroup and CreateImage; 400 on DeleteSnapshot.
IncorrectDiskStatusCreatingSnapshot = define(
    "IncorrectDiskStatusCreatingSnapshot",
    "IncorrectDiskStatus.CreatingSnapshot",
    403,
    "A previous snapshot creation is in process.",
)
IncorrectVSwitchStatus = define(
    "IncorrectVSwitchStatus",
    "IncorrectVSwitchStatus",
    400,
    "The VSwitch is not available.",
)
InvalidSnapshotIdNotReady = define(
    "InvalidSnapshotIdNotReady",
    "InvalidSnapshotId.NotReady",
    403,
    "The specified snapshot has not completed yet.",
)
# 403 on CreateSnapshot and CreateSnapshotGroup; the other creates' pages do not list it.
IdempotentParameterMismatch = define(
    "IdempotentParameterMismatch",
    "IdempotentParameterMismatch",
    400,
    "The request uses the same client token as a previous, but non-identical request.",
)
# A create repeated with its ClientToken while the first is still processed: try again later.
IdempotentProcessing = define(
    "IdempotentProcessing",
    "IdempotentProcessing",
    403,
    "The previous idempotent request(s) is still processing.",
)
LastTokenProcessing = define(
    "LastTokenProcessing",
    "LastTokenProcessing",
    403,
    "The last token request is processing.",
)
ImageUsingByInstance = define(
    "ImageUsingByInstance",
    "ImageUsingByInstance",
    403,
    "The specified image has been used to create instances; pass Force=true to delete it.",
)
ImageIsCreating = define(
    "ImageIsCreating",
    "ImageIsCreating",
    403,
    "The specified image is being created.",
)
SnapshotCreatedImage = define(
    "SnapshotCreatedImage",
    "SnapshotCreatedImage",
    403,
    "The snapshot has been used to create user defined image(s).",
)
SnapshotCreatedDisk = define(
    "SnapshotCreatedDisk",
    "SnapshotCreatedDisk",
    403,
    "The snapshot has been used to create disk(s).",
)
