"""STS (2015-04-01), served beside ECS's and the VPC API's on the same port: GetCallerIdentity
as the official `alibabacloud-sts20150401` SDK sends and reads it. Every key the sandbox
accepts belongs to one demo account, as a RAM user's."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, Handler, registry

STS_ACTIONS: dict[str, Handler] = {}
sts_action = registry(STS_ACTIONS, "STS")

# A fixed account id of STS's shape (16 digits), so a test and a demo can name it.
DEMO_ACCOUNT_ID = "1234567890123456"
DEMO_USER_ID = "200000000000000001"
DEMO_USER = "ecs-dr-sandbox"


@sts_action("GetCallerIdentity")
def get_caller_identity(backend: Backend, params: Params) -> Body:
    """The caller's identity: AccountId, Arn, IdentityType, PrincipalId, UserId (a RAM user has
    no RoleId); the app adds RequestId."""
    return {
        "IdentityType": "RAMUser",
        "AccountId": DEMO_ACCOUNT_ID,
        "PrincipalId": DEMO_USER_ID,
        "UserId": DEMO_USER_ID,
        "Arn": f"acs:ram::{DEMO_ACCOUNT_ID}:user/{DEMO_USER}",
    }
