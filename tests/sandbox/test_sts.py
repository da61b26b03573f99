"""STS (2015-04-01) as the sandbox serves it beside ECS on the same port, driven through the
official `alibabacloud-sts20150401` SDK over real HTTP: GetCallerIdentity answers the fields
STS's API reference lists, signed requests only."""

from __future__ import annotations

import pytest
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException

from ecs_dr.sandbox.responses.sts import DEMO_ACCOUNT_ID
from tests.support.sandboxes import RunningSandbox, sdk_config


def test_get_caller_identity_answers_the_demo_account_as_sts_does(demo: RunningSandbox) -> None:
    body = StsClient(sdk_config(demo.handle)).get_caller_identity().body
    assert body.account_id == DEMO_ACCOUNT_ID
    assert body.identity_type == "RAMUser"
    assert body.arn == f"acs:ram::{DEMO_ACCOUNT_ID}:user/ecs-dr-sandbox"
    assert body.principal_id and body.user_id == body.principal_id
    assert body.role_id is None
    assert body.request_id
    (logged,) = [r for r in demo.handle.requests() if r["action"] == "GetCallerIdentity"]
    assert logged["api"] == "sts"


def test_get_caller_identity_refuses_a_wrong_secret(demo: RunningSandbox) -> None:
    client = StsClient(sdk_config(demo.handle, secret="not-the-secret-of-this-key"))
    with pytest.raises(ClientException) as refused:
        client.get_caller_identity()
    assert refused.value.code == "SignatureDoesNotMatch"
