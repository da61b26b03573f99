"""Which tools the server offers, with their annotations, in one list.

Read-only mode is default-deny: a tool counts as mutating unless its entry says
`read_only=True`, and its MCP annotations are derived from the same flag, so the tool list, the
annotations and `--read-only` cannot disagree.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import ValidationError

from ecs_dr.domain.arguments import shown
from ecs_dr.tools.argument_errors import next_call, refused_arguments, wrong_arguments
from ecs_dr.tools.common import CALL_FAILURES, REGION_ID_GIVEN, NameChoice, ToolFailure, paragraph
from ecs_dr.tools.results import AskingResult, answer, lean_schema, optional_not_null

# How many unknown argument names a refusal lists.
_SHOWN_ARGUMENTS = 5


@dataclass(frozen=True)
class ToolEntry:
    fn: Callable[..., Any]
    title: str
    read_only: bool = False
    # A repeated call with the same arguments changes nothing more.
    idempotent: bool = False
    # It deletes resources (cleanup); the creating tools only add.
    destructive: bool = False

    @property
    def name(self) -> str:
        return self.fn.__name__

    def annotations(self) -> ToolAnnotations:
        return ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            # Creates only add resources; cleanup deletes.
            destructive_hint=None if self.read_only else self.destructive,
            idempotent_hint=self.read_only or self.idempotent,
            open_world_hint=True,
        )


def built_tools(tools: Sequence[ToolEntry], *, read_only: bool) -> list[Tool]:
    """Each tool offered (with read_only, only those registered read-only), built once: the
    server lists these, and the middleware checks arguments against them."""
    return [
        Tool.from_function(
            _answering(entry.fn),
            name=entry.name,
            title=entry.title,
            annotations=entry.annotations(),
        )
        for entry in tools
        if entry.read_only or not read_only
    ]


def register(
    server: MCPServer[Any], tools: Sequence[ToolEntry], built: Sequence[Tool], *, read_only: bool
) -> None:
    """The middleware over the `built` tools the server was made with: arguments checked,
    failures structured, schemas listed lean; with read_only, the other tools refused."""
    checked = {tool.name: tool for tool in built}
    server.middleware.append(_listed_schemas)
    server.middleware.append(_structured_failures)
    server.middleware.append(_refuse_unknown_arguments(checked))
    server.middleware.append(_refuse_invalid_arguments(checked))
    if read_only:
        offered = sorted(e.name for e in tools if e.read_only)
        refused = {e.name for e in tools if not e.read_only}
        server.middleware.append(_refuse(refused, offered))


def _answering(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The tool `fn` answering with its result model as structured content (so its output
    schema stays the model's) and as text written for the model (`results.answer`)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    returns = Annotated[CallToolResult, hints["return"]]

    @functools.wraps(fn)
    async def tool(*args: Any, **kwargs: Any) -> CallToolResult:
        return answer(await fn(*args, **kwargs))

    signature = inspect.signature(fn, eval_str=True)
    tool.__signature__ = signature.replace(return_annotation=returns)  # type: ignore[attr-defined]
    tool.__annotations__ = {**hints, "return": returns}
    return tool


async def _structured_failures(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """A failure a tool raised (`tool_errors`) answers as the argument errors do: its error
    and next step as one paragraph, and as structured content with `status: failed`; mcp alone
    would send only text, behind "Error executing tool <name>:". A name several instances share
    (`NameChoice`) answers `needs_decision` with the choice instead."""
    if ctx.method != "tools/call":
        return await call_next(ctx)
    failures: list[ToolFailure] = []
    token = CALL_FAILURES.set(failures)
    try:
        result = await call_next(ctx)
    finally:
        CALL_FAILURES.reset(token)
    if failures and _is_error(result):
        failure = failures[-1]
        if isinstance(failure, NameChoice):
            return answer(
                AskingResult(
                    status="needs_decision",
                    decisions=failure.prompts,
                    next_step=failure.next_step,
                )
            )
        return _failed(failure.error, failure.next_step)
    return result


def _is_error(result: HandlerResult) -> bool:
    if isinstance(result, CallToolResult):
        return result.is_error
    return isinstance(result, dict) and bool(result.get("isError"))


def _refuse_unknown_arguments(checked: dict[str, Tool]) -> ServerMiddleware[Any]:
    """An argument the tool does not take is refused, naming it and the arguments there are:
    mcp would drop it silently, so a misspelt `decisions` or `region_id` would go unnoticed
    and the call would run without it. One without a value (null, "", [] or {}: a client
    passing `decisions={}` to every tool) loses nothing and is let through."""
    accepted = {
        name: sorted(tool.parameters.get("properties", {})) for name, tool in checked.items()
    }

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params or {}
        arguments = params.get("arguments")
        if ctx.method != "tools/call" or not isinstance(arguments, dict):
            return await call_next(ctx)
        name = params.get("name")
        known = accepted.get(name) if isinstance(name, str) else None
        unknown = [
            key
            for key, value in arguments.items()
            if known is not None and key not in known and _carries_a_value(value)
        ]
        if not unknown:
            return await call_next(ctx)
        listed = ", ".join(shown(key) for key in unknown[:_SHOWN_ARGUMENTS])
        more = (
            f" and {len(unknown) - _SHOWN_ARGUMENTS} more"
            if len(unknown) > _SHOWN_ARGUMENTS
            else ""
        )
        text = (
            f"{name} has no argument {listed}{more}; its arguments are: "
            f"{', '.join(known or [])}. Nothing was done."
        )
        return _failed(text, f"Call {name} again without the others.")

    return middleware


def _refuse_invalid_arguments(checked: dict[str, Tool]) -> ServerMiddleware[Any]:
    """Arguments the tool's model refuses are answered as `argument_errors` words it, before
    mcp would answer with pydantic's text. Also notes whether region_id was given, for the
    advice that follows a NotFound."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params or {}
        tool = checked.get(params.get("name", "")) if ctx.method == "tools/call" else None
        arguments = params.get("arguments") or {}
        if tool is None or not isinstance(arguments, dict):
            return await call_next(ctx)
        try:
            tool.fn_metadata.validate_arguments(arguments)
        except ValidationError as exc:
            text = refused_arguments(tool.name, exc, tool.parameters)
            return _failed(text, next_call(tool.name, wrong_arguments(exc)))
        given = REGION_ID_GIVEN.set(arguments.get("region_id") is not None)
        try:
            return await call_next(ctx)
        finally:
            REGION_ID_GIVEN.reset(given)

    return middleware


