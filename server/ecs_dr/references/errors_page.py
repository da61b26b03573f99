"""references/error-handling.md from the classification table (`cloud.errors.RULES`), the
gateway's retry policy (busy answers included), the waiters' keep-polling codes, the tools'
next-step hints, and what happens to a resource that ECS finished as failed."""

from __future__ import annotations

from typing import Any

from ecs_dr.cloud.ecs import WAITERS
from ecs_dr.cloud.errors import (
    RULES,
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
    WaiterFailed,
    WaiterTimeout,
)
from ecs_dr.cloud.errors.codes import NEVER_SUCCEED_CODES
from ecs_dr.cloud.gateway import READ_ONLY_PREFIXES, EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.tools.common import next_step

# A resource that ECS finished as failed: what the server does, and what the user does.
FAILED_RESOURCES: tuple[tuple[str, str, str], ...] = (
    (
        "snapshot or snapshot group `failed`",
        "the operation stops naming it (`Waiter.Failed`); `resume_recovery` makes it again as "
        "the step's next attempt (its own ClientToken), and the failed one stays in the journal",
        "call resume_recovery; cleanup_recovery deletes the failed one with the rest",
    ),
    (
        "image `CreateFailed` (or `UnAvailable`, `Deprecated`)",
        "the operation stops naming it; `resume_recovery` builds it again as "
        "`<name>_attempt<n>` (the failed image keeps its name taken)",
        "call resume_recovery; cleanup_recovery deletes the failed image",
    ),
    (
        "instance stuck `Pending` or `Starting`",
        "the wait ends at its timeout (`Waiter.Timeout`, 20 cloud minutes); `resume_recovery` "
        "waits on the same instance again, never a second one",
        "call resume_recovery later; if it stays stuck, open a ticket with the instance id and "
        "release it with cleanup_recovery once it settles",
    ),
)

KINDS: tuple[type[CloudError], ...] = (
    AuthenticationFailed,
    PermissionDenied,
    Throttled,
    Transient,
    NoStock,
    QuotaExceeded,
    Busy,
    Conflict,
    NotFound,
    InvalidParameter,
    CloudError,
)

# Codes of failures that never reached ECS, or that the server makes itself.
OWN_CODES: tuple[tuple[str, type[CloudError], str], ...] = (
    ("ConnectionFailed", Transient, "the connection to the endpoint never opened"),
    ("ConnectionError", Transient, "the connection broke during the call"),
    ("ReadTimeout", Transient, "no answer within ECS_DR_READ_TIMEOUT_S"),
    ("MalformedResponse", CloudError, "the endpoint answered with something that is not JSON"),
    ("InvalidCredentials", AuthenticationFailed, "the default credential chain found none"),
    ("MissingParameter.RegionId", InvalidParameter, "no region_id and no default region"),
    ("Waiter.Failed", WaiterFailed, "a waited resource reached a failure status"),
    ("Waiter.Timeout", WaiterTimeout, "a wait ran out of time (the ECS operation continues)"),
)

# What the workflows do with some kinds beyond reporting them (see the modules named).
SPECIAL: tuple[tuple[str, str], ...] = (
    (
        "`PermissionDenied` on DescribeAccountAttributes",
        'plans go on; the plan carries the finding "Quota not checked" naming the RAM action '
        "(workflows/quotas.py)",
    ),
    (
        "`NotFound` during cleanup_recovery",
        "the resource counts as already gone (workflows/cleanup/execute.py)",
    ),
    (
        "any other error during cleanup_recovery",
        "that resource is left and listed with ECS's code and message; the others go on",
    ),
    (
        "`Transient` on AttachDisk",
        "the disk is described again; only when it is not attached is the failure reported "
        "(workflows/attach.py)",
    ),
    (
        "`NotFound` for an id given without region_id",
        "every region of the account is searched (DescribeRegions) before NotFound is reported",
    ),
)


class _NoCredential:
    async def get_credential_async(self) -> Any:  # pragma: no cover - never called
        raise AssertionError("the reference pages make no cloud call")


def _sample(kind: type[CloudError], *, request_sent: bool = True) -> CloudError:
    if kind is Transient:
        return Transient("InternalError", "sample", request_sent=request_sent)
    if kind in (WaiterFailed, WaiterTimeout):
        raise ValueError(kind)
    return kind("Sample", "sample")


