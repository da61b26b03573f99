"""The journal's file: where it lives, who may read it, its schema and its connections.

DBOS's SQLite habits apply: WAL, a busy timeout, immediate transactions (writers queue
instead of failing mid-transaction) and a schema-version table. Each call opens its own
short-lived connection, so a Journal is safe to share between threads, and several server
processes can share one file.

A write that SQLite refuses for a moment (a full or read-only disk, an I/O error) is tried
again for a few seconds before it fails: each write is one transaction, so trying it again
never records half of it. The state directory and the journal are the server user's alone
(0700, 0600; SQLite gives the -wal and -shm files the journal's own mode): plans and resource
ids are nobody else's business.
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import ParamSpec, TypeVar

import stamina
import structlog

from ecs_dr.workflows.journal.errors import JournalError

ENV_STATE_DIR = "ECS_DR_STATE_DIR"
APP_DIR = "ecs-dr-mcp"
JOURNAL_FILE = "journal.sqlite3"
# Other writers hold the lock for milliseconds; wait for them rather than fail.
BUSY_TIMEOUT_MS = 10_000
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


# The steps table as migration 1 made it; migration 5 rebuilds it with a `failure` column.
_STEP_COLUMNS = """
            operation_id TEXT NOT NULL REFERENCES operations (operation_id),
            seq INTEGER NOT NULL,
            step TEXT NOT NULL,
            action TEXT NOT NULL,
            client_token TEXT NOT NULL,
            parameters TEXT NOT NULL,
            resource_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('started', 'created')),
            started_at TEXT NOT NULL,
            finished_at TEXT,"""
_STEP_KEYS = """
            PRIMARY KEY (operation_id, step),
            UNIQUE (operation_id, seq)
        )"""

# Migration n (1-based) brings the schema from version n-1 to n. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
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
        f"CREATE TABLE steps ({_STEP_COLUMNS}{_STEP_KEYS}",
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
        f"CREATE TABLE steps_v5 ({_STEP_COLUMNS}\n            failure TEXT,{_STEP_KEYS}",
        "INSERT INTO steps_v5 (operation_id, seq, step, action, client_token, parameters,"
        " resource_id, status, started_at, finished_at) SELECT operation_id, seq, step, action,"
        " client_token, parameters, resource_id, status, started_at, finished_at FROM steps",
        "DROP TABLE steps",
        "ALTER TABLE steps_v5 RENAME TO steps",
    ),
    # When an operation ended (completed, failed or cancelled): updated_at moves on with its
    # cleanup, and a drill report measures the RTO to the end.
    ("ALTER TABLE operations ADD COLUMN finished_at TEXT",),
)
SCHEMA_VERSION = len(MIGRATIONS)


log = structlog.get_logger("ecs_dr.workflows.journal")
_P = ParamSpec("_P")
_R = TypeVar("_R")


def retried_write(write: Callable[_P, _R]) -> Callable[_P, _R]:
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


def use_wal(conn: sqlite3.Connection) -> None:
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


def make_private(path: Path) -> None:
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


def check_intact(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick check of every page: a truncated or damaged file is found at start, not
    halfway through an operation. Raises sqlite3.DatabaseError or JournalError."""
    found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
    if found != ["ok"]:
        raise JournalError(damaged(path, "; ".join(found)))


def damaged(path: Path, why: str) -> str:
    return (
        f"the journal {path} is damaged or not an ecs-dr-mcp journal ({why}). It was left as "
        "it is: it may be the only record of the resources earlier operations created. Move "
        f"it aside and keep it (mv {path} {path}.damaged-$(date -u +%Y%m%dT%H%M%SZ), and its "
        "-wal file with it if there is one), then start again for a new journal; or set "
        f"{ENV_STATE_DIR} to another directory"
    )


def os_error(exc: OSError) -> str:
    """The error's own words and the path it names, without Python's errno prefix."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def open_journal(path: Path) -> None:
    """Create the journal at `path` owner-only (and its directory), check every page and
    bring its schema up to date.

    A journal that is damaged, truncated or no SQLite file at all is refused, never
    replaced: it may be the only record of the resources earlier operations created and
    of the ClientTokens that keep their retries from creating twice, so whether to keep
    it aside and begin anew is the operator's call (the message says how), not the
    server's.

    Raises JournalError naming the path, what is wrong and what to do.
    """
    try:
        make_private(path)
    except OSError as exc:
        raise JournalError(
            f"the state directory {path.parent} cannot hold the journal ({os_error(exc)}); "
            f"set {ENV_STATE_DIR} to a directory this user can create and write"
        ) from None
    try:
        with closing(connect(path)) as conn:
            check_intact(conn, path)
            use_wal(conn)
            # A migration may rebuild a table that steps refer to (SQLite's documented way
            # to change a table); the rows are checked before it commits.
            conn.execute("PRAGMA foreign_keys=OFF")
            with immediate(conn):
                migrate(conn, path)
                if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise JournalError(damaged(path, "steps without their operation"))
    except sqlite3.OperationalError as exc:
        raise JournalError(
            f"the journal {path} cannot be opened for writing ({exc}); free the disk or "
            f"make it writable, or set {ENV_STATE_DIR} to another directory"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise JournalError(damaged(path, str(exc))) from None


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun explicitly, as BEGIN IMMEDIATE.
    conn = sqlite3.connect(
        path,
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
def write_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One connection in one immediate transaction, committed when the block ends."""
    with closing(connect(path)) as conn, immediate(conn):
        yield conn


@contextmanager
def read_snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """One snapshot for an operation and its steps."""
    with closing(connect(path)) as conn:
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock at BEGIN, waiting out other writers."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    current = 0 if row is None else int(row["version"])
    if current > SCHEMA_VERSION:
        raise JournalError(
            f"the journal {path} has schema version {current}, newer than this ecs-dr-mcp "
            f"understands ({SCHEMA_VERSION}); upgrade ecs-dr-mcp or set {ENV_STATE_DIR} to "
            "another directory"
        )
    for statements in MIGRATIONS[current:]:
        for statement in statements:
            conn.execute(statement)
    if row is None:
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    elif current != SCHEMA_VERSION:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
