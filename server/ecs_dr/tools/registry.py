"""Which tools the server offers, with their annotations, in one list.

Read-only mode is default-deny: a tool counts as mutating unless its entry says
`read_only=True`, and its MCP annotations are derived from the same flag, so the tool list, the
annotations and `--read-only` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent, ToolAnnotations


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


def register(server: MCPServer[Any], tools: Sequence[ToolEntry], *, read_only: bool) -> None:
    """Add the tools; with read_only, only those registered read-only, and refuse the rest."""
    for entry in tools:
        if read_only and not entry.read_only:
            continue
        server.add_tool(
            entry.fn, name=entry.name, title=entry.title, annotations=entry.annotations()
        )
    if read_only:
        offered = sorted(e.name for e in tools if e.read_only)
        refused = {e.name for e in tools if not e.read_only}
        server.middleware.append(_refuse(refused, offered))


def _refuse(refused: set[str], offered: list[str]) -> ServerMiddleware[Any]:
    """A call to a mutating tool gets a clear error rather than mcp's "Unknown tool"."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        name = (ctx.params or {}).get("name")
        if ctx.method == "tools/call" and name in refused:
            text = (
                f"{name} changes cloud resources, and this server runs with --read-only, so it "
                f"is not available. Read-only tools: {', '.join(offered)}. Restart the server "
                "without --read-only to recover."
            )
            return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
        return await call_next(ctx)

    return middleware
