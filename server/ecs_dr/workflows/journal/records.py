"""The journal's records as the code reads them: operations, steps and leases, and how a
row becomes one. The journal holds ids and parameters, never credentials: values under
credential-shaped keys are redacted before they are written."""

from __future__ import annotations

import builtins
import functools
import json
import os
import re
import socket
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python

from ecs_dr.domain.cloud_text import cloud_text_field

REDACTED = "[redacted]"
_CREDENTIAL_KEY = re.compile(
    r"(?i)(secret|password|passphrase|access_?key|security_?token|authorization|signature"
    r"|private_?key)"
)

OperationStatus = Literal[
    "running", "completed", "failed", "cancelled", "cleaning_up", "cleaned_up"
]
FinalStatus = Literal["completed", "failed", "cancelled"]
StepStatus = Literal["started", "created"]


class LeaseOwner(BaseModel):
    """One ecs-dr-mcp process, as a lease names it: a fresh uuid4, its pid and host, and the
    node (boot id and pid namespace) on which that pid means this process."""

    model_config = ConfigDict(frozen=True)

    owner_id: str
    pid: int
    host: str
    node: str = ""

    @classmethod
    def of_this_process(cls) -> LeaseOwner:
        return cls(
            owner_id=uuid.uuid4().hex, pid=os.getpid(), host=socket.gethostname(), node=this_node()
        )

    @property
    def holder(self) -> str:
        """`pid@host`, as an operator finds the process."""
        return f"{self.pid}@{self.host}"


class Lease(LeaseOwner):
    """The process holding an operation's lease, and until when (UTC)."""

    expires_at: datetime


class StepRecord(BaseModel):
    """One step of an operation: the create call it makes and the resource it made."""

    model_config = ConfigDict(frozen=True)

    step: str
    action: str
    client_token: str
    parameters: dict[str, Any] = cloud_text_field(
        "the create call's parameters; names derive from the cloud's"
    )
    resource_id: str | None
    status: StepStatus
    started_at: datetime
    finished_at: datetime | None
    failure: str | None = Field(
        default=None,
        description="the terminal failure status its resource ended in (an image CreateFailed, "
        "a snapshot failed): the step was made again as its next attempt (<step>#<n>, a new "
        "ClientToken), and this resource stays recorded so cleanup_recovery deletes it",
    )


class OperationRecord(BaseModel):
    """An operation as the journal holds it, steps in the order they started."""

    model_config = ConfigDict(frozen=True)

    operation_id: str
    kind: str
    status: OperationStatus
    region_id: str | None
    arguments: dict[str, Any] = cloud_text_field(
        "the tool's arguments; a name may copy the cloud's"
    )
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = Field(
        default=None,
        description="when it ended (completed, failed or cancelled); a cleanup leaves it",
    )
    steps: list[StepRecord]
    result: dict[str, Any] | None = cloud_text_field("the tool's result, names and tables included")
    error: str | None = cloud_text_field("why it failed; may quote ECS's message")
    cleanup: dict[str, Any] | None = cloud_text_field(
        "the cleanup's rows and reasons", default=None
    )
    lease: Lease | None = Field(
        default=None,
        description="the process running (or cleaning up) the operation and until when its "
        "lease runs; it renews the lease while it lives",
    )


def steps_of(
    conn: sqlite3.Connection, operation_ids: builtins.list[str]
) -> dict[str, builtins.list[StepRecord]]:
    """The steps of each operation, in the order they started."""
    found: dict[str, builtins.list[StepRecord]] = {op: [] for op in operation_ids}
    if not operation_ids:
        return found
    marks = ", ".join("?" * len(operation_ids))
    rows = conn.execute(
        f"SELECT * FROM steps WHERE operation_id IN ({marks}) ORDER BY operation_id, seq",  # noqa: S608
        operation_ids,
    )
    for row in rows:
        found[row["operation_id"]].append(step_from_row(row))
    return found


def step_from_row(row: sqlite3.Row) -> StepRecord:
    return StepRecord.model_validate({**dict(row), "parameters": json.loads(row["parameters"])})


def operation_from_row(row: sqlite3.Row, steps: builtins.list[StepRecord]) -> OperationRecord:
    """The operation's row as its record: JSON columns read, the lease columns as its Lease."""
    fields = dict(row)
    for column in ("arguments", "result", "cleanup"):
        if fields[column] is not None:
            fields[column] = json.loads(fields[column])
    lease = None
    if row["lease_owner"] is not None:
        lease = Lease(
            owner_id=row["lease_owner"],
            pid=row["lease_pid"],
            host=row["lease_host"],
            node=row["lease_node"] or "",
            expires_at=row["lease_expires_at"],
        )
    return OperationRecord.model_validate({**fields, "steps": steps, "lease": lease})


def iso(when: datetime) -> str:
    """UTC with a fixed width, so the text sorts as the time does."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@functools.cache
def this_node() -> str:
    """Where a pid names one process: this boot of this machine and this pid namespace.
    Empty when unknown (then a lease is only ever given up by expiring)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def dump_json(value: Mapping[str, Any]) -> str:
    return json.dumps(redact(to_jsonable_python(dict(value))), sort_keys=True)


def redact(value: Any) -> Any:
    """Drop the value of every credential-shaped key, at any depth."""
    if isinstance(value, dict):
        return {
            k: REDACTED if _CREDENTIAL_KEY.search(str(k)) else redact(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
