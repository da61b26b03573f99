"""The state directory and the journal are the server user's alone: plans, arguments and
resource ids are no other local user's to read.

The modes are read with os.stat from real files, made under the common umask 022 (which
leaves new files readable by everyone); SQLite's -wal and -shm files exist only while a
connection is open, so a reader holds one while the journal writes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ecs_dr.workflows.journal import Journal
from tests.support.credentials import SANDBOX_CREDENTIALS
from tests.support.mcp import START_TIMEOUT_S, server_environment

COMMON_UMASK = 0o022


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def common_umask() -> Iterator[None]:
    previous = os.umask(COMMON_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("common_umask")
def test_a_new_state_directory_journal_and_its_wal_and_shm_files_are_owner_only(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    path = state / "journal.sqlite3"
    journal = Journal(path)

    with closing(sqlite3.connect(path)) as reader:
        reader.execute("SELECT count(*) FROM operations").fetchone()
        journal.create_operation("execute_recovery", "cn-hangzhou", {"plan_id": "plan-1"})
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert {p.name: oct(mode(p)) for p in (path, wal, shm)} == {
            "journal.sqlite3": "0o600",
            "journal.sqlite3-wal": "0o600",
            "journal.sqlite3-shm": "0o600",
        }
    assert oct(mode(state)) == "0o700"


@pytest.mark.usefixtures("common_umask")
def test_a_state_directory_and_journal_made_wider_before_are_tightened_and_logged(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    path = state / "journal.sqlite3"
    Journal(path)
    path.chmod(0o644)
    state.chmod(0o755)

    with capture_logs() as logs:
        Journal(path)

    assert (oct(mode(state)), oct(mode(path))) == ("0o700", "0o600")
    tightened = {(e["event"], e["path"], e["mode_was"], e["mode_now"]) for e in logs}
    assert tightened == {
        ("state_dir_permissions_tightened", str(state), "0755", "0700"),
        ("journal_permissions_tightened", str(path), "0644", "0600"),
    }
    with capture_logs() as again:
        Journal(path)
    assert again == []


def test_serve_creates_its_state_directory_and_journal_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    environment = server_environment(state, SANDBOX_CREDENTIALS)

    # stdin closed: the server starts, opens its journal, and ends.
    done = subprocess.run(
        [sys.executable, "-m", "ecs_dr.cli", "serve", "--sandbox"],
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=START_TIMEOUT_S * 2,
        umask=COMMON_UMASK,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert (oct(mode(state)), oct(mode(state / "journal.sqlite3"))) == ("0o700", "0o600")
