"""The operation journal: one SQLite file recording every operation and each of its steps.

A step is recorded before its create call (its intent: action, ClientToken, parameters) and
again once ECS has answered with the resource id, so a crash between the two still leaves
the ClientToken that makes the retry idempotent. DBOS's SQLite habits apply: WAL, a busy
timeout, immediate transactions (writers queue instead of failing mid-transaction) and a
schema-version table. The journal holds ids and parameters, never credentials: values under
credential-shaped keys are redacted before they are written.

Each call opens its own short-lived connection, so a Journal is safe to share between
threads, and several server processes can share one file.

A write that SQLite refuses for a moment (a full or read-only disk, an I/O error) is tried
again for a few seconds before it fails: each write is one transaction, so trying it again
never records half of it. The state directory and the journal are the server user's alone
(0700, 0600; SQLite gives the -wal and -shm files the journal's own mode): plans and resource
ids are nobody else's business.
"""

from __future__ import annotations

import builtins
import errno
import functools
import json
import os
import re
import secrets
import socket
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import stamina
import structlog
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python

from ecs_dr.domain.cloud_text import cloud_text_field

ENV_STATE_DIR = "ECS_DR_STATE_DIR"
APP_DIR = "ecs-dr-mcp"
JOURNAL_FILE = "journal.sqlite3"
# Other writers hold the lock for milliseconds; wait for them rather than fail.
BUSY_TIMEOUT_MS = 10_000
REDACTED = "[redacted]"
# An operation being run, resumed or cleaned up is leased to one process: the lease lasts
# DEFAULT_LEASE_S and the process renews it every DEFAULT_RENEW_EVERY_S while it works. A
# process that dies (SIGKILL, power cut) stops renewing, and its lease simply expires.
DEFAULT_LEASE_S = 30.0
DEFAULT_RENEW_EVERY_S = 10.0
# A write SQLite refuses (disk full or read-only for a moment, an I/O error) is tried again,
# backing off from WRITE_WAIT_INITIAL_S to WRITE_WAIT_MAX_S, for WRITE_RETRY_TIMEOUT_S at most.
WRITE_ATTEMPTS = 8
WRITE_RETRY_TIMEOUT_S = 5.0
WRITE_WAIT_INITIAL_S = 0.05
WRITE_WAIT_MAX_S = 1.0
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# SQLite's files beside the journal, which hold its pages too.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
_CREDENTIAL_KEY = re.compile(
    r"(?i)(secret|password|passphrase|access_?key|security_?token|authorization|signature"
    r"|private_?key)"
)

OperationStatus = Literal[
    "running", "completed", "failed", "cancelled", "cleaning_up", "cleaned_up"
]
FinalStatus = Literal["completed", "failed", "cancelled"]
StepStatus = Literal["started", "created"]