async def _listed_schemas(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Every input schema says `additionalProperties: false`: an argument a tool does not take
        is refused (`_refuse_unknown_arguments`), so a client checking the schema first finds out
        before calling. Every output schema is sent lean (`results.lean_schema`: no annotations,
    `format` among them, which strict validators refuse without a plugin)."""
    result = await call_next(ctx)
    # What the chain returns is the wire form already (mcp serialises inside it).
    if ctx.method == "tools/list" and isinstance(result, dict):
        for listed in result.get("tools", []):
            listed["inputSchema"] = {**listed["inputSchema"], "additionalProperties": False}
            if "outputSchema" in listed:
                # Only `status` is required: a failed answer is {status, error, next_step}
                # (`_failed`), and the TypeScript SDK's clients check an error's structured
                # content against this schema too. mcp checks every other answer against the
                # whole result model before sending it.
                listed["outputSchema"] = {
                    **optional_not_null(lean_schema(listed["outputSchema"])),
                    "required": ["status"],
                }
    return result


def _refuse(refused: set[str], offered: list[str]) -> ServerMiddleware[Any]:
    """A call to a mutating tool gets a clear error rather than mcp's "Unknown tool"."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        name = (ctx.params or {}).get("name")
        if ctx.method == "tools/call" and name in refused:
            text = (
                f"{name} changes cloud resources, and this server runs with --read-only, so it "
                f"is not available. Read-only tools: {', '.join(offered)}."
            )
            return _failed(text, "Restart the server without --read-only to recover.")
        return await call_next(ctx)

    return middleware


def _failed(text: str, next_step: str) -> CallToolResult:
    """A tool error the agent can act on: the text with its next step, and the same as
    structured content with `status: failed` (a client checks an error's structured content
    against no output schema)."""
    return CallToolResult(
        content=[TextContent(type="text", text=paragraph(text, next_step))],
        structured_content={"status": "failed", "error": text, "next_step": next_step},
        is_error=True,
    )


def _carries_a_value(value: Any) -> bool:
    return value is not None and not (isinstance(value, str | list | dict) and not value)
