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
from typing import Any

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.signing import string_to_sign
from tests.support.sandboxes import SandboxHandle, sdk_client
from tests.support.sdk_calls import ecs_error


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


def _signed_request(
    sandbox: SandboxHandle,
    *,
    signed_query: dict[str, str],
    sent_query: dict[str, str] | None = None,
    version: str = "2014-05-26",
    sign: bool = True,
    method: str = "POST",
    action: str | None = "DescribeRegions",
    age_s: float = 0.0,
) -> urllib.request.Request:
    """A hand-built ACS3 request, so a test can sign one thing and send another.

    `action=None` sends no x-acs-action header (signed as empty, so only the action is
    missing); `age_s` dates the request that many seconds in the past.
    """
    headers = {
        "host": sandbox.endpoint,
        "x-acs-action": action or "",
        "x-acs-version": version,
        "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - age_s)),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    signed = sorted(headers)
    if sign:
        to_sign = string_to_sign(method, "/", signed_query, headers, signed, b"")
        signature = hmac.new(
            sandbox.access_key_secret.encode(), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        headers["authorization"] = (
            f"ACS3-HMAC-SHA256 Credential={sandbox.access_key_id},"
            f"SignedHeaders={';'.join(signed)},Signature={signature}"
        )
    if action is None:
        del headers["x-acs-action"]
    query = urllib.parse.urlencode(sent_query if sent_query is not None else signed_query)
    return urllib.request.Request(
        f"http://{sandbox.endpoint}/?{query}", data=b"", method=method, headers=headers
    )


def _send(request: urllib.request.Request) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _raw_call(sandbox: SandboxHandle, **request: Any) -> tuple[int, dict[str, object]]:
    return _send(_signed_request(sandbox, **request))


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


def test_request_dated_twenty_minutes_ago_gets_invalid_time_stamp_expired(
    sandbox: SandboxHandle,
) -> None:
    status, body = _raw_call(sandbox, signed_query={}, age_s=20 * 60)
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")
    assert sandbox.requests()[-1]["code"] == "InvalidTimeStamp.Expired"


def test_replayed_signed_request_gets_signature_nonce_used(sandbox: SandboxHandle) -> None:
    request = _signed_request(sandbox, signed_query={"AcceptLanguage": "en-US"})
    assert _send(request)[0] == 200
    status, body = _send(request)
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    # A new nonce on the same call is served again.
    assert _raw_call(sandbox, signed_query={"AcceptLanguage": "en-US"})[0] == 200


def test_request_without_an_action_gets_missing_action(sandbox: SandboxHandle) -> None:
    status, body = _raw_call(sandbox, signed_query={}, action=None)
    assert (status, body["Code"]) == (400, "MissingAction")


def test_put_request_gets_unsupported_http_method(sandbox: SandboxHandle) -> None:
    status, body = _raw_call(sandbox, signed_query={}, method="PUT")
    assert (status, body["Code"]) == (400, "UnsupportedHTTPMethod")