# Migration n (1-based) brings the schema from version n-1 to n. Append, never edit.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE operations (
            operation_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
            region_id TEXT,
            arguments TEXT NOT NULL,
            result TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX operations_by_creation ON operations (created_at)",
        """CREATE TABLE steps (
            operation_id TEXT NOT NULL REFERENCES operations (operation_id),
            seq INTEGER NOT NULL,
            step TEXT NOT NULL,
            action TEXT NOT NULL,
            client_token TEXT NOT NULL,
            parameters TEXT NOT NULL,
            resource_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('started', 'created')),
            started_at TEXT NOT NULL,
            finished_at TEXT,
            PRIMARY KEY (operation_id, step),
            UNIQUE (operation_id, seq)
        )""",
    ),
    (
        """CREATE TABLE plans (
            plan_id TEXT PRIMARY KEY,
            scenario TEXT NOT NULL,
            region_id TEXT,
            plan TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('planned', 'executed')),
            operation_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    ),
    # cleanup_recovery: two more operation statuses and the cleanup's record. SQLite cannot
    # change a CHECK in place, so the table is rebuilt (foreign keys off while migrating; the
    # steps' foreign key names the table, which holds the same rows again).
    (
        """CREATE TABLE operations_v3 (
            operation_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'completed', 'failed', 'cancelled',
                                  'cleaning_up', 'cleaned_up')),
            region_id TEXT,
            arguments TEXT NOT NULL,
            result TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            cleanup TEXT
        )""",
        "INSERT INTO operations_v3 (operation_id, kind, status, region_id, arguments, result,"
        " error, created_at, updated_at) SELECT operation_id, kind, status, region_id,"
        " arguments, result, error, created_at, updated_at FROM operations",
        "DROP TABLE operations",
        "ALTER TABLE operations_v3 RENAME TO operations",
        "CREATE INDEX operations_by_creation ON operations (created_at)",
    ),
    # The lease: which process runs (or cleans up) the operation, until when. Rows written
    # before it hold no lease: nobody runs them now.
    (
        "ALTER TABLE operations ADD COLUMN lease_owner TEXT",
        "ALTER TABLE operations ADD COLUMN lease_pid INTEGER",
        "ALTER TABLE operations ADD COLUMN lease_host TEXT",
        "ALTER TABLE operations ADD COLUMN lease_node TEXT",
        "ALTER TABLE operations ADD COLUMN lease_expires_at TEXT",
    ),
    # A resource that ended in a terminal failure status (an image CreateFailed, a snapshot
    # failed) keeps its step, marked with that status; the next attempt is a step of its own.
    # The table is rebuilt, as for operations in migration 3, so the migration holds whatever
    # columns the old table had.
    (
        """CREATE TABLE steps_v5 (
            operation_id TEXT NOT NULL REFERENCES operations (operation_id),
            seq INTEGER NOT NULL,
            step TEXT NOT NULL,
            action TEXT NOT NULL,
            client_token TEXT NOT NULL,
            parameters TEXT NOT NULL,
            resource_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('started', 'created')),
            started_at TEXT NOT NULL,
            finished_at TEXT,
            failure TEXT,
            PRIMARY KEY (operation_id, step),
            UNIQUE (operation_id, seq)
        )""",
        "INSERT INTO steps_v5 (operation_id, seq, step, action, client_token, parameters,"
        " resource_id, status, started_at, finished_at) SELECT operation_id, seq, step, action,"
        " client_token, parameters, resource_id, status, started_at, finished_at FROM steps",
        "DROP TABLE steps",
        "ALTER TABLE steps_v5 RENAME TO steps",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


log = structlog.get_logger("ecs_dr.workflows.journal")
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _retried_write(write: Callable[_P, _R]) -> Callable[_P, _R]:
    """Every write method: one transaction, so trying it again after SQLite refused it (and
    rolled it back) records it once. A lock held past the busy timeout already waited long
    enough and is not tried again (the timeout is spent). A retry block, not stamina's
    decorator: that one logs the call's arguments, and these hold plans and parameters."""

    @functools.wraps(write)
    def retried(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        for attempt in stamina.retry_context(
            on=sqlite3.OperationalError,
            attempts=WRITE_ATTEMPTS,
            timeout=WRITE_RETRY_TIMEOUT_S,
            wait_initial=WRITE_WAIT_INITIAL_S,
            wait_max=WRITE_WAIT_MAX_S,
            wait_jitter=WRITE_WAIT_INITIAL_S,
        ):
            with attempt:
                if attempt.num > 1:
                    log.warning("journal_write_retried", write=write.__name__, attempt=attempt.num)
                return write(*args, **kwargs)
        raise AssertionError("a retry block ends by returning or raising")  # pragma: no cover

    return retried


class JournalError(RuntimeError):
    """The journal cannot be used: its directory cannot hold it, it is damaged or no SQLite
    file, or its schema is newer than this code. The message names the path and what to do."""


class UnknownOperation(KeyError):
    """No operation with this id in the journal."""

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(operation_id)

    def __str__(self) -> str:
        return (
            f"unknown operation id {self.operation_id!r}: list_operations shows the ids "
            "this journal holds"
        )


class UnknownPlan(KeyError):
    """No plan with this id in the journal."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(plan_id)

    def __str__(self) -> str:
        return (
            f"unknown plan id {self.plan_id!r}: plan_recovery makes a plan and returns its id "
            "(plans live in this server's journal)"
        )


class PlanAlreadyExecuted(ValueError):
    """A plan is confirmed and executed once; a second execution would create everything again."""


class CleanupRefused(ValueError):
    """An operation that is running, being cleaned up, or cleaned up already is not cleaned."""


class StepConflict(ValueError):
    """A step's record disagrees with what the caller now says about it.

    As in DBOS, a step that differs from its record is an error, not a guess: the same
    ClientToken with other parameters would be refused by ECS anyway.
    """


class OperationNotResumable(ValueError):
    """The operation cannot be resumed: it has ended, or a live process is running it."""


class LeaseLost(RuntimeError):
    """This process no longer holds the operation's lease: another process took it over
    (this one had stopped renewing it), so this process records nothing more for it."""


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


class PlanRecord(BaseModel):
    """A stored plan: what it will do, the fingerprint of the world it was made for."""

    model_config = ConfigDict(frozen=True)

    plan_id: str
    scenario: str
    region_id: str | None
    plan: dict[str, Any]
    fingerprint: str
    status: Literal["planned", "executed"]
    operation_id: str | None
    created_at: datetime
    updated_at: datetime


def default_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`ECS_DR_STATE_DIR`, else `$XDG_STATE_HOME/ecs-dr-mcp`, else `~/.local/state/ecs-dr-mcp`.

    A relative `XDG_STATE_HOME` is ignored, as the XDG base directory spec says.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_STATE_DIR):
        return Path(env[ENV_STATE_DIR]).expanduser()
    xdg = env.get("XDG_STATE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / APP_DIR
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    return home / ".local" / "state" / APP_DIR


def _use_wal(conn: sqlite3.Connection) -> None:
    """WAL is a property of the file: readers never block the one writer. Switching a new file
    to it needs a lock SQLite does not wait for, so two servers opening one new journal at
    once retry rather than fail with "database is locked"."""
    for attempt in stamina.retry_context(
        on=_is_locked, attempts=None, timeout=BUSY_TIMEOUT_MS / 1000
    ):
        with attempt:
            conn.execute("PRAGMA journal_mode=WAL")


def _is_locked(exc: Exception) -> bool:
    """SQLite's "database is locked": another connection holds the lock SQLite does not wait
    for. Any other failure (a read-only or full disk) would only fail again."""
    return isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def _make_private(path: Path) -> None:
    """Create the journal's directory 0700 and the journal 0600 before SQLite opens it (SQLite
    gives the -wal and -shm files the journal's mode); tighten ones made wider before."""
    directory = path.parent
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a directory", str(directory))
    directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    _tighten(directory, PRIVATE_DIR_MODE, "state_dir_permissions_tightened")
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE))
    _tighten(path, PRIVATE_FILE_MODE, "journal_permissions_tightened")
    for suffix in SQLITE_SIDE_FILES:
        # Another server closing the journal last removes its -wal and -shm files.
        with suppress(FileNotFoundError):
            _tighten(Path(f"{path}{suffix}"), PRIVATE_FILE_MODE, "journal_permissions_tightened")


