"""Cleanup: an operation is claimed (`cleaning_up`, leased), then finished (`cleaned_up`, its
record kept) or released (as it was), exactly once; a cleanup whose process died is taken
over. The journal keeps a `CleanupMarker` beside the cleanup's own result: how the operation
itself had ended and which cleanup operations worked on it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.workflows.journal.base import operation_row, require_operation
from ecs_dr.workflows.journal.errors import CleanupRefused, LeaseLost, UnknownOperation
from ecs_dr.workflows.journal.leases import (
    DEFAULT_LEASE_S,
    RELEASE_LEASE,
    LeaseJournal,
    process_gone,
)
from ecs_dr.workflows.journal.records import (
    LeaseOwner,
    OperationRecord,
    dump_json,
    operation_from_row,
)
from ecs_dr.workflows.journal.schema import retried_write


class CleanupMarker(BaseModel):
    """An operation's cleanup as the journal records it: its bookkeeping, and once finished
    the cleanup's own result (what was deleted, what was left and why) as extra fields."""

    model_config = ConfigDict(frozen=True, extra="allow")

    previous_status: str | None = Field(
        default=None, description="how the operation itself had ended before its cleanup"
    )
    cleanup_operation_id: str | None = Field(
        default=None, description="the cleanup_recovery operation deleting its resources"
    )
    interrupted_cleanups: list[str] = Field(
        default_factory=list, description="cleanup operations whose process died, taken over"
    )

    @classmethod
    def of(cls, record: OperationRecord) -> CleanupMarker:
        """The operation's marker; an empty one when it was never cleaned up."""
        return cls.parse(record.cleanup)

    @classmethod
    def parse(cls, stored: Mapping[str, Any] | str | None) -> CleanupMarker:
        """The marker from its stored form (a JSON text or its dict), empty for none."""
        if isinstance(stored, str):
            stored = json.loads(stored)
        return cls.model_validate(stored or {})

    @property
    def ended_as(self) -> str:
        """How the operation itself had ended: a cleanup does not change that."""
        return self.previous_status or "completed"

    def stored(self) -> str:
        """The JSON the journal keeps: the fields ever set, so a record reads as written."""
        return dump_json(self.model_dump(mode="json", exclude_unset=True))


