"""The server as the MCP ecosystem's own tools see it: the MCP Inspector CLI (tools/list with its
schema portability check, a read-only tools/call whose result it checks against the tool's
output schema), the official conformance suite's server scenarios, and every tool schema
compiled by ajv in its default strict mode.

They run on Node 22 with the npm packages `make conformance` installs into .venv/node (the
network, once; ECS_DR_NODE_TOOLS names another folder). Without them every test here is
skipped, so the suite and CI run without the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecs_dr.tools import TOOLS
from tests.support.demo_world import DB_INSTANCE
from tests.support.http_servers import http_server
from tests.support.sandboxes import TEST_TIME_SCALE

ROOT = Path(__file__).resolve().parents[2]
NODE_TOOLS = Path(os.environ.get("ECS_DR_NODE_TOOLS", ROOT / ".venv" / "node")).resolve()
BIN = NODE_TOOLS / "node_modules" / ".bin"
CONFORMANCE = ROOT / "tests" / "conformance"
SERVER = Path(sys.executable).parent / "ecs-dr-mcp"
MIN_NODE_MAJOR = 22
RUN_TIMEOUT_S = 300


def _node() -> str | None:
    """A node of at least MIN_NODE_MAJOR: the one installed beside the packages, else PATH's."""
    for candidate in (str(BIN / "node"), shutil.which("node")):
        if candidate is None or not Path(candidate).exists():
            continue
        version = subprocess.run(
            [candidate, "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.match(r"v(\d+)\.", version)
        if match and int(match.group(1)) >= MIN_NODE_MAJOR:
            return candidate
    return None


NODE = _node()
pytestmark = pytest.mark.skipif(
    NODE is None
    or not all((BIN / tool).exists() for tool in ("inspector", "conformance"))
    or not (NODE_TOOLS / "node_modules" / "ajv-formats").exists(),
    reason="needs Node >= 22 and the npm packages `make conformance` installs into .venv/node",
)


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A node tool, with this node first on PATH (the packages' scripts start `env node`)."""
    assert NODE is not None
    path = f"{Path(NODE).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        [NODE, *command],
        cwd=cwd,
        env={**os.environ, "PATH": path},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def inspector(workdir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`inspector --cli` on `ecs-dr-mcp serve --sandbox` over stdio, its state in `workdir`.
    The server command comes first: `--tool-arg` takes every value after it."""
    server = [str(SERVER), "serve", "--sandbox"]
    env = [f"ECS_DR_STATE_DIR={workdir / 'state'}", f"ECS_DR_SANDBOX_TIME_SCALE={TEST_TIME_SCALE}"]
    settings = [part for setting in env for part in ("-e", setting)]
    return _run([str(BIN / "inspector"), "--cli", *server, *settings, *options], workdir)


def listed_tools(workdir: Path) -> list[dict[str, Any]]:
    listed = inspector(workdir, "--method", "tools/list", "--strict")
    # --strict exits 6 on a schema portability error, and prints each finding on stderr.
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert not re.search(r"^(Error|Warning): tool", listed.stderr, re.MULTILINE), listed.stderr
    tools: list[dict[str, Any]] = json.loads(listed.stdout)["tools"]
    return tools


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """tools/list as the Inspector receives it, its portability check passed."""
    return listed_tools(tmp_path_factory.mktemp("listed"))


@pytest.fixture(scope="module")
def ajv_report(
    tools: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict[str, str]]]:
    """Every schema compiled by ajv, plain and with ajv-formats (ajv_strict.mjs)."""
    workdir = tmp_path_factory.mktemp("ajv")
    listing = workdir / "tools.json"
    listing.write_text(json.dumps({"tools": tools}))
    compiled = _run([str(CONFORMANCE / "ajv_strict.mjs"), str(listing), str(NODE_TOOLS)], workdir)
    assert compiled.returncode == 0, compiled.stderr
    report: dict[str, list[dict[str, str]]] = json.loads(compiled.stdout)
    return report


def test_the_inspector_lists_portable_tools_and_checks_a_call_against_its_output_schema(
    tools: list[dict[str, Any]], tmp_path: Path
) -> None:
    called = inspector(
        tmp_path,
        "--method",
        "tools/call",
        "--tool-name",
        "describe_source",
        "--tool-arg",
        f"instance_id={DB_INSTANCE}",
    )

    assert {tool["name"] for tool in tools} == {entry.name for entry in TOOLS}
    # A result that breaks its tool's output schema is the Inspector's error (exit 1).
    assert called.returncode == 0, called.stdout + called.stderr
    result = json.loads(called.stdout)
    assert result.get("isError") is not True
    assert result["structuredContent"]["status"] == "completed"


def test_the_inspector_takes_a_refused_argument_as_a_tool_error(tmp_path: Path) -> None:
    called = inspector(
        tmp_path,
        "--method",
        "tools/call",
        "--tool-name",
        "check_target_zone",
        "--tool-arg",
        "instance_id=pay-db-primary",
        "target_zone_id=cn-hangzhou-i",
    )
    # A tool error is exit 5, with the result printed.
    assert called.returncode == 5, called.stdout + called.stderr
    result = json.loads(called.stdout)
    assert result["isError"] is True
    assert result["structuredContent"]["status"] == "failed"


def test_the_conformance_suite_finds_no_failure_that_is_the_servers(tmp_path: Path) -> None:
    """Every scenario, pending ones included; those that fail for a reason not the server's
    are listed, each with the reason, in tests/conformance/expected-failures.yml."""
    with http_server(tmp_path) as server:
        suite = _run(
            [
                str(BIN / "conformance"),
                "server",
                "--url",
                server.url,
                "--suite",
                "all",
                "--expected-failures",
                str(CONFORMANCE / "expected-failures.yml"),
                "-o",
                str(tmp_path / "results"),
            ],
            tmp_path,
        )
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert "Baseline check passed" in suite.stdout


def test_every_schema_compiles_under_ajv_strict_mode_as_the_sdks_load_it(
    ajv_report: dict[str, list[dict[str, str]]],
) -> None:
    """ajv-formats loaded, as the MCP SDKs' validators do: no error and no strict-mode warning."""
    assert ajv_report["with_formats"] == []


def test_every_schema_compiles_under_plain_ajv_strict_mode(
    ajv_report: dict[str, list[dict[str, str]]],
) -> None:
    assert ajv_report["plain"] == []


def test_every_input_schema_compiles_under_plain_ajv_strict_mode(
    ajv_report: dict[str, list[dict[str, str]]],
) -> None:
    inputs = [problem for problem in ajv_report["plain"] if problem["schema"] == "inputSchema"]
    assert inputs == []
