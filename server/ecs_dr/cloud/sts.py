"""Who the credential signs as: STS GetCallerIdentity (2015-04-01) through the official STS SDK
and the gateway (its user agent, retries, error mapping and log redaction). RAM authorizes no
action for it: any credential may ask whose it is."""

from __future__ import annotations

from ecs_dr.cloud.apis import STS_API
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.account import CallerIdentity

GET_CALLER_IDENTITY = "GetCallerIdentity"
# Where STS is asked when no default region is set: every region's STS answers for the account.
STS_FALLBACK_REGION = "cn-hangzhou"


async def caller_identity(gw: EcsGateway) -> CallerIdentity:
    """The account and ARN the gateway's credential signs as, asked in the default region.
    Raises a `cloud.errors.CloudError` subclass on failure."""
    region = gw.settings.region_id or STS_FALLBACK_REGION
    body = await gw.call(region, GET_CALLER_IDENTITY, None, api=STS_API)
    return CallerIdentity(account_id=str(body.account_id), arn=str(body.arn or ""))
