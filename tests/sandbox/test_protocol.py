"""The wire protocol: signatures, versions, unknown actions, error shape."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.signing import string_to_sign
from tests.conftest import SandboxHandle, sdk_client
from tests.sandbox.helpers import ecs_error


def test_signed_request_is_served_and_logged_with_its_user_agent(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    body = ecs.describe_regions(models.DescribeRegionsRequest()).body
    assert [r.region_id for r in body.regions.region] == ["cn-hangzhou", "cn-shanghai"]
    [record] = sandbox.requests()
    assert record["action"] == "DescribeRegions"
    assert record["status"] == 200
    assert "AlibabaCloud-Agent-Skills/" in record["user_agent"]


def test_wrong_secret_gets_signature_does_not_match(sandbox: SandboxHandle) -> None:
    client = sdk_client(sandbox, secret="not-the-secret")
    assert ecs_error(lambda: client.describe_regions(models.DescribeRegionsRequest())) == (
        "SignatureDoesNotMatch",
        400,
    )


def test_unknown_key_gets_invalid_access_key_id_not_found(sandbox: SandboxHandle) -> None:
    client = sdk_client(sandbox, key_id="LTAI5tUnknownKey")
    assert ecs_error(lambda: client.describe_regions(models.DescribeRegionsRequest())) == (
        "InvalidAccessKeyId.NotFound",
        404,
    )


def test_unknown_action_gets_ecs_error_not_a_crash(sandbox: SandboxHandle, ecs: Client) -> None:
    # An action the SDK knows but the sandbox does not serve.
    code, status = ecs_error(
        lambda: ecs.describe_key_pairs(models.DescribeKeyPairsRequest(region_id="cn-hangzhou"))
    )
    assert (code, status) == ("InvalidAction.NotFound", 404)


def test_injected_error_fault_fails_the_nth_call_then_recovers(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault(
        {
            "kind": "error",
            "action": "DescribeRegions",
            "code": "InternalError",
            "http_status": 500,
            "nth": 2,
        }
    )
    ecs.describe_regions(models.DescribeRegionsRequest())
    assert ecs_error(lambda: ecs.describe_regions(models.DescribeRegionsRequest())) == (
        "InternalError",
        500,
    )
    ecs.describe_regions(models.DescribeRegionsRequest())
    assert [r["status"] for r in sandbox.requests()] == [200, 500, 200]


def _raw_call(
    sandbox: SandboxHandle,
    *,
    signed_query: dict[str, str],
    sent_query: dict[str, str] | None = None,
    version: str = "2014-05-26",
    sign: bool = True,
) -> tuple[int, dict[str, object]]:
    """A hand-built ACS3 request, so a test can sign one thing and send another."""
    headers = {
        "host": sandbox.endpoint,
        "x-acs-action": "DescribeRegions",
        "x-acs-version": version,
        "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    signed = sorted(headers)
    if sign:
        to_sign = string_to_sign("POST", "/", signed_query, headers, signed, b"")
        signature = hmac.new(
            sandbox.access_key_secret.encode(), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        headers["authorization"] = (
            f"ACS3-HMAC-SHA256 Credential={sandbox.access_key_id},"
            f"SignedHeaders={';'.join(signed)},Signature={signature}"
        )
    query = urllib.parse.urlencode(sent_query if sent_query is not None else signed_query)
    request = urllib.request.Request(
        f"http://{sandbox.endpoint}/?{query}", data=b"", method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_hand_signed_request_by_the_documented_algorithm_is_accepted(
    sandbox: SandboxHandle,
) -> None:
    status, body = _raw_call(sandbox, signed_query={"AcceptLanguage": "en-US"})
    assert status == 200
    assert "Regions" in body


def test_query_changed_after_signing_gets_signature_does_not_match(sandbox: SandboxHandle) -> None:
    status, body = _raw_call(
        sandbox, signed_query={"AcceptLanguage": "en-US"}, sent_query={"AcceptLanguage": "zh-CN"}
    )
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


def test_unsigned_request_gets_incomplete_signature(sandbox: SandboxHandle) -> None:
    status, body = _raw_call(sandbox, signed_query={}, sign=False)
    assert (status, body["Code"]) == (400, "IncompleteSignature")


def test_other_api_version_is_refused(sandbox: SandboxHandle) -> None:
    status, body = _raw_call(sandbox, signed_query={}, version="2016-03-14")
    assert (status, body["Code"]) == (400, "InvalidVersion")


def test_error_body_has_ecs_shape(sandbox: SandboxHandle) -> None:
    _, body = _raw_call(sandbox, signed_query={}, sign=False)
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
