"""What every part of the journal shares: the file, the clock, transactions, reading an
operation back, and the status checks a write starts with."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ecs_dr.workflows.journal.errors import UnknownOperation
from ecs_dr.workflows.journal.records import OperationRecord, iso, operation_from_row, steps_of
from ecs_dr.workflows.journal.schema import open_journal, read_snapshot, write_transaction


class JournalBase:
    """The journal's file and clock; the parts of the journal (leases, steps, plans, cleanup)
    build on it."""

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        """Open the journal at `path`, creating it (and its directory) owner-only (see
        `open_journal`). `clock` gives the time every timestamp and lease is read from (tests
        move it).

        Raises JournalError naming the path, what is wrong and what to do.
        """
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        open_journal(path)

    def now(self) -> datetime:
        """The journal's time (UTC): timestamps and lease expiries are read from it."""
        return self._clock().astimezone(UTC)

    def _stamp(self, delay_s: float = 0.0) -> str:
        return iso(self.now() + timedelta(seconds=delay_s))

    def get(self, operation_id: str) -> OperationRecord:
        """The operation with its steps; raises UnknownOperation (a KeyError)."""
        with self._read() as conn:
            return self._get(conn, operation_id)

    def _get(self, conn: sqlite3.Connection, operation_id: str) -> OperationRecord:
        row = conn.execute(
            "SELECT * FROM operations WHERE operation_id = ?", (operation_id,)
        ).fetchone()
        if row is None:
            raise UnknownOperation(operation_id)
        return operation_from_row(row, steps_of(conn, [operation_id])[operation_id])

    def list(self, limit: int = 50) -> builtins.list[OperationRecord]:
        """The newest operations first, with their steps."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM operations ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (max(limit, 0),),
            ).fetchall()
            steps = steps_of(conn, [row["operation_id"] for row in rows])
            return [operation_from_row(row, steps[row["operation_id"]]) for row in rows]

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self.path) as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with read_snapshot(self.path) as conn:
            yield conn


def require_operation(conn: sqlite3.Connection, operation_id: str) -> str:
    row = conn.execute(
        "SELECT status FROM operations WHERE operation_id = ?", (operation_id,)
    ).fetchone()
    if row is None:
        raise UnknownOperation(operation_id)
    return str(row["status"])


def require_running(conn: sqlite3.Connection, operation_id: str) -> None:
    status = require_operation(conn, operation_id)
    if status != "running":
        raise ValueError(f"operation {operation_id} has already finished ({status})")


def touch(conn: sqlite3.Connection, operation_id: str, now: str) -> None:
    conn.execute("UPDATE operations SET updated_at = ? WHERE operation_id = ?", (now, operation_id))