class CleanupJournal(LeaseJournal):
    """Claiming, finishing and releasing the cleanup of an operation."""

    def cleanup_refusal(
        self, record: OperationRecord, owner: LeaseOwner | None = None
    ) -> CleanupRefused | None:
        """Why the operation cannot be cleaned up now, or None: it is still running (a live
        process holds its lease), another live process is cleaning it up, or it was cleaned
        up already. A cleanup whose process died (its lease expired) can be taken over."""
        operation_id = record.operation_id
        if record.status == "running":
            held = self.live_lease(record)
            if held is None:
                return None  # interrupted: nobody runs it, what it created can go
            return CleanupRefused("running", operation_id, holder=held)
        by = CleanupMarker.of(record).cleanup_operation_id
        if record.status == "cleaning_up":
            held = self._held_by_other(record, owner)
            if held is None:
                return None  # its cleanup was interrupted: this one finishes it
            return CleanupRefused("cleaning_up", operation_id, holder=held, cleanup_operation_id=by)
        if record.status == "cleaned_up":
            return CleanupRefused("cleaned_up", operation_id, cleanup_operation_id=by)
        return None

    @retried_write
    def claim_cleanup(
        self,
        operation_id: str,
        cleanup_operation_id: str | None = None,
        owner: LeaseOwner | None = None,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> str:
        """Mark an operation `cleaning_up`, leased to `owner`: of two concurrent claims exactly
        one succeeds. A cleanup whose process died (`cleaning_up`, its lease expired) or
        `owner`'s own is taken over, to finish it. Returns how the operation itself had
        ended (running when it was interrupted), for `release_cleanup`.

        Raises UnknownOperation, and CleanupRefused (see `cleanup_refusal`).
        """
        with self._write() as conn:
            record = self._get(conn, operation_id)
            refusal = self.cleanup_refusal(record, owner)
            if refusal is not None:
                raise refusal
            marker = CleanupMarker.of(record)
            if record.status == "cleaning_up":
                previous = marker.ended_as
                stale = marker.cleanup_operation_id
                if stale is not None:
                    self._abandon_cleanup(conn, stale, operation_id)
                    marker = marker.model_copy(
                        update={"interrupted_cleanups": [*marker.interrupted_cleanups, stale]}
                    )
                marker = marker.model_copy(update={"cleanup_operation_id": cleanup_operation_id})
            else:
                previous = record.status
                marker = CleanupMarker(
                    previous_status=previous, cleanup_operation_id=cleanup_operation_id
                )
            lease = record.lease
            now = self._stamp()
            claimed = conn.execute(
                f"UPDATE operations SET {RELEASE_LEASE},"  # noqa: S608 - a constant
                " status = 'cleaning_up', cleanup = ?, updated_at = ?"
                " WHERE operation_id = ? AND status = ?"
                " AND (lease_owner IS NULL OR lease_owner IS ? OR lease_owner IS ?"
                " OR lease_expires_at <= ?)",
                (
                    marker.stored(),
                    now,
                    operation_id,
                    record.status,
                    None if owner is None else owner.owner_id,
                    lease.owner_id if lease is not None and process_gone(lease) else None,
                    now,
                ),
            ).rowcount
            if claimed != 1:  # pragma: no cover - the write lock makes the check above hold
                raise CleanupRefused("claimed", operation_id)
            if owner is not None:
                self._lease(conn, operation_id, owner, lease_s)
        return previous

    def _abandon_cleanup(self, conn: sqlite3.Connection, cleanup_id: str, cleaned: str) -> None:
        """Record a cleanup operation whose process died as failed: another one takes over."""
        try:
            row = operation_row(conn, cleanup_id)
        except UnknownOperation:
            return
        if row["status"] != "running":
            return
        if self.live_lease(operation_from_row(row, [])) is not None:
            return
        conn.execute(
            f"UPDATE operations SET {RELEASE_LEASE},"  # noqa: S608 - a constant
            " status = 'failed', error = ?, updated_at = ? WHERE operation_id = ?",
            (
                f"cleanup {cleanup_id} was interrupted: its server stopped before it finished. "
                f"A later cleanup_recovery of {cleaned} took it over; get_operation("
                f"operation_id={cleaned!r}) shows what was deleted.",
                self._stamp(),
                cleanup_id,
            ),
        )

    @retried_write
    def cleanup_started(self, operation_id: str, cleanup_operation_id: str) -> None:
        """Record which operation runs the cleanup of `operation_id`."""
        with self._write() as conn:
            row = operation_row(conn, operation_id)
            marker = CleanupMarker.parse(row["cleanup"]).model_copy(
                update={"cleanup_operation_id": cleanup_operation_id}
            )
            conn.execute(
                "UPDATE operations SET cleanup = ?, updated_at = ? WHERE operation_id = ?",
                (marker.stored(), self._stamp(), operation_id),
            )

    @retried_write
    def finish_cleanup(
        self, operation_id: str, cleanup: Mapping[str, Any], owner: LeaseOwner | None = None
    ) -> None:
        """Record the cleanup (what was deleted, what was left and why): `cleaned_up`.

        Raises LeaseLost when `owner` was given and another process took the cleanup over.
        """
        with self._write() as conn:
            row = operation_row(conn, operation_id)
            if row["status"] != "cleaning_up":
                raise CleanupRefused("not_cleaning_up", operation_id, status=row["status"])
            self._check_owner(conn, operation_id, owner)
            marker = CleanupMarker.parse(row["cleanup"])
            # How the operation itself had ended stays known, and any cleanup taken over.
            kept = marker.model_dump(
                mode="json",
                include={"previous_status", "interrupted_cleanups"},
                exclude_unset=True,
            )
            record = CleanupMarker.model_validate({**kept, **cleanup})
            conn.execute(
                f"UPDATE operations SET {RELEASE_LEASE},"  # noqa: S608 - a constant
                " status = 'cleaned_up', cleanup = ?, updated_at = ? WHERE operation_id = ?",
                (record.stored(), self._stamp(), operation_id),
            )

    @retried_write
    def release_cleanup(
        self, operation_id: str, previous_status: str, owner: LeaseOwner | None = None
    ) -> None:
        """Undo a claim whose cleanup deleted nothing: the operation is as it was. A claim
        another process has taken over (`owner` given, not its lease) is left alone."""
        with self._write() as conn:
            if require_operation(conn, operation_id) != "cleaning_up":
                return
            try:
                self._check_owner(conn, operation_id, owner)
            except LeaseLost:
                return
            conn.execute(
                f"UPDATE operations SET {RELEASE_LEASE},"  # noqa: S608 - a constant
                " status = ?, cleanup = NULL, updated_at = ? WHERE operation_id = ?",
                (previous_status, self._stamp(), operation_id),
            )
