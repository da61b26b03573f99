"""What every tool adapter shares: the services of the call, argument types, progress, and the
one place where failures become messages an agent can act on."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from ecs_dr.bootstrap import Services
from ecs_dr.cloud.errors import (
    AuthenticationFailed,
    Busy,
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
from ecs_dr.domain import arguments as argument_rules
from ecs_dr.domain.decisions import ChoicePrompt, InvalidDecision
from ecs_dr.domain.instances import InstanceNameChoice, check_instance_ref
from ecs_dr.domain.names import name_pattern
from ecs_dr.domain.refusal import Refusal
from ecs_dr.tools.refusals import JOURNAL_REFUSALS, refusal_text
from ecs_dr.workflows.operations import ProgressFn

Ctx = Context[Services, Any]

# --- argument types: each checked up front by its rule in domain/arguments.py -----------------
# A value that breaks the rule is refused before the tool body runs, as a validation error
# naming the argument (mcp reports pydantic's errors with each field's name) and the rule;
# the schema carries the same pattern and length, for clients that check before calling.


# eq=False: typing hashes Annotated metadata, and a dict field cannot be hashed by value.
@dataclass(frozen=True, eq=False)
class _Checked:
    """Pydantic metadata for a str argument: `rule` (a domain/arguments check) runs after
    pydantic's own, and `schema` (pattern, maxLength) joins the argument's JSON schema."""

    rule: Callable[[str], str]
    schema: Mapping[str, Any]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.rule, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), **self.schema}


def _named(rule: Callable[[str, str], str], kind: str, what: str) -> Callable[[str], str]:
    """`rule` for one kind, named for it: pydantic names a union's or a list's member after
    its validator's `__name__` (`source_instance_id.list[...]`), and a bare partial would show
    there as its repr, a memory address included."""

    def check(value: str) -> str:
        return rule(kind, value)

    check.__name__ = check.__qualname__ = f"{kind.replace(' ', '_')}_{what}"
    return check


def _shaped(rule: Callable[[str], str], pattern: str, max_length: int) -> _Checked:
    """`rule`, with the pattern and length a schema-checking client can test first."""
    return _Checked(rule, {"pattern": pattern, "maxLength": max_length})


def _id(kind: str) -> _Checked:
    return _shaped(
        _named(argument_rules.check_id, kind, "id"),
        argument_rules.id_pattern(kind),
        argument_rules.MAX_ID_LENGTH,
    )


def _name(kind: str) -> _Checked:
    return _shaped(
        _named(argument_rules.check_name, kind, "name"),
        name_pattern(kind),
        argument_rules.MAX_NAME_LENGTH,
    )


def _location(rule: Callable[[str], str]) -> _Checked:
    return _shaped(rule, argument_rules.LOCATION_PATTERN, argument_rules.MAX_LOCATION_LENGTH)


InstanceId = Annotated[str, _id("instance")]
# An instance argument: an id, or an exact name the workflow resolves (workflows/source.py).
InstanceRef = Annotated[
    str,
    _Checked(
        _named(lambda _kind, value: check_instance_ref(value), "instance", "id_or_name"),
        {"maxLength": argument_rules.MAX_NAME_LENGTH},
    ),
]
RecoveryPointRef = Annotated[
    str,
    _shaped(
        argument_rules.check_recovery_point,
        argument_rules.RECOVERY_POINT_PATTERN,
        argument_rules.MAX_RECOVERY_POINT_LENGTH,
    ),
]
DiskId = Annotated[str, _id("disk")]
SnapshotId = Annotated[str, _id("snapshot")]
SnapshotGroupId = Annotated[str, _id("snapshot group")]
ImageId = Annotated[str, _id("image")]
VSwitchId = Annotated[str, _id("VSwitch")]
VpcId = Annotated[str, _id("VPC")]
OperationId = Annotated[str, _id("operation")]
PlanId = Annotated[str, _id("plan")]
RegionId = Annotated[str, _location(argument_rules.check_region)]
ZoneId = Annotated[str, _location(argument_rules.check_zone)]
InstanceType = Annotated[
    str,
    _shaped(
        argument_rules.check_instance_type,
        argument_rules.INSTANCE_TYPE_PATTERN,
        argument_rules.MAX_INSTANCE_TYPE_LENGTH,
    ),
]
CidrBlock = Annotated[
    str,
    _shaped(argument_rules.check_cidr, argument_rules.CIDR_PATTERN, argument_rules.MAX_CIDR_LENGTH),
]
InstanceName = Annotated[str, _name("instance")]
DiskName = Annotated[str, _name("disk")]
SnapshotName = Annotated[str, _name("snapshot")]
SnapshotGroupName = Annotated[str, _name("snapshot group")]
ImageName = Annotated[str, _name("image")]
VSwitchName = Annotated[str, _name("VSwitch")]

RegionArg = Annotated[
    RegionId | None,
    Field(description="e.g. cn-hangzhou; default: the instance's"),
]
# A search that reads every region unless told one.
EveryRegionArg = Annotated[
    RegionId | None, Field(description="e.g. cn-hangzhou; default: every region")
]
InstanceRefArg = Annotated[InstanceRef, Field(description="Instance id (i-bp1...) or exact name")]
ZoneArg = Annotated[ZoneId, Field(description="Zone id, e.g. cn-hangzhou-j")]

# Whether the call being served was given a region_id (the registry sets it per call): only
# then can leaving it out help after a NotFound; without one, every region was searched.
REGION_ID_GIVEN: ContextVar[bool] = ContextVar("region_id_given", default=False)
_OMIT_REGION_ID = "If the id is right, omit region_id so that every region is searched."

# Codes whose next step is their own: asking again never cures them.
_NEXT_BY_CODE = {
    "IdempotentParameterMismatch": (
        "Asking again will not help: ECS saw this ClientToken with other parameters. The "
        "resource the first request made is in the journal; plan again (plan_recovery) for a "
        "new request."
    ),
    "IncorrectDiskStatus.NeverAttached": (
        "Asking again will not help: ECS snapshots only a disk that has been attached to an "
        "instance at least once; attach it in the ECS console first."
    ),
}
# What to do next, by kind of cloud failure; the CloudError's own text keeps ECS's code,
# message, RequestId and Recommend link (and a PermissionDenied's, the missing RAM action).
_NEXT = (
    (
        PermissionDenied,
        "Only an administrator of the account can grant it, outside this session; call again "
        "afterwards, or run the server with --read-only if this identity should only read.",
    ),
    (NotFound, _OMIT_REGION_ID),
    (NoStock, "check_target_zone lists the instance types and zones with stock."),
    (QuotaExceeded, "Raise the quota in the ECS console, or free capacity, then call again."),
    (
        Busy,
        "ECS was still busy after the server had asked again for a few minutes "
        "(ECS_DR_BUSY_RETRY_TIMEOUT_S); call again later.",
    ),
    (Conflict, "The resource is in a state that does not allow this now; call again later."),
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
    """Relays an operation's progress as MCP progress notifications on this call, each value
    above the last (the spec requires it): a report that would repeat or go back is sent just
    above the last value, so its message still reaches the client; one with no room left below
    the total is dropped."""
    last: float | None = None

    async def report(progress: float, total: float | None, message: str) -> None:
        nonlocal last
        value = progress if last is None else max(progress, math.nextafter(last, math.inf))
        if total is not None and value > total:
            return
        last = value
        await ctx.report_progress(value, total, message)

    return report


def next_step(error: CloudError, *, region_id_given: bool = True) -> str:
    """The next thing to try for this failure; empty when there is no general advice. A
    NotFound's advice to omit region_id comes only when one was given."""
    if error.code in _NEXT_BY_CODE:
        return _NEXT_BY_CODE[error.code]
    hint = next((hint for kind, hint in _NEXT if isinstance(error, kind)), "")
    return "" if hint == _OMIT_REGION_ID and not region_id_given else hint