def retry_behaviour(kind: type[CloudError]) -> str:
    """What the gateway's retry policy does with this kind, asked of the policy itself."""
    gateway = EcsGateway(CloudSettings(), credential=_NoCredential())
    s = gateway.settings
    if issubclass(kind, Busy):
        return (
            f"asked again, every call, with backoff ({s.busy_wait_initial_s:g} s doubling up to "
            f"{s.busy_wait_max_s:g} s) for up to {s.busy_retry_timeout_s:g} s of cloud time "
            "(ECS_DR_BUSY_RETRY_TIMEOUT_S), a create with its same ClientToken; then reported"
        )

    class Request:
        client_token: str | None = None

    with_token = Request()
    with_token.client_token = "client-token"  # noqa: S105 (not a secret)
    read = gateway._retry_policy("DescribeInstances", Request())
    write = gateway._retry_policy("CreateImage", Request())
    write_token = gateway._retry_policy("CreateImage", with_token)
    error = _sample(kind)
    if all(isinstance(p(error), float) for p in (read, write, write_token)):
        return (
            f"retried, every call, with a longer backoff ({s.throttle_wait_initial_s:g} s "
            f"doubling up to {s.throttle_wait_max_s:g} s, or ECS's Retry-After), up to "
            f"{s.retry_attempts} attempts within {s.retry_timeout_s:g} s"
        )
    if read(error) is True and write_token(error) is True and write(error) is False:
        unsent = write(_sample(kind, request_sent=False)) is True
        return (
            f"retried with exponential backoff ({s.retry_wait_initial_s:g} s up to "
            f"{s.retry_wait_max_s:g} s, {s.retry_attempts} attempts within "
            f"{s.retry_timeout_s:g} s) for read calls ({', '.join(READ_ONLY_PREFIXES)}*) and "
            "for creates that carry a ClientToken"
            + (", and for any call whose request never left" if unsent else "")
            + "; otherwise reported"
        )
    if not any(p(error) for p in (read, write, write_token)):
        return "not retried: reported at once"
    raise AssertionError(f"the retry policy of {kind.__name__} has no description")


def _short(kind: type[CloudError]) -> str:
    text = retry_behaviour(kind)
    if text.startswith("asked again"):
        return f"asked again for {CloudSettings().busy_retry_timeout_s:g} s"
    if text.startswith("retried, every call"):
        return "retried with backoff"
    if text.startswith("retried"):
        return "retried when safe, else reported"
    return "reported"


def _hint(kind: type[CloudError]) -> str:
    return next_step(_sample(kind)) or "Read ECS's message and its Recommend link."


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_error_handling() -> str:
    lines = [
        "# Error handling",
        "",
        "<!-- Generated by `python -m ecs_dr.references --write references/` (`make references`)"
        " from server/ecs_dr/cloud/errors/, cloud/gateway.py, cloud/waiters.py and"
        " tools/common.py. Do not edit by hand. -->",
        "",
        "Every failed ECS or VPC API call becomes one kind of error. A tool that fails answers"
        " with an error whose text keeps the cloud's own code, message, RequestId and Recommend"
        " link, then says what to do next. Credentials never appear in it.",
        "",
        "## Kinds: what the server does, what you do",
        "",
        "| Kind | What the server does | What you (or the agent) should do |",
        "| --- | --- | --- |",
    ]
    for kind in KINDS:
        name = "other (`CloudError`)" if kind is CloudError else f"`{kind.__name__}`"
        lines.append(f"| {name} | {_cell(retry_behaviour(kind))} | {_cell(_hint(kind))} |")
    lines += [
        "",
        "`PermissionDenied` names the missing RAM action (from ECS's `AccessDeniedDetail`, its"
        " message, or the API action called); [ram-policies.md](ram-policies.md) has the whole"
        " policy.",
        "",
        "## ECS codes, in the order they are matched",
        "",
        "The first line that matches a code wins; a code matching no line is reported as it"
        " is (other).",
        "",
        "| Codes | Kind | Server | You |",
        "| --- | --- | --- | --- |",
    ]
    for rule in RULES:
        kind = rule.kind
        cells = [_cell(rule.pattern()), f"`{kind.__name__}`", _short(kind), _cell(_hint(kind))]
        lines.append(f"| {' | '.join(cells)} |")
    lines += [
        "",
        "## Codes asking again never cures",
        "",
        "| Code | Server | You |",
        "| --- | --- | --- |",
    ]
    for code in sorted(NEVER_SUCCEED_CODES):
        hint = next_step(InvalidParameter(code, "sample"))
        lines.append(f"| `{code}` | reported at once | {_cell(hint)} |")
    lines += [
        "",
        "## While waiting",
        "",
        "A waiter polls a Describe action until the resource reaches its wanted status."
        " A resource missing from the answer right after its create is polled again for a grace"
        ' period; these codes also mean "not visible yet" and are polled again:',
        "",
        "| Waiter | Action | Codes polled again |",
        "| --- | --- | --- |",
    ]
    for waiter in WAITERS.values():
        codes = ", ".join(f"`{c}`" for c in sorted(waiter.spec.accepts("retry", "error")))
        lines.append(f"| {waiter.spec.name} | {waiter.describe.action} | {codes or 'none'} |")
    lines += [
        "",
        "A wait that ends in a failure status (`Waiter.Failed`) or runs out of time"
        " (`Waiter.Timeout`) is reported; a tool call that outlasts the bounded wait answers"
        " `in_progress` instead, and `wait_operation` follows it.",
        "",
        "## Codes the server makes itself",
        "",
        "| Code | Kind | When |",
        "| --- | --- | --- |",
    ]
    for code, kind, when in OWN_CODES:
        lines.append(f"| `{code}` | `{kind.__name__}` | {_cell(when)} |")
    lines += [
        "",
        "## A resource that ends failed",
        "",
        "| Resource | Server | You |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {what} | {_cell(server)} | {_cell(you)} |" for what, server, you in FAILED_RESOURCES
    ]
    lines += ["", "## Handled inside a workflow", "", "| Failure | What happens |", "| --- | --- |"]
    lines += [f"| {_cell(what)} | {_cell(then)} |" for what, then in SPECIAL]
    return "\n".join(lines) + "\n"
