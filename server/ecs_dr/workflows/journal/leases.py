"""The lease protocol: which process runs (or cleans up) an operation, until when.

An operation being run, resumed or cleaned up is leased to one process: the lease lasts
DEFAULT_LEASE_S and the process renews it every DEFAULT_RENEW_EVERY_S while it works. A
process that dies (SIGKILL, power cut) stops renewing, and its lease simply expires; one that
ran on this machine and whose pid is gone gives it up at once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from ecs_dr.workflows.journal.base import JournalBase
from ecs_dr.workflows.journal.errors import LeaseLost, OperationNotResumable
from ecs_dr.workflows.journal.records import (
    Lease,
    LeaseOwner,
    OperationRecord,
    this_node,
)
from ecs_dr.workflows.journal.schema import retried_write

# The statuses an operation is never resumed from (a failed one is, after its cause is fixed).
ENDED = ("completed", "cancelled", "cleaning_up", "cleaned_up")
DEFAULT_LEASE_S = 30.0
DEFAULT_RENEW_EVERY_S = 10.0
# The one way an UPDATE gives an operation's lease up (nobody holds it afterwards).
RELEASE_LEASE = (
    "lease_owner = NULL, lease_pid = NULL, lease_host = NULL, lease_node = NULL,"
    " lease_expires_at = NULL"
)


class LeaseJournal(JournalBase):
    """Taking, renewing, checking and giving up operations' leases."""

    def live_lease(self, record: OperationRecord) -> Lease | None:
        """The operation's lease if a live process holds it: not expired, and its process not
        known to be gone (a pid on this node that no longer runs gave it up at once)."""
        lease = record.lease
        if lease is None or lease.expires_at <= self.now() or process_gone(lease):
            return None
        return lease

    @retried_write
    def take_over(self, operation_id: str, owner: LeaseOwner, lease_s: float) -> OperationRecord:
        """Lease an interrupted (running, nobody's live lease) or failed operation to `owner`
        and set it running again (its error cleared); returns it as it was before.

        Raises UnknownOperation, and OperationNotResumable for an operation that has ended
        otherwise or whose lease another live process holds (naming it and its expiry).
        """
        with self._write() as conn:
            before = self._get(conn, operation_id)
            if before.status in ENDED:
                raise OperationNotResumable("ended", operation_id, status=before.status)
            lease = before.lease
            held = self._held_by_other(before, owner)
            if held is not None:
                raise OperationNotResumable("leased", operation_id, holder=held)
            gone = lease.owner_id if lease is not None else None
            now = self._stamp()
            # One guarded UPDATE: of two processes taking over at once, exactly one wins.
            taken = conn.execute(
                "UPDATE operations SET status = 'running', error = NULL, lease_owner = ?,"
                " lease_pid = ?, lease_host = ?, lease_node = ?, lease_expires_at = ?,"
                " updated_at = ? WHERE operation_id = ? AND status IN ('running', 'failed')"
                " AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?"
                " OR lease_owner IS ?)",
                (
                    owner.owner_id,
                    owner.pid,
                    owner.host,
                    owner.node,
                    self._stamp(lease_s),
                    now,
                    operation_id,
                    owner.owner_id,
                    now,
                    gone,
                ),
            ).rowcount
            if taken != 1:  # pragma: no cover - the write lock makes the check above hold
                raise OperationNotResumable("taken", operation_id)
        return before

    def renew_leases(
        self, owner: LeaseOwner, lease_s: float, given_up: Iterable[str] = ()
    ) -> set[str]:
        """Extend every lease `owner` holds, except those of `given_up` (operations it no
        longer runs), to lease_s from now; returns the operations renewed. Not tried again
        when it fails: the next heartbeat is its retry."""
        with self._write() as conn:
            rows = conn.execute(
                "UPDATE operations SET lease_expires_at = ? WHERE lease_owner = ?"
                " AND operation_id NOT IN (SELECT value FROM json_each(?))"
                " RETURNING operation_id",
                (self._stamp(lease_s), owner.owner_id, json.dumps(sorted(given_up))),
            ).fetchall()
        return {str(row["operation_id"]) for row in rows}

    @retried_write
    def release_leases(self, owner: LeaseOwner) -> set[str]:
        """Give up every lease `owner` holds (the process is stopping: nobody runs them now)."""
        with self._write() as conn:
            rows = conn.execute(
                f"UPDATE operations SET {RELEASE_LEASE} WHERE lease_owner = ?"  # noqa: S608
                " RETURNING operation_id",
                (owner.owner_id,),
            ).fetchall()
        return {str(row["operation_id"]) for row in rows}

    def _lease(
        self, conn: sqlite3.Connection, operation_id: str, owner: LeaseOwner, lease_s: float
    ) -> None:
        conn.execute(
            "UPDATE operations SET lease_owner = ?, lease_pid = ?, lease_host = ?,"
            " lease_node = ?, lease_expires_at = ? WHERE operation_id = ?",
            (owner.owner_id, owner.pid, owner.host, owner.node, self._stamp(lease_s), operation_id),
        )

    def _held_by_other(self, record: OperationRecord, owner: LeaseOwner | None) -> Lease | None:
        held = self.live_lease(record)
        if held is None or (owner is not None and held.owner_id == owner.owner_id):
            return None
        return held

    def _check_owner(
        self, conn: sqlite3.Connection, operation_id: str, owner: LeaseOwner | None
    ) -> None:
        """Raises LeaseLost when another process holds the lease `owner` held."""
        if owner is None:
            return
        row = conn.execute(
            "SELECT lease_owner, lease_pid, lease_host FROM operations WHERE operation_id = ?",
            (operation_id,),
        ).fetchone()
        if row is not None and row["lease_owner"] not in (None, owner.owner_id):
            raise LeaseLost(
                f"operation {operation_id} is now leased to another ecs-dr-mcp process "
                f"({row['lease_pid']}@{row['lease_host']}), which took it over after this "
                "one stopped renewing its lease"
            )


def process_gone(lease: LeaseOwner) -> bool:
    """True when the lease's process is known to have ended: it ran on this node and its pid
    is no longer alive (or a zombie). A process elsewhere is never judged: its lease expires."""
    if not lease.node or lease.node != this_node() or lease.pid == os.getpid():
        return False
    try:
        os.kill(lease.pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process)
    try:
        stat = Path(f"/proc/{lease.pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")