def _tighten(path: Path, mode: int, event: str) -> None:
    """Take group and other access away from `path`, and log that it had them."""
    was = stat.S_IMODE(path.stat().st_mode)
    if was & 0o077:
        path.chmod(mode)
        log.warning(event, path=str(path), mode_was=f"{was:04o}", mode_now=f"{mode:04o}")


def _check_intact(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick check of every page: a truncated or damaged file is found at start, not
    halfway through an operation. Raises sqlite3.DatabaseError or JournalError."""
    found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
    if found != ["ok"]:
        raise JournalError(_damaged(path, "; ".join(found)))


def _damaged(path: Path, why: str) -> str:
    return (
        f"the journal {path} is damaged or not an ecs-dr-mcp journal ({why}). It was left as "
        "it is: it may be the only record of the resources earlier operations created. Move "
        f"it aside and keep it (mv {path} {path}.damaged-$(date -u +%Y%m%dT%H%M%SZ), and its "
        "-wal file with it if there is one), then start again for a new journal; or set "
        f"{ENV_STATE_DIR} to another directory"
    )


def _os_error(exc: OSError) -> str:
    """The error's own words and the path it names, without Python's errno prefix."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


class Journal:
    """The operations and steps recorded in one SQLite file (created on first use)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        """Open the journal at `path`, creating it (and its directory) owner-only.

        A journal that is damaged, truncated or no SQLite file at all is refused, never
        replaced: it may be the only record of the resources earlier operations created and
        of the ClientTokens that keep their retries from creating twice, so whether to keep
        it aside and begin anew is the operator's call (the message says how), not the
        server's. `clock` gives the time every timestamp and lease is read from (tests move it).

        Raises JournalError naming the path, what is wrong and what to do.
        """
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        try:
            _make_private(path)
        except OSError as exc:
            raise JournalError(
                f"the state directory {path.parent} cannot hold the journal ({_os_error(exc)}); "
                f"set {ENV_STATE_DIR} to a directory this user can create and write"
            ) from None
        try:
            with closing(self._connect()) as conn:
                _check_intact(conn, path)
                _use_wal(conn)
                # A migration may rebuild a table that steps refer to (SQLite's documented way
                # to change a table); the rows are checked before it commits.
                conn.execute("PRAGMA foreign_keys=OFF")
                with _immediate(conn):
                    _migrate(conn, path)
                    if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                        raise JournalError(_damaged(path, "steps without their operation"))
        except sqlite3.OperationalError as exc:
            raise JournalError(
                f"the journal {path} cannot be opened for writing ({exc}); free the disk or "
                f"make it writable, or set {ENV_STATE_DIR} to another directory"
            ) from None
        except sqlite3.DatabaseError as exc:
            raise JournalError(_damaged(path, str(exc))) from None

    def now(self) -> datetime:
        """The journal's time (UTC): timestamps and lease expiries are read from it."""
        return self._clock().astimezone(UTC)

    def _stamp(self, delay_s: float = 0.0) -> str:
        return _iso(self.now() + timedelta(seconds=delay_s))

    @_retried_write
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
        operation_id = f"op-{secrets.token_hex(8)}"
        now = self._stamp()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO operations (operation_id, kind, status, region_id, arguments,"
                " created_at, updated_at) VALUES (?, ?, 'running', ?, ?, ?, ?)",
                (operation_id, kind, region_id, _dump(arguments), now, now),
            )
            if owner is not None:
                self._lease(conn, operation_id, owner, lease_s)
        return operation_id

    def live_lease(self, record: OperationRecord) -> Lease | None:
        """The operation's lease if a live process holds it: not expired, and its process not
        known to be gone (a pid on this node that no longer runs gave it up at once)."""
        lease = record.lease
        if lease is None or lease.expires_at <= self.now() or _process_gone(lease):
            return None
        return lease

    @_retried_write
    def take_over(self, operation_id: str, owner: LeaseOwner, lease_s: float) -> OperationRecord:
        """Lease an interrupted (running, nobody's live lease) or failed operation to `owner`
        and set it running again (its error cleared); returns it as it was before.

        Raises UnknownOperation, and OperationNotResumable for an operation that has ended
        otherwise or whose lease another live process holds (naming it and its expiry).
        """
        with self._write() as conn:
            before = self._get(conn, operation_id)
            refusal = _not_resumable(before)
            if refusal:
                raise OperationNotResumable(refusal)
            lease = before.lease
            held = self._held_by_other(before, owner)
            if held is not None:
                raise OperationNotResumable(
                    f"operation {operation_id} is running in another ecs-dr-mcp process "
                    f"({held.holder}, lease until {_iso(held.expires_at)}): two servers never "
                    "run one operation at once. Follow it in that server with wait_operation; "
                    "if that process died, its lease expires by itself and resume_recovery "
                    "works after that time. Nothing was changed."
                )
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
                raise OperationNotResumable(f"operation {operation_id} was taken over meanwhile")
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

    @_retried_write
    def release_leases(self, owner: LeaseOwner) -> set[str]:
        """Give up every lease `owner` holds (the process is stopping: nobody runs them now)."""
        with self._write() as conn:
            rows = conn.execute(
                "UPDATE operations SET lease_owner = NULL, lease_pid = NULL, lease_host = NULL,"
                " lease_node = NULL, lease_expires_at = NULL WHERE lease_owner = ?"
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

    @_retried_write
    def record_intent(
        self,
        operation_id: str,
        step: str,
        action: str,
        client_token: str,
        parameters: Mapping[str, Any],
    ) -> None:
        """Record a step before its create call; recording the same intent again is a no-op.

        Raises UnknownOperation, StepConflict when the step was recorded differently, and
        ValueError when the operation has already finished.
        """
        params = _dump(parameters)
        with self._write() as conn:
            _require_running(conn, operation_id)
            row = conn.execute(
                "SELECT action, client_token, parameters FROM steps"
                " WHERE operation_id = ? AND step = ?",
                (operation_id, step),
            ).fetchone()
            if row is not None:
                if (row["action"], row["client_token"], row["parameters"]) != (
                    action,
                    client_token,
                    params,
                ):
                    raise StepConflict(
                        f"step {step!r} of {operation_id} was recorded as {row['action']} with "
                        f"other parameters; a step cannot change once recorded"
                    )
                return
            conn.execute(
                "INSERT INTO steps (operation_id, seq, step, action, client_token, parameters,"
                " status, started_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps"
                " WHERE operation_id = ?), ?, ?, ?, ?, 'started', ?)",
                (operation_id, operation_id, step, action, client_token, params, self._stamp()),
            )
            _touch(conn, operation_id, self._stamp())

    @_retried_write
    def record_created(self, operation_id: str, step: str, resource_id: str) -> None:
        """Record the id ECS returned for a step; the same id again is a no-op.

        Raises UnknownOperation, StepConflict when the step has no intent or another id.
        """
        with self._write() as conn:
            _require_operation(conn, operation_id)
            row = conn.execute(
                "SELECT resource_id FROM steps WHERE operation_id = ? AND step = ?",
                (operation_id, step),
            ).fetchone()
            if row is None:
                raise StepConflict(
                    f"step {step!r} of {operation_id} has no recorded intent; record the "
                    "intent (and its ClientToken) before the create call"
                )
            if row["resource_id"] == resource_id:
                return
            if row["resource_id"] is not None:
                raise StepConflict(
                    f"step {step!r} of {operation_id} already created {row['resource_id']}, "
                    f"not {resource_id}"
                )
            conn.execute(
                "UPDATE steps SET resource_id = ?, status = 'created', finished_at = ?"
                " WHERE operation_id = ? AND step = ?",
                (resource_id, self._stamp(), operation_id, step),
            )
            _touch(conn, operation_id, self._stamp())

    @_retried_write
    def record_failure(self, operation_id: str, step: str, status: str) -> None:
        """Mark a created step's resource as ended in the terminal failure `status`: it will
        never become ready, and the step is made again as a new attempt.

        Raises UnknownOperation, StepConflict when the step has no resource.
        """
        with self._write() as conn:
            _require_running(conn, operation_id)
            updated = conn.execute(
                "UPDATE steps SET failure = ?, finished_at = ? WHERE operation_id = ? AND step = ?"
                " AND resource_id IS NOT NULL",
                (status, self._stamp(), operation_id, step),
            ).rowcount
            if updated != 1:
                raise StepConflict(
                    f"step {step!r} of {operation_id} has no resource to mark as {status}"
                )
            _touch(conn, operation_id, self._stamp())

    @_retried_write
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
            _require_running(conn, operation_id)
            self._check_owner(conn, operation_id, owner)
            conn.execute(
                "UPDATE operations SET status = ?, result = ?, error = ?, updated_at = ?,"
                " lease_owner = NULL, lease_pid = NULL, lease_host = NULL, lease_node = NULL,"
                " lease_expires_at = NULL WHERE operation_id = ?",
                (
                    status,
                    None if result is None else _dump(result),
                    error,
                    self._stamp(),
                    operation_id,
                ),
            )

    def cleanup_refusal(
        self, record: OperationRecord, owner: LeaseOwner | None = None
    ) -> str | None:
        """Why the operation cannot be cleaned up now, or None: it is still running (a live
        process holds its lease), another live process is cleaning it up, or it was cleaned
        up already. A cleanup whose process died (its lease expired) can be taken over."""
        operation_id = record.operation_id
        if record.status == "running":
            held = self.live_lease(record)
            if held is None:
                return None  # interrupted: nobody runs it, what it created can go
            return (
                f"operation {operation_id} is still running in ecs-dr-mcp process {held.holder} "
                f"(lease until {_iso(held.expires_at)}): its resources are not all created "
                f"yet. wait_operation(operation_id={operation_id!r}) follows it in that "
                "server; clean it up once it has finished. Nothing was deleted."
            )
        marker = record.cleanup or {}
        by = marker.get("cleanup_operation_id")
        where = f" by {by}" if by else ""
        if record.status == "cleaning_up":
            held = self._held_by_other(record, owner)
            if held is None:
                return None  # its cleanup was interrupted: this one finishes it
            return (
                f"operation {operation_id} is being cleaned up already{where} in ecs-dr-mcp "
                f"process {held.holder} (lease until {_iso(held.expires_at)}): one cleanup "
                f"at a time. get_operation(operation_id={operation_id!r}) shows it; if that "
                "process died, its lease expires by itself and cleanup_recovery then "
                "finishes the cleanup. Nothing was deleted."
            )
        if record.status == "cleaned_up":
            return (
                f"operation {operation_id} was cleaned up already{where}: a cleanup runs "
                f"once. get_operation(operation_id={operation_id!r}) shows what was deleted "
                "and what was left, and why. Nothing was deleted."
            )
        return None

    @_retried_write
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
            if refusal:
                raise CleanupRefused(refusal)
            marker: dict[str, Any] = dict(record.cleanup or {})
            if record.status == "cleaning_up":
                previous = str(marker.get("previous_status") or "completed")
                stale = marker.get("cleanup_operation_id")
                if isinstance(stale, str):
                    self._abandon_cleanup(conn, stale, operation_id)
                    marker["interrupted_cleanups"] = [
                        *marker.get("interrupted_cleanups", []),
                        stale,
                    ]
                marker["cleanup_operation_id"] = cleanup_operation_id
            else:
                previous = record.status
                marker = {"previous_status": previous, "cleanup_operation_id": cleanup_operation_id}
            lease = record.lease
            now = self._stamp()
            claimed = conn.execute(
                "UPDATE operations SET status = 'cleaning_up', cleanup = ?, updated_at = ?,"
                " lease_owner = NULL, lease_pid = NULL, lease_host = NULL, lease_node = NULL,"
                " lease_expires_at = NULL WHERE operation_id = ? AND status = ?"
                " AND (lease_owner IS NULL OR lease_owner IS ? OR lease_owner IS ?"
                " OR lease_expires_at <= ?)",
                (
                    _dump(marker),
                    now,
                    operation_id,
                    record.status,
                    None if owner is None else owner.owner_id,
                    lease.owner_id if lease is not None and _process_gone(lease) else None,
                    now,
                ),
            ).rowcount
            if claimed != 1:  # pragma: no cover - the write lock makes the check above hold
                raise CleanupRefused(f"operation {operation_id} was claimed meanwhile")
            if owner is not None:
                self._lease(conn, operation_id, owner, lease_s)
        return previous

    def _abandon_cleanup(self, conn: sqlite3.Connection, cleanup_id: str, cleaned: str) -> None:
        """Record a cleanup operation whose process died as failed: another one takes over."""
        row = conn.execute(
            "SELECT * FROM operations WHERE operation_id = ?", (cleanup_id,)
        ).fetchone()
        if row is None or row["status"] != "running":
            return
        if self.live_lease(_operation(row, [])) is not None:
            return
        conn.execute(
            "UPDATE operations SET status = 'failed', error = ?, updated_at = ?,"
            " lease_owner = NULL, lease_pid = NULL, lease_host = NULL, lease_node = NULL,"
            " lease_expires_at = NULL WHERE operation_id = ?",
            (
                f"cleanup {cleanup_id} was interrupted: its server stopped before it finished. "
                f"A later cleanup_recovery of {cleaned} took it over; get_operation("
                f"operation_id={cleaned!r}) shows what was deleted.",
                self._stamp(),
                cleanup_id,
            ),
        )

    @_retried_write
    def cleanup_started(self, operation_id: str, cleanup_operation_id: str) -> None:
        """Record which operation runs the cleanup of `operation_id`."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT cleanup FROM operations WHERE operation_id = ?", (operation_id,)
            ).fetchone()
            if row is None:
                raise UnknownOperation(operation_id)
            marker = json.loads(row["cleanup"]) if row["cleanup"] else {}
            marker["cleanup_operation_id"] = cleanup_operation_id
            conn.execute(
                "UPDATE operations SET cleanup = ?, updated_at = ? WHERE operation_id = ?",
                (_dump(marker), self._stamp(), operation_id),
            )

    @_retried_write
    def finish_cleanup(
        self, operation_id: str, cleanup: Mapping[str, Any], owner: LeaseOwner | None = None
    ) -> None:
        """Record the cleanup (what was deleted, what was left and why): `cleaned_up`.

        Raises LeaseLost when `owner` was given and another process took the cleanup over.
        """
        with self._write() as conn:
            status = _require_operation(conn, operation_id)
            if status != "cleaning_up":
                raise CleanupRefused(f"operation {operation_id} is {status}, not cleaning_up")
            self._check_owner(conn, operation_id, owner)
            row = conn.execute(
                "SELECT cleanup FROM operations WHERE operation_id = ?", (operation_id,)
            ).fetchone()
            marker = json.loads(row["cleanup"]) if row["cleanup"] else {}
            # How the operation itself had ended stays known, and any cleanup taken over.
            kept = {
                k: marker[k] for k in ("previous_status", "interrupted_cleanups") if k in marker
            }
            record = {**kept, **cleanup}
            conn.execute(
                "UPDATE operations SET status = 'cleaned_up', cleanup = ?, updated_at = ?,"
                " lease_owner = NULL, lease_pid = NULL, lease_host = NULL, lease_node = NULL,"
                " lease_expires_at = NULL WHERE operation_id = ?",
                (_dump(record), self._stamp(), operation_id),
            )

    @_retried_write
    def release_cleanup(
        self, operation_id: str, previous_status: str, owner: LeaseOwner | None = None
    ) -> None:
        """Undo a claim whose cleanup deleted nothing: the operation is as it was. A claim
        another process has taken over (`owner` given, not its lease) is left alone."""
        with self._write() as conn:
            if _require_operation(conn, operation_id) != "cleaning_up":
                return
            try:
                self._check_owner(conn, operation_id, owner)
            except LeaseLost:
                return
            conn.execute(
                "UPDATE operations SET status = ?, cleanup = NULL, updated_at = ?,"
                " lease_owner = NULL, lease_pid = NULL, lease_host = NULL, lease_node = NULL,"
                " lease_expires_at = NULL WHERE operation_id = ?",
                (previous_status, self._stamp(), operation_id),
            )

    @_retried_write
    def save_plan(
        self, scenario: str, region_id: str | None, plan: Mapping[str, Any], fingerprint: str
    ) -> str:
        """Store a plan; returns its id, "plan-" and 16 hex digits."""
        plan_id = f"plan-{secrets.token_hex(8)}"
        now = self._stamp()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO plans (plan_id, scenario, region_id, plan, fingerprint, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'planned', ?, ?)",
                (plan_id, scenario, region_id, _dump(plan), fingerprint, now, now),
            )
        return plan_id

    def get_plan(self, plan_id: str) -> PlanRecord:
        """The stored plan; raises UnknownPlan (a KeyError)."""
        with self._read() as conn:
            row = conn.execute("SELECT * FROM plans WHERE plan_id = ?", (plan_id,)).fetchone()
        if row is None:
            raise UnknownPlan(plan_id)
        return PlanRecord(
            plan_id=row["plan_id"],
            scenario=row["scenario"],
            region_id=row["region_id"],
            plan=json.loads(row["plan"]),
            fingerprint=row["fingerprint"],
            status=row["status"],
            operation_id=row["operation_id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @_retried_write
    def claim_plan(self, plan_id: str) -> None:
        """Mark a plan executed, once: of two concurrent claims exactly one succeeds.

        Raises UnknownPlan, and PlanAlreadyExecuted naming its operation.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT status, operation_id FROM plans WHERE plan_id = ?", (plan_id,)
            ).fetchone()
            if row is None:
                raise UnknownPlan(plan_id)
            if row["status"] != "planned":
                raise PlanAlreadyExecuted(already_executed(plan_id, row["operation_id"]))
            conn.execute(
                "UPDATE plans SET status = 'executed', updated_at = ? WHERE plan_id = ?",
                (self._stamp(), plan_id),
            )

    @_retried_write
    def plan_operation(self, plan_id: str, operation_id: str) -> None:
        """Record which operation executes the plan."""
        with self._write() as conn:
            conn.execute(
                "UPDATE plans SET operation_id = ?, updated_at = ? WHERE plan_id = ?",
                (operation_id, self._stamp(), plan_id),
            )

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
        return _operation(row, _steps(conn, [operation_id])[operation_id])

    def list(self, limit: int = 50) -> builtins.list[OperationRecord]:
        """The newest operations first, with their steps."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM operations ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (max(limit, 0),),
            ).fetchall()
            steps = _steps(conn, [row["operation_id"] for row in rows])
            return [_operation(row, steps[row["operation_id"]]) for row in rows]

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are begun explicitly, as BEGIN IMMEDIATE.
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        # A recorded intent must survive a power cut: its ClientToken guards the retry.
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as conn, _immediate(conn):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One snapshot for an operation and its steps."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock at BEGIN, waiting out other writers."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    current = 0 if row is None else int(row["version"])
    if current > SCHEMA_VERSION:
        raise JournalError(
            f"the journal {path} has schema version {current}, newer than this ecs-dr-mcp "
            f"understands ({SCHEMA_VERSION}); upgrade ecs-dr-mcp or set {ENV_STATE_DIR} to "
            "another directory"
        )
    for statements in _MIGRATIONS[current:]:
        for statement in statements:
            conn.execute(statement)
    if row is None:
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    elif current != SCHEMA_VERSION:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))


def already_executed(plan_id: str, operation_id: str | None) -> str:
    """Why a plan is not executed again, and where its execution is."""
    where = (
        f"as {operation_id}: get_operation(operation_id={operation_id!r}) shows it"
        if operation_id
        else "already (list_operations shows its operation)"
    )
    return (
        f"{plan_id} was confirmed and executed {where}. A plan runs once, so nothing is "
        "created twice; call plan_recovery for a new plan to recover again."
    )


def _require_operation(conn: sqlite3.Connection, operation_id: str) -> str:
    row = conn.execute(
        "SELECT status FROM operations WHERE operation_id = ?", (operation_id,)
    ).fetchone()
    if row is None:
        raise UnknownOperation(operation_id)
    return str(row["status"])


def _require_running(conn: sqlite3.Connection, operation_id: str) -> None:
    status = _require_operation(conn, operation_id)
    if status != "running":
        raise ValueError(f"operation {operation_id} has already finished ({status})")


def _touch(conn: sqlite3.Connection, operation_id: str, now: str) -> None:
    conn.execute("UPDATE operations SET updated_at = ? WHERE operation_id = ?", (now, operation_id))


def _steps(
    conn: sqlite3.Connection, operation_ids: builtins.list[str]
) -> dict[str, builtins.list[StepRecord]]:
    found: dict[str, builtins.list[StepRecord]] = {op: [] for op in operation_ids}
    if not operation_ids:
        return found
    marks = ", ".join("?" * len(operation_ids))
    rows = conn.execute(
        f"SELECT * FROM steps WHERE operation_id IN ({marks}) ORDER BY operation_id, seq",  # noqa: S608
        operation_ids,
    )
    for row in rows:
        found[row["operation_id"]].append(
            StepRecord(
                step=row["step"],
                action=row["action"],
                client_token=row["client_token"],
                parameters=json.loads(row["parameters"]),
                resource_id=row["resource_id"],
                status=row["status"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                failure=row["failure"],
            )
        )
    return found


def _operation(row: sqlite3.Row, steps: builtins.list[StepRecord]) -> OperationRecord:
    return OperationRecord(
        operation_id=row["operation_id"],
        kind=row["kind"],
        status=row["status"],
        region_id=row["region_id"],
        arguments=json.loads(row["arguments"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        steps=steps,
        result=None if row["result"] is None else json.loads(row["result"]),
        error=row["error"],
        cleanup=None if row["cleanup"] is None else json.loads(row["cleanup"]),
        lease=None
        if row["lease_owner"] is None
        else Lease(
            owner_id=row["lease_owner"],
            pid=row["lease_pid"],
            host=row["lease_host"],
            node=row["lease_node"] or "",
            expires_at=row["lease_expires_at"],
        ),
    )


def _iso(when: datetime) -> str:
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


def _process_gone(lease: LeaseOwner) -> bool:
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


def _not_resumable(record: OperationRecord) -> str | None:
    """Why an operation's status rules resuming it out, and what to do instead; or None."""
    op = record.operation_id
    look = f"get_operation(operation_id={op!r})"
    reasons = {
        "completed": (
            f"operation {op} is completed: there is nothing to resume. {look} shows its "
            f"result; cleanup_recovery(operation_id={op!r}) deletes what it created once the "
            "drill is over."
        ),
        "cancelled": (
            f"operation {op} is cancelled: a cancelled operation is not resumed. {look} shows "
            "what it created; cleanup_recovery deletes that, and plan_recovery makes a new "
            "plan to run the recovery again."
        ),
        "cleaning_up": (
            f"operation {op} is cleaning_up: its resources are being deleted, so it cannot be "
            f"resumed. {look} shows the cleanup; if that cleanup was interrupted, "
            f"cleanup_recovery(operation_id={op!r}) finishes it."
        ),
        "cleaned_up": (
            f"operation {op} is cleaned_up: what it created was deleted, so it cannot be "
            f"resumed. {look} shows what was deleted; plan_recovery makes a new plan to run "
            "the recovery again."
        ),
    }
    return reasons.get(record.status)


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(_redact(to_jsonable_python(dict(value))), sort_keys=True)


def _redact(value: Any) -> Any:
    """Drop the value of every credential-shaped key, at any depth."""
    if isinstance(value, dict):
        return {
            k: REDACTED if _CREDENTIAL_KEY.search(str(k)) else _redact(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value
