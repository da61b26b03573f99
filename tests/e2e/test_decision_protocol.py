"""The decision protocol through a real MCP client, on both protocol generations, with a tool
whose questions depend on earlier answers the way run_dr_instance's do (a choice, then the
confirmation of the parameters that choice shaped); then through ecs-dr-mcp itself, that a
confirmation is the user's: only from the form when the client shows forms, else only under
the id of the prompt this server process showed for these parameters."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

from ecs_dr.domain.decisions import chosen, confirm_prompt
from ecs_dr.domain.prompts import vswitch_missing_prompt
from ecs_dr.sandbox.control import SandboxControl
from ecs_dr.tools.decisions import DecisionFlow, DecisionsArg, Settled, open_prompts
from tests.support.decisions import decide
from tests.support.demo_world import DB_DATA, DB_INSTANCE, DB_LOG, TARGET_INSTANCE
from tests.support.mcp import (
    START_TIMEOUT_S,
    Elicitations,
    Session,
    decline,
    mcp_session,
    mcp_session_on,
    recommended,
)
from tests.support.sandboxes import sandbox_process

JUNE_2025 = "2025-06-18"
GENERATIONS = [
    pytest.param("legacy", "2025-11-25", id="2025-11-25"),
    pytest.param("2026-07-28", "2026-07-28", id="2026-07-28"),
]


async def questions(
    ctx: Context[Any, Any], arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[Any]:
    where = vswitch_missing_prompt(arguments["zone"], "vpc-1", ["zone-b"])
    answer = chosen(where, answers)
    if answer is None:
        return [where]
    return open_prompts(
        [confirm_prompt("RunInstances", {"Zone": arguments["zone"], "Choice": answer})], answers
    )


FLOW = DecisionFlow("launch", ("zone", "decisions"), questions)


class Launched(BaseModel):
    answers: dict[str, str]
    stopped: str | None


async def launch(
    zone: str,
    ctx: Context[Any, Any],
    settled: Annotated[Settled, FLOW.resolve],
    decisions: DecisionsArg = None,
) -> Launched:
    """A stand-in for a creating tool: reports what the rounds settled."""
    return Launched(answers=dict(settled.answers), stopped=settled.stopped)


def server() -> MCPServer[Any]:
    app: MCPServer[Any] = MCPServer("decisions")
    app.add_tool(launch)
    return app


async def call(forms: Elicitations | None, mode: str, arguments: dict[str, Any]) -> tuple[str, Any]:
    async with Client(server(), mode=mode, elicitation_callback=forms) as client:
        result = await client.call_tool("launch", arguments)
        return client.protocol_version, result


@pytest.mark.parametrize(("mode", "version"), GENERATIONS)
async def test_each_round_asks_what_the_previous_answers_left_open(mode: str, version: str) -> None:
    forms = Elicitations(recommended)
    negotiated, result = await call(forms, mode, {"zone": "zone-a"})
    assert negotiated == version
    assert not result.is_error, result.content
    answers = result.structured_content["answers"]
    confirm = next(k for k in answers if k.startswith("confirm_RunInstances_"))
    assert answers == {"vswitch_zone-a": "create_vswitch", confirm: "proceed"}
    assert result.structured_content["stopped"] is None
    assert len(forms.seen) == 2
    assert "Choice: create_vswitch" in forms.seen[1].message


async def test_a_form_is_a_titled_single_choice_with_the_recommended_option_first() -> None:
    forms = Elicitations(recommended)
    await call(forms, "legacy", {"zone": "zone-a"})
    params = forms.seen[0]
    assert isinstance(params, types.ElicitRequestFormParams)
    schema = params.requested_schema
    assert schema["required"] == ["vswitch_zone-a"]
    field = schema["properties"]["vswitch_zone-a"]
    assert field["type"] == "string"
    assert field["default"] == "create_vswitch"
    assert [o["const"] for o in field["oneOf"]] == ["create_vswitch", "zone:zone-b", "cancel"]
    assert field["oneOf"][0]["title"].startswith("Create a VSwitch in zone-a (Recommended)")
    assert "enum" not in field and "enumNames" not in field
    assert "no VSwitch in zone-a" in params.message


async def test_a_2025_06_18_form_is_that_versions_titled_enum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The client offers 2025-06-18 in its handshake, as a client of that version does.
    monkeypatch.setattr("mcp.client.session.LATEST_HANDSHAKE_VERSION", JUNE_2025)
    forms = Elicitations(recommended)
    negotiated, result = await call(forms, "legacy", {"zone": "zone-a"})
    assert negotiated == JUNE_2025
    assert not result.is_error, result.content
    assert set(result.structured_content["answers"].values()) == {"create_vswitch", "proceed"}
    params = forms.seen[0]
    assert isinstance(params, types.ElicitRequestFormParams)
    field = params.requested_schema["properties"]["vswitch_zone-a"]
    assert set(field) == {"type", "title", "description", "enum", "enumNames"}
    assert field["enum"] == ["create_vswitch", "zone:zone-b", "cancel"]
    assert field["enumNames"][0].startswith("Create a VSwitch in zone-a (Recommended)")
    assert len(field["enumNames"]) == len(field["enum"])


@pytest.mark.parametrize(("mode", "version"), GENERATIONS)
async def test_a_client_without_elicitation_is_never_sent_a_form(mode: str, version: str) -> None:
    _, result = await call(None, mode, {"zone": "zone-a"})
    assert result.structured_content == {"answers": {}, "stopped": None}


@pytest.mark.parametrize(("mode", "version"), GENERATIONS)
async def test_declining_stops_before_the_tool_body_acts(mode: str, version: str) -> None:
    forms = Elicitations(decline)
    _, result = await call(forms, mode, {"zone": "zone-a"})
    assert result.structured_content["stopped"] == "decline"
    assert len(forms.seen) == 1


async def test_choosing_cancel_in_a_form_stops() -> None:
    def cancel(params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"vswitch_zone-a": "cancel"})

    _, result = await call(Elicitations(cancel), "legacy", {"zone": "zone-a"})
    assert result.structured_content["stopped"] == "cancel"


async def test_answers_given_as_arguments_are_not_asked_again() -> None:
    forms = Elicitations(recommended)
    _, result = await call(
        forms, "legacy", {"zone": "zone-a", "decisions": {"vswitch_zone-a": "zone:zone-b"}}
    )
    assert [f.message.split()[0] for f in forms.seen] == ["RunInstances"]
    assert result.structured_content["answers"]["vswitch_zone-a"] == "zone:zone-b"


async def test_a_form_answer_outside_the_options_is_refused() -> None:
    def invent(params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"vswitch_zone-a": "build a bridge"})

    _, result = await call(Elicitations(invent), "legacy", {"zone": "zone-a"})
    assert result.is_error


# --- confirmations: the user's, never the model's (through ecs-dr-mcp itself) ---------------

MUTATING = ("Create", "Attach", "Run", "Delete", "Tag", "Modify", "Stop", "Reboot")
FORM_ONLY = (
    "this client can show the question to the user; the confirmation must come from that form, "
    "not from the arguments"
)
GUESSED = "confirm_plan_" + "0" * 32
MODES = [pytest.param("legacy", id="2025-11-25"), pytest.param("auto", id="2026-07-28")]


def mutations(sandbox: SandboxControl) -> list[str]:
    return [a for a in sandbox.actions() if a.startswith(MUTATING)]


async def plan_disk(served: Session, disk_id: str) -> str:
    """A Scenario B plan copying one disk of prod-db-01 onto dr-target-01; its plan_id."""
    planned, _ = await decide(
        served,
        "plan_recovery",
        {
            "scenario": "disks",
            "source_instance_id": DB_INSTANCE,
            "target_instance_id": TARGET_INSTANCE,
            "disk_ids": [disk_id],
        },
    )
    assert planned["status"] == "completed", planned
    return str(planned["plan_id"])


def confirm_field(params: types.ElicitRequestParams) -> str:
    """The decision id a form asks under (as a model reading the form might copy it)."""
    assert isinstance(params, types.ElicitRequestFormParams)
    (field,) = params.requested_schema["properties"]
    return str(field)


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_that_shows_forms_confirms_only_in_the_form(
    tmp_path: Path, mode: str
) -> None:
    forms = Elicitations(decline)
    async with mcp_session(tmp_path, elicitation=forms, mode=mode) as served:
        plan_id = await plan_disk(served, DB_LOG)
        declined = await served.call("execute_recovery", {"plan_id": plan_id})
        assert declined["status"] == "cancelled", declined
        assert confirm_field(forms.seen[-1]).startswith("confirm_plan")
        snapshot = await served.call("create_snapshot", {"disk_id": DB_LOG})
        assert snapshot["status"] == "cancelled", snapshot
        snapshot_confirmation = confirm_field(forms.seen[-1])
        shown = len(forms.seen)

        # The model then confirms in the user's place: refused, no form shown, nothing created.
        for wrong in ("confirm_plan", GUESSED):
            arguments = {"plan_id": plan_id, "decisions": {wrong: "proceed"}}
            refused = await served.fail("execute_recovery", arguments)
            assert FORM_ONLY in refused and wrong in refused
        refused = await served.fail(
            "create_snapshot",
            {"disk_id": DB_LOG, "decisions": {snapshot_confirmation: "proceed"}},
        )
        assert FORM_ONLY in refused
        assert len(forms.seen) == shown
        assert mutations(served.sandbox) == []


def accept_all_but_cleanup(params: types.ElicitRequestParams) -> types.ElicitResult:
    """The user confirms every create, and declines the cleanup."""
    return decline(params) if "Permanently delete" in params.message else recommended(params)


async def test_a_cleanup_confirmed_in_the_arguments_of_a_form_client_deletes_nothing(
    tmp_path: Path,
) -> None:
    forms = Elicitations(accept_all_but_cleanup)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        snapshot = await served.call("create_snapshot", {"disk_id": DB_LOG})
        assert snapshot["status"] == "completed", snapshot
        op = snapshot["operation_id"]
        declined = await served.call("cleanup_recovery", {"operation_id": op})
        assert declined["status"] == "cancelled", declined
        cleanup_confirmation = confirm_field(forms.seen[-1])
        assert cleanup_confirmation.startswith("confirm_cleanup_")

        refused = await served.fail(
            "cleanup_recovery",
            {"operation_id": op, "decisions": {cleanup_confirmation: "delete"}},
        )
        assert FORM_ONLY in refused
        assert not [a for a in served.sandbox.actions() if a.startswith("Delete")]


def refused_id(result: Mapping[str, Any], decision_id: str) -> str:
    """The prompt shown again after `decision_id` was refused by name; its decision id."""
    assert result["status"] == "needs_decision", result
    assert repr(decision_id) in result["error"], result["error"]
    assert "is not this confirmation's" in result["error"]
    (prompt,) = result["decisions"]
    return str(prompt["decision_id"])


@pytest.mark.parametrize("mode", MODES)
async def test_without_forms_only_the_id_of_the_prompt_shown_confirms(
    tmp_path: Path, mode: str
) -> None:
    async with mcp_session(tmp_path, mode=mode) as served:
        plan_id = await plan_disk(served, DB_LOG)
        other_plan = await plan_disk(served, DB_DATA)
        asked = await served.call("execute_recovery", {"plan_id": plan_id})
        (prompt,) = asked["decisions"]
        bound = prompt["decision_id"]
        assert bound.startswith("confirm_plan_") and bound != GUESSED
        assert "confirm_plan'" not in asked["next_step"]
        other = (await served.call("execute_recovery", {"plan_id": other_plan}))["decisions"]
        for wrong in ("confirm_plan", GUESSED, other[0]["decision_id"]):
            result = await served.call(
                "execute_recovery", {"plan_id": plan_id, "decisions": {wrong: "proceed"}}
            )
            assert refused_id(result, wrong) == bound
        snapshot = await served.call(
            "create_snapshot",
            {"disk_id": DB_LOG, "decisions": {"confirm_CreateSnapshot_00000000": "proceed"}},
        )
        refused_id(snapshot, "confirm_CreateSnapshot_00000000")
        assert mutations(served.sandbox) == []

        done = await served.call(
            "execute_recovery", {"plan_id": plan_id, "decisions": {bound: "proceed"}}
        )
        assert done["status"] == "completed", done
        assert "CreateSnapshot" in mutations(served.sandbox)


async def test_a_confirmation_id_from_another_server_process_is_refused(tmp_path: Path) -> None:
    with sandbox_process(tmp_path) as sandbox:
        async with mcp_session_on(sandbox, tmp_path, "first") as (first, _):
            plan_id = await plan_disk(first, DB_LOG)
            asked = await first.call("execute_recovery", {"plan_id": plan_id})
            (prompt,) = asked["decisions"]
            earlier = prompt["decision_id"]

        # The same journal, the same plan, another server process.
        async with mcp_session_on(sandbox, tmp_path, "second") as (second, _):
            result = await second.call(
                "execute_recovery", {"plan_id": plan_id, "decisions": {earlier: "proceed"}}
            )
            bound = refused_id(result, earlier)
            assert bound != earlier
            assert mutations(sandbox) == []
            result = await second.call(
                "execute_recovery", {"plan_id": plan_id, "decisions": {bound: "proceed"}}
            )
            with anyio.fail_after(START_TIMEOUT_S):
                while result["status"] == "in_progress":
                    waited = {"operation_id": result["operation_id"], "max_wait_s": 0.2}
                    result = await second.call("wait_operation", waited)
            assert result["status"] == "completed", result
            assert "AttachDisk" in mutations(sandbox)
