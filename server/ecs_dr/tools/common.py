"""What every tool adapter shares: the services of the call, argument types, progress, and the
one place where failures become messages an agent can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ecs_dr.bootstrap import Services
from ecs_dr.cloud.errors import (
    AuthenticationFailed,
    CloudError,
    Conflict,
    InvalidParameter,
    NoStock,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    Throttled,
    Transient,
)
from ecs_dr.domain.decisions import InvalidDecision
from ecs_dr.workflows.journal import UnknownOperation, UnknownPlan
from ecs_dr.workflows.operations import ProgressFn

Ctx = Context[Services, Any]

RegionArg = Annotated[
    str | None,
    Field(
        description=(
            "Region id such as cn-hangzhou. Optional: found from the instance itself (the "
            "configured default region first, then every region)."
        )
    ),
]
InstanceIdArg = Annotated[str, Field(description="ECS instance id, e.g. i-bp1...")]
ZoneArg = Annotated[str, Field(description="Availability zone id, e.g. cn-hangzhou-j")]

# What to do next, by kind of cloud failure; the CloudError's own text keeps ECS's code,
# message, RequestId and Recommend link (and a PermissionDenied's, the missing RAM action).
_NEXT = (
    (
        PermissionDenied,
        "Only an administrator of the account can grant it, outside this session; call again "
        "afterwards, or run the server with --read-only if this identity should only read.",
    ),
    (NotFound, "If the id is right, omit region_id so that every region is searched."),
    (NoStock, "check_target_zone lists the instance types and zones with stock."),
    (QuotaExceeded, "Raise the quota in the ECS console, or free capacity, then call again."),
    (Conflict, "The resource is busy in another operation; call again in a minute."),
    (Throttled, "ECS is throttling this account; call again in a minute."),
    (Transient, "A temporary failure; call again."),
    (InvalidParameter, "Change the arguments named in the message."),
    (
        AuthenticationFailed,
        "Check the credentials outside this session (aliyun configure list); never paste keys "
        "into the conversation.",
    ),
)


def services(ctx: Ctx) -> Services:
    """The process-wide services the lifespan handed the server."""
    return ctx.request_context.lifespan_context


def progress_of(ctx: Ctx) -> ProgressFn:
    """Relays an operation's progress as MCP progress notifications on this call."""

    async def report(progress: float, total: float | None, message: str) -> None:
        await ctx.report_progress(progress, total, message)

    return report


def next_step(error: CloudError) -> str:
    """The next thing to try for this kind of failure; empty when there is no general advice."""
    return next((hint for kind, hint in _NEXT if isinstance(error, kind)), "")


def cloud_message(error: CloudError) -> str:
    """ECS's own words (code, message, RequestId, Recommend) and the next thing to try."""
    text = str(error).rstrip()
    hint = next_step(error)
    if not hint:
        return text
    return f"{text}{'' if text.endswith(('.', '!', '?')) else '.'} {hint}"


@contextmanager
def tool_errors(tool: str) -> Iterator[None]:
    """Turn expected failures into ToolErrors whose text says what is wrong and what to do.

    Anything else stays a crash: mcp reports it as a bare "Error executing tool" and the
    server log keeps the traceback, so none reaches the client.
    """
    try:
        yield
    except ToolError:
        raise
    except InvalidDecision as exc:
        raise ToolError(f"{exc} Call {tool} again with one of those values.") from exc
    except CloudError as exc:
        raise ToolError(cloud_message(exc)) from exc
    except (UnknownOperation, UnknownPlan) as exc:
        raise ToolError(str(exc)) from exc
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
