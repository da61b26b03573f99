"""What every part of the journal shares: the file, the clock, transactions, reading an
operation back, and the status checks a write starts with."""

from __future__ import annotations

import builtins
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ecs_dr.workflows.journal.errors import UnknownOperation, UnknownPlan, UnknownRecord
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
        row = operation_row(conn, operation_id)
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


# Each table of records: its key column, the prefix of its ids, the exception for an unknown id.
_RECORDS: dict[str, tuple[str, str, type[UnknownRecord]]] = {
    "operations": ("operation_id", "op", UnknownOperation),
    "plans": ("plan_id", "plan", UnknownPlan),
}


def record_row(conn: sqlite3.Connection, table: str, record_id: str) -> sqlite3.Row:
    """The row of the operation or plan with this id; raises UnknownOperation, UnknownPlan."""
    key, _, unknown = _RECORDS[table]
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM {table} WHERE {key} = ?",  # noqa: S608 - a table of _RECORDS
        (record_id,),
    ).fetchone()
    if row is None:
        raise unknown(record_id)
    return row


def operation_row(conn: sqlite3.Connection, operation_id: str) -> sqlite3.Row:
    """The operation's row; raises UnknownOperation."""
    return record_row(conn, "operations", operation_id)


def require_operation(conn: sqlite3.Connection, operation_id: str) -> str:
    """The operation's status; raises UnknownOperation."""
    return str(operation_row(conn, operation_id)["status"])


def insert_record(
    conn: sqlite3.Connection, table: str, values: Mapping[str, object], now: str
) -> str:
    """A new operation or plan with `values`, created and updated `now`; returns its new id
    (its prefix, "-", 16 random hex digits)."""
    key, prefix, _ = _RECORDS[table]
    record_id = f"{prefix}-{secrets.token_hex(8)}"
    row = {key: record_id, **values, "created_at": now, "updated_at": now}
    columns, marks = ", ".join(row), ", ".join("?" * len(row))
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))  # noqa: S608
    return record_id


def require_running(conn: sqlite3.Connection, operation_id: str) -> None:
    status = require_operation(conn, operation_id)
    if status != "running":
        raise ValueError(f"operation {operation_id} has already finished ({status})")


def touch(conn: sqlite3.Connection, operation_id: str, now: str) -> None:
    conn.execute("UPDATE operations SET updated_at = ? WHERE operation_id = ?", (now, operation_id))
