"""The decision protocol through a real MCP client, on both protocol generations, with a tool
whose questions depend on earlier answers the way run_dr_instance's do (a choice, then the
confirmation of the parameters that choice shaped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

from ecs_dr.domain.decisions import chosen, confirm_prompt, vswitch_missing_prompt
from ecs_dr.tools.decisions import DecisionFlow, DecisionsArg, Settled, open_prompts
from tests.e2e.harness import Elicitations, decline, recommended

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
    return Launched(answers=settled.answers, stopped=settled.stopped)


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
    assert "no VSwitch in zone-a" in params.message


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
