"""The contract's ClientToken rows: the same create again."""

from __future__ import annotations

from typing import Any

from tests.sandbox.contract.rows import (
    Answers,
    Refused,
    Row,
    after,
    again_once_processed,
    group,
    image_twice,
    page,
    twice,
)
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    WEB_INSTANCE,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    create_disk,
    run,
    snapshot,
)


# Each create with its own ClientToken, op-1-<kind>.
def _snapshot_op1(s: RunningSandbox, disk_id: str = DB_DATA) -> str:
    return snapshot(s.ecs, disk_id, client_token="op-1-snap")


def _group_op1(s: RunningSandbox, instance_id: str = DB_INSTANCE) -> str:
    return group(s, instance_id=instance_id, client_token="op-1-group")


def _disk_op1(s: RunningSandbox) -> str:
    return create_disk(s.ecs, size=40, client_token="op-1-disk")


def _launch_op1(s: RunningSandbox, **overrides: Any) -> str:
    return run(s.ecs, client_token="op-1-launch", **overrides)


TOKEN_ROWS = (
    Row(
        "CreateSnapshot",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        page("CreateSnapshot"),
        True,
        twice(_snapshot_op1),
    ),
    Row(
        "CreateSnapshot",
        "the same ClientToken and parameters once processed: the same snapshot",
        Answers(True),
        page("How to ensure idempotence"),
        False,
        again_once_processed(_snapshot_op1),
    ),
    Row(
        "CreateSnapshot",
        "a used ClientToken with other parameters",
        Refused("IdempotentParameterMismatch", 403),
        page("CreateSnapshot"),
        True,
        after(_snapshot_op1, lambda s: _snapshot_op1(s, DB_LOG)),
    ),
    Row(
        "CreateSnapshotGroup",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        page("CreateSnapshotGroup"),
        True,
        twice(_group_op1),
    ),
    Row(
        "CreateSnapshotGroup",
        "a used ClientToken with other parameters",
        Refused("IdempotentParameterMismatch", 403),
        page("CreateSnapshotGroup"),
        True,
        after(_group_op1, lambda s: _group_op1(s, WEB_INSTANCE)),
    ),
    Row(
        "CreateDisk",
        "the same ClientToken and parameters while the first is being processed",
        Refused("LastTokenProcessing", 403),
        page("CreateDisk"),
        True,
        twice(_disk_op1),
    ),
    Row(
        "CreateDisk",
        "the same ClientToken and parameters once processed: the same disk",
        Answers(True),
        page("How to ensure idempotence"),
        False,
        again_once_processed(_disk_op1),
    ),
    Row(
        "CreateImage",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        "Packer alicloud builder step_create_image.go retries it; ECS API reference: CreateImage "
        "lists no code for it (unconfirmed, made strict)",
        True,
        image_twice(client_token="op-1-image"),
    ),
    Row(
        "RunInstances",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        "ECS-FACTS (IdempotentProcessing / LastTokenProcessing); ECS API reference: RunInstances "
        "lists no code for it (unconfirmed, made strict)",
        True,
        twice(_launch_op1),
    ),
    Row(
        "RunInstances",
        "a used ClientToken with other parameters",
        Refused("IdempotentParameterMismatch", 400),
        page("How to ensure idempotence") + " (RunInstances' page lists no status)",
        False,
        after(_launch_op1, lambda s: _launch_op1(s, instance_name="other")),
    ),
)
