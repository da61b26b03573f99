"""`ecs-dr-mcp serve` with a journal it cannot use: it does not start, and says why and where.

Each server is the real command line in a child process (`serve --sandbox`, ECS_DR_STATE_DIR
set), as an MCP host starts it; stdin is closed, so a server that does start ends at once.
A damaged journal is never replaced: its bytes are the same after the refusal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecs_dr.workflows.journal import Journal
from tests.support.credentials import SANDBOX_CREDENTIALS, credentials_of
from tests.support.mcp import START_TIMEOUT_S, server_environment
from tests.support.secret_scan import SECRET_SCAN, Transcript

CONFIG_ERROR_EXIT = 2


def serve(state_dir: Path, log_path: Path) -> tuple[int, list[dict[str, Any]]]:
    """Start the server on `state_dir` until it ends; its exit code and JSON log lines."""
    environment = server_environment(state_dir, SANDBOX_CREDENTIALS)
    with log_path.open("w") as errlog:
        done = subprocess.run(
            [sys.executable, "-m", "ecs_dr.cli", "serve", "--sandbox"],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errlog,
            timeout=START_TIMEOUT_S * 2,
            check=False,
        )
    SECRET_SCAN.check(credentials_of(environment), log_path, Transcript())
    text = log_path.read_text()
    assert "Traceback" not in text
    assert done.stdout == b"", "stdout belongs to the protocol"
    return done.returncode, [json.loads(line) for line in text.splitlines() if line]


def refusal(lines: list[dict[str, Any]]) -> str:
    """The one error line the server ends with."""
    [error] = [line for line in lines if line["level"] in ("error", "critical")]
    assert error["event"] == "server.config_error"
    return str(error["error"])


def a_journal_with_operations(path: Path) -> None:
    journal = Journal(path)
    for n in range(20):
        op = journal.create_operation("execute_recovery", "cn-hangzhou", {"n": "x" * 400})
        journal.record_intent(op, "image", "CreateImage", f"tok-{n}", {"ImageName": "y" * 400})


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        ("text", "file is not a database"),
        ("truncated", "database disk image is malformed"),
    ],
)
def test_a_damaged_journal_is_kept_as_it_is_and_the_server_says_what_to_do(
    tmp_path: Path, damage: str, why: str
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    journal = state / "journal.sqlite3"
    if damage == "text":
        journal.write_text("operations I meant to keep, in a text editor\n" * 20)
    else:
        a_journal_with_operations(journal)
        whole = journal.read_bytes()
        journal.write_bytes(whole[: len(whole) // 2])
    before = journal.read_bytes()

    code, lines = serve(state, tmp_path / "server.log")

    assert code == CONFIG_ERROR_EXIT
    message = refusal(lines)
    assert message.startswith(
        f"the journal {journal} is damaged or not an ecs-dr-mcp journal ({why}). It was left "
        "as it is"
    )
    assert f"mv {journal} {journal}.damaged-" in message
    assert "ECS_DR_STATE_DIR" in message
    assert journal.read_bytes() == before
    assert sorted(p.name for p in state.iterdir()) == ["journal.sqlite3"]

    # Moved aside as the message says, the journal is kept and a new one begins.
    journal.rename(state / "journal.sqlite3.damaged-20261206T040000Z")
    code, lines = serve(state, tmp_path / "restarted.log")
    assert code == 0, lines
    assert (state / "journal.sqlite3.damaged-20261206T040000Z").read_bytes() == before
    assert Journal(journal).list() == []


def test_a_state_directory_that_is_a_file_is_named_and_the_server_does_not_start(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.write_text("a file where the state directory should be\n")

    code, lines = serve(state, tmp_path / "server.log")

    assert code == CONFIG_ERROR_EXIT
    assert refusal(lines) == (
        f"the state directory {state} cannot hold the journal (it is a file, not a directory: "
        f"{state}); set ECS_DR_STATE_DIR to a directory this user can create and write"
    )
    assert state.read_text() == "a file where the state directory should be\n"


def test_a_state_directory_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    # sysfs refuses a new directory even to root, for whom a chmod blocks nothing.
    if not Path("/sys/kernel").is_dir():
        pytest.skip("needs sysfs mounted at /sys")
    state = Path("/sys/ecs-dr-mcp-test/state")

    code, lines = serve(state, tmp_path / "server.log")

    assert code == CONFIG_ERROR_EXIT
    message = refusal(lines)
    assert message.startswith(f"the state directory {state} cannot hold the journal (")
    assert "/sys/ecs-dr-mcp-test" in message
    assert message.endswith("set ECS_DR_STATE_DIR to a directory this user can create and write")