def cloud_failure(error: CloudError) -> tuple[str, str]:
    """ECS's own words (code, message, RequestId, Recommend), and apart from them the next
    thing to try (empty when there is no general advice)."""
    return str(error).rstrip(), next_step(error, region_id_given=REGION_ID_GIVEN.get())


def paragraph(error: str, next_step: str) -> str:
    """An error and its next step as the one paragraph an agent reads."""
    if not next_step:
        return error
    return f"{error}{'' if error.endswith(('.', '!', '?')) else '.'} {next_step}"


class ToolFailure(ToolError):
    """An expected failure of a tool call: what is wrong (`error`) and, apart, what to do
    (`next_step`, empty when nothing general helps)."""

    def __init__(self, error: str, next_step: str = "") -> None:
        super().__init__(paragraph(error, next_step))
        self.error = error
        self.next_step = next_step


class NameChoice(ToolFailure):
    """A name several instances share, in a tool that takes no `decisions`: the user picks one
    (each option's value is an instance id) and the call is made again with that id, so the
    registry answers `needs_decision` with the prompts, not a failure."""

    def __init__(self, tool: str, prompts: list[ChoicePrompt], error: str) -> None:
        given = ", ".join(f"{p.context['argument']}=<the chosen id>" for p in prompts)
        super().__init__(error, f"Ask the user which one is meant; call {tool} again with {given}.")
        self.prompts = prompts


# The failures the call being served has raised (the registry gives each call a fresh list):
# mcp turns a raised ToolError into bare text, and the registry answers with these instead.
CALL_FAILURES: ContextVar[list[ToolFailure] | None] = ContextVar("call_failures", default=None)


def _failure(error: str, next_step: str = "") -> ToolFailure:
    return _recorded(ToolFailure(error, next_step))


def _recorded(failure: ToolFailure) -> ToolFailure:
    failures = CALL_FAILURES.get()
    if failures is not None:
        failures.append(failure)
    return failure


@contextmanager
def tool_errors(tool: str) -> Iterator[None]:
    """Turn expected failures into ToolFailures that say what is wrong and what to do.

    Anything else stays a crash: mcp reports it as a bare "Error executing tool" and the
    server log keeps the traceback, so none reaches the client.
    """
    try:
        yield
    except ToolError:
        raise
    except InvalidDecision as exc:
        raise _failure(str(exc), f"Call {tool} again with one of those values.") from exc
    except CloudError as exc:
        raise _failure(*cloud_failure(exc)) from exc
    except JOURNAL_REFUSALS as exc:
        raise _failure(refusal_text(exc)) from exc
    except InstanceNameChoice as exc:
        raise _recorded(NameChoice(tool, exc.prompts, str(exc))) from exc
    except Refusal as exc:
        raise _failure(str(exc)) from exc
