"""`describe_account`: the account, credential and region the server acts in; and the account
and region every confirmation of a change opens with (`account_named`)."""

from __future__ import annotations

from pydantic import Field

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.decisions import ChoicePrompt, naming_account
from ecs_dr.tools.common import Ctx, services
from ecs_dr.tools.results import ToolResult


class AccountDescribed(ToolResult):
    """Whose account the credential is, and which credential (never its value)."""

    account_id: str | None = Field(default=None, description="None: STS did not answer (error)")
    arn: str | None = cloud_text_field("who signs", default=None)
    credential: str | None = Field(default=None, description="its kind: access_key, sts, ...")
    profile: str | None = Field(default=None, description="its ~/.aliyun/config.json profile")
    default_region: str | None = None
    endpoint: str
    read_only: bool


async def describe_account(ctx: Ctx) -> AccountDescribed:
    """The account, credential kind and profile, default region, ECS endpoint, read-only or
    not. Call it first if the user has several accounts."""
    s = services(ctx)
    account = await s.account.account()
    settings = s.gateway.settings
    region = settings.region_id
    credential = account.credential
    served = await ctx.mcp_server.list_tools()
    read_only = all(t.annotations and t.annotations.read_only_hint for t in served)
    identity = account.identity
    why = account.unknown_because
    return AccountDescribed(
        status="completed",
        account_id=account.account_id,
        arn=identity.arn if identity else None,
        credential=credential.kind if credential else None,
        profile=credential.profile if credential else None,
        default_region=region,
        endpoint=settings.endpoint_for(region or "<region>") or "",
        read_only=read_only,
        error=(
            f"the account is unknown: {account.unknown_because}"
            if account.unknown_because
            else None
        ),
        next_step=(
            "STS did not name the account: check the credential (aliyun configure list) and "
            "that STS is reachable; confirmations say the account is unknown meanwhile."
            if why
            else ""
        ),
    )


async def account_named(ctx: Ctx, prompt: ChoicePrompt, region_id: str) -> ChoicePrompt:
    """The confirmation `prompt` of a change in `region_id`, opening with the account it acts
    in (unknown when STS does not answer). Raises AuthenticationFailed when STS rejects the
    credential: the change would be rejected too, so the user is not asked to confirm it."""
    lookup = services(ctx).account
    account = await lookup.account()
    if lookup.refused is not None:
        raise lookup.refused
    return naming_account(prompt, account.account_id, region_id)
