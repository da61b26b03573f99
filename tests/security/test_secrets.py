"""No credential reaches a tool result, an error, a progress message or a log line, even at
DEBUG level and when ECS refuses the credential. Every server of an MCP session
(tests/support/mcp.py) is scanned for its credentials when its context ends (`SECRET_SCAN`);
these tests force the paths where a credential is most likely to slip out, and check that the
scan itself finds a planted one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecs_dr.bootstrap import build_services
from ecs_dr.sandbox.control import SandboxControl
from tests.support.credentials import (
    SANDBOX_CREDENTIALS,
    SANDBOX_KEY_ID,
    SANDBOX_KEY_SECRET,
    credentials_of,
)
from tests.support.decisions import decide
from tests.support.demo_world import DB_INSTANCE, TARGET_INSTANCE
from tests.support.mcp import mcp_session, mcp_session_on
from tests.support.sandboxes import sandbox_process
from tests.support.secret_scan import SECRET_SCAN, SecretScan, Transcript

DEBUG = ("--log-level", "DEBUG")
# Refused by the sandbox: real-looking, and different from what it accepts.
WRONG_SECRET = "Wq7NvB2xKd9TfR4mLs8ZcY3hPj6GeA"
UNKNOWN_KEY_ID = "LTAI5tUnknownKey9aB3xQ7m"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxControl]:
    with sandbox_process(tmp_path_factory.mktemp("sandbox")) as control:
        yield control


@pytest.mark.parametrize(
    ("setting", "value", "code"),
    [
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", WRONG_SECRET, "SignatureDoesNotMatch"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", UNKNOWN_KEY_ID, "InvalidAccessKeyId.NotFound"),
    ],
)
async def test_a_refused_credential_at_debug_level_shows_its_code_but_no_credential(
    cloud: SandboxControl, tmp_path: Path, setting: str, value: str, code: str
) -> None:
    cloud.reset()
    scanned = SECRET_SCAN.servers
    async with mcp_session_on(cloud, tmp_path, "refused", {setting: value}, DEBUG) as (served, _):
        error = await served.fail("describe_source", {"instance_id": DB_INSTANCE})
        listed = await served.call("list_operations")
        log = served.log_lines()
    assert code in error
    assert listed is not None
    # The default chain took the STS token from the environment and sent it.
    assert all(r["security_token"] for r in cloud.requests())
    assert any(line["level"] == "debug" for line in log), "the server logged at DEBUG"
    assert [r["code"] for r in cloud.requests() if r["code"]] == [code]
    # mcp_session_on's exit scanned the log, the results and the progress messages for both the
    # configured value and the sandbox's real credentials, and found none.
    assert SECRET_SCAN.servers == scanned + 1


async def test_a_recovery_at_debug_level_signed_with_an_sts_token_leaks_no_credential(
    tmp_path: Path,
) -> None:
    scanned = SECRET_SCAN.progress_messages
    async with mcp_session(tmp_path, args=DEBUG) as served:
        planned, _ = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "disks",
                "source_instance_id": DB_INSTANCE,
                "target_instance_id": TARGET_INSTANCE,
            },
        )
        executed, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        assert executed["status"] == "completed", executed
        cleanup = await served.call("cleanup_recovery", {"operation_id": executed["operation_id"]})
        assert cleanup["status"] == "completed", cleanup
        assert any(line["level"] == "debug" for line in served.log_lines())
        signed = {(r["access_key_id"], r["security_token"]) for r in served.sandbox.requests()}
    # Every API request carried the token (the sandbox logs that one came, not its value)...
    assert signed == {(SANDBOX_KEY_ID, True)}
    # ...and the scan at serve's exit, the operation's progress messages included, found it
    # nowhere, nor the key id or secret.
    assert SECRET_SCAN.progress_messages > scanned


def test_a_real_cloud_server_signs_through_the_default_chain_and_its_gateway_says_so(
    tmp_path: Path,
) -> None:
    environ = {"HOME": str(tmp_path), "ECS_DR_STATE_DIR": str(tmp_path / "state")}
    with build_services(sandbox=False, environ=environ) as services:
        assert "credentials='default chain'" in repr(services.gateway)


def test_the_scan_names_where_a_credential_appeared_without_showing_it(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(f'{{"event": "ok"}}\n{{"event": "signed with {SANDBOX_KEY_SECRET}"}}\n')
    transcript = Transcript(
        results=[("describe_source", f'{{"text": "key {SANDBOX_KEY_ID}"}}')],
        progress=[("execute_recovery", "copying disk 1 of 2")],
    )
    scan = SecretScan()
    with pytest.raises(AssertionError) as caught:
        scan.check(credentials_of(SANDBOX_CREDENTIALS), log, transcript)
    said = str(caught.value)
    assert "server.log line 2: the sandbox's ALIBABA_CLOUD_ACCESS_KEY_SECRET" in said
    assert "tool result 1 (describe_source): the sandbox's ALIBABA_CLOUD_ACCESS_KEY_ID" in said
    assert "progress message" not in said
    assert SANDBOX_KEY_SECRET not in said and SANDBOX_KEY_ID not in said
    assert (scan.found, scan.log_lines, scan.results, scan.progress_messages) == (2, 2, 1, 1)
