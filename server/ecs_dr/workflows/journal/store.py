"""The operation journal: one SQLite file recording every operation and each of its steps.

`Journal` is the parts together: operations (here), leases (`leases`), steps (`steps`),
plans (`plans`) and cleanups (`cleanup`), over the file `schema` opens. It is synchronous;
async code calls it through `off_loop` so sqlite never runs on the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecs_dr.workflows.journal.base import insert_record, require_running
from ecs_dr.workflows.journal.cleanup import CleanupJournal
from ecs_dr.workflows.journal.leases import DEFAULT_LEASE_S, RELEASE_LEASE
from ecs_dr.workflows.journal.plans import PlanJournal
from ecs_dr.workflows.journal.records import FinalStatus, LeaseOwner, OperationRecord, dump_json
from ecs_dr.workflows.journal.schema import retried_write
from ecs_dr.workflows.journal.steps import StepJournal


class Journal(StepJournal, CleanupJournal, PlanJournal):
    """The operations and steps recorded in one SQLite file (created on first use)."""

    @retried_write
    def create_operation(
        self,
        kind: str,
        region_id: str | None,
        arguments: Mapping[str, Any],
        owner: LeaseOwner | None = None,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> str:
        """Record a new running operation, leased to `owner` for lease_s when given; returns
        its id, "op-" and 16 hex digits."""
        with self._write() as conn:
            operation_id = insert_record(
                conn,
                "operations",
                {
                    "kind": kind,
                    "status": "running",
                    "region_id": region_id,
                    "arguments": dump_json(arguments),
                },
                self._stamp(),
            )
            if owner is not None:
                self._lease(conn, operation_id, owner, lease_s)
        return operation_id

    @retried_write
    def finish(
        self,
        operation_id: str,
        status: FinalStatus,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
        owner: LeaseOwner | None = None,
    ) -> None:
        """Record how a running operation ended, and clear its lease.

        Raises UnknownOperation, ValueError when it has already finished, and LeaseLost when
        `owner` was given and another process has taken the operation's lease over.
        """
        if status not in ("completed", "failed", "cancelled"):
            raise ValueError(f"an operation finishes completed, failed or cancelled, not {status}")
        with self._write() as conn:
            require_running(conn, operation_id)
            self._check_owner(conn, operation_id, owner)
            conn.execute(
                f"UPDATE operations SET {RELEASE_LEASE},"  # noqa: S608 - a constant
                " status = ?, result = ?, error = ?, updated_at = ?, finished_at = ?"
                " WHERE operation_id = ?",
                (
                    status,
                    None if result is None else dump_json(result),
                    error,
                    now := self._stamp(),
                    now,
                    operation_id,
                ),
            )

    @retried_write
    def cancel_interrupted(
        self, operation_id: str, owner: LeaseOwner, error: str
    ) -> OperationRecord:
        """Mark an interrupted operation (running, no other live process holds its lease)
        cancelled with `error` as its reason, so nothing resumes it; returns the operation as
        it then is: unchanged when it has finished or another live process runs it.

        Raises UnknownOperation.
        """
        with self._write() as conn:
            record = self._get(conn, operation_id)
            if record.status != "running" or self._held_by_other(record, owner) is not None:
                return record
            conn.execute(
                f"UPDATE operations SET {RELEASE_LEASE},"  # noqa: S608 - a constant
                " status = 'cancelled', error = ?, updated_at = ?, finished_at = ?"
                " WHERE operation_id = ?",
                (error, now := self._stamp(), now, operation_id),
            )
            return self._get(conn, operation_id)
