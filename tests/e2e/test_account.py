"""describe_account through a real MCP client: the sandbox's account as its STS answers it, the
credential's kind and never its value; and every confirmation of a change naming the account
and region it acts in."""

from __future__ import annotations

import json
from pathlib import Path

import mcp_types as types

from ecs_dr.sandbox.responses.sts import DEMO_ACCOUNT_ID
from tests.e2e.test_decision_protocol import plan_disk
from tests.support.credentials import SANDBOX_CREDENTIALS
from tests.support.demo_world import DB_LOG, IN_DEMO_ACCOUNT, REGION
from tests.support.mcp import Answer, Elicitations, decline, mcp_session, mcp_session_on
from tests.support.sandboxes import sandbox_process


def assert_no_credential_value(answer: Answer) -> None:
    shown = answer.text + json.dumps(answer)
    for name, value in SANDBOX_CREDENTIALS.items():
        assert value not in shown, name


async def test_describe_account_answers_the_sandboxs_account_and_the_credentials_kind(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        answer = await served.call("describe_account")
        again = await served.call("describe_account")
        sts_calls = served.sandbox.calls("GetCallerIdentity")
    assert answer["status"] == "completed"
    assert answer["account_id"] == DEMO_ACCOUNT_ID
    assert answer["arn"] == f"acs:ram::{DEMO_ACCOUNT_ID}:user/ecs-dr-sandbox"
    assert answer["credential"] == "sts"
    assert answer["default_region"] == REGION
    assert answer["endpoint"].startswith("127.0.0.1:")
    assert answer["read_only"] is False
    assert DEMO_ACCOUNT_ID in answer.text
    assert_no_credential_value(answer)
    assert again["account_id"] == DEMO_ACCOUNT_ID
    assert len(sts_calls) == 1, "the identity is asked of STS once per process"


async def test_describe_account_says_the_server_is_read_only(tmp_path: Path) -> None:
    async with mcp_session(tmp_path, read_only=True) as served:
        answer = await served.call("describe_account")
    assert answer["read_only"] is True
    assert answer["account_id"] == DEMO_ACCOUNT_ID


async def test_the_default_chain_reaches_sts_at_the_sandbox_and_is_named_by_kind(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        async with mcp_session_on(sandbox, tmp_path, "chain") as (served, _):
            answer = await served.call("describe_account")
    assert answer["account_id"] == DEMO_ACCOUNT_ID
    assert answer["credential"] == "sts"
    assert answer.get("profile") is None
    assert_no_credential_value(answer)


async def test_an_sts_failure_answers_what_is_known_with_the_account_unknown(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        served.sandbox.add_fault(
            {"kind": "error", "action": "GetCallerIdentity", "code": "Forbidden.RAM"}
        )
        answer = await served.call("describe_account")
        asked = await served.call("create_snapshot", {"disk_id": DB_LOG})
    assert answer["status"] == "completed"
    assert answer.get("account_id") is None
    assert "Forbidden.RAM" in answer["error"]
    assert answer["default_region"] == REGION
    assert "Traceback" not in answer.text
    (prompt,) = asked["decisions"]
    assert prompt["question"].startswith(f"In account unknown ({REGION}): ")


async def test_a_confirmation_without_forms_names_the_account_and_region(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        asked = await served.call("create_snapshot", {"disk_id": DB_LOG})
        plan_id = await plan_disk(served, DB_LOG)
        execute = await served.call("execute_recovery", {"plan_id": plan_id})
    for answer in (asked, execute):
        (prompt,) = answer["decisions"]
        assert prompt["question"].startswith(IN_DEMO_ACCOUNT), prompt["question"]
        assert prompt["context"]["account_id"] == DEMO_ACCOUNT_ID
        assert IN_DEMO_ACCOUNT in answer.text


async def test_a_confirmation_form_names_the_account_and_region(tmp_path: Path) -> None:
    forms = Elicitations(decline)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        declined = await served.call("create_snapshot", {"disk_id": DB_LOG})
    assert declined["status"] == "cancelled"
    (form,) = forms.seen
    assert isinstance(form, types.ElicitRequestFormParams)
    assert form.message.startswith(IN_DEMO_ACCOUNT), form.message
