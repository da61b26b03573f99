"""The `/_sandbox/` control endpoints and fault injection, seen through the official SDK."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from tests.conftest import SandboxHandle, sdk_client
from tests.sandbox.helpers import ecs_error

STS_TOKEN = "CAIS8QF1q6Ft5B2yfSjIr5bMGM/2n7tU0Ky6Qk3QtWQsTu1li/3FlTz2IHhMfXRuB+0Ysvg=="
UNKNOWN_KEY_ID = "LTAI5tUnknownKey9aB3xQ7m"


def _regions(ecs: Client) -> None:
    ecs.describe_regions(models.DescribeRegionsRequest())


def test_throttle_fault_refuses_calls_above_the_qps_limit(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault({"kind": "throttle", "qps": 2})
    _regions(ecs)
    _regions(ecs)
    assert ecs_error(lambda: _regions(ecs)) == ("Throttling.User", 400)


def test_resource_throttle_answers_429(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault({"kind": "throttle", "qps": 1, "code": "Throttling.Resource"})
    _regions(ecs)
    assert ecs_error(lambda: _regions(ecs)) == ("Throttling.Resource", 429)


def test_forbidden_ram_fault_names_the_action(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeRegions", "code": "Forbidden.RAM", "http_status": 403}
    )
    code, status = ecs_error(lambda: _regions(ecs))
    assert (code, status) == ("Forbidden.RAM", 403)
    assert sandbox.requests()[-1]["code"] == "Forbidden.RAM"


def test_latency_fault_beyond_the_read_timeout_is_a_timeout(sandbox: SandboxHandle) -> None:
    sandbox.add_fault({"kind": "latency", "seconds": 1.0, "times": 1})
    impatient = Client(
        Config(
            access_key_id=sandbox.access_key_id,
            access_key_secret=sandbox.access_key_secret,
            endpoint=sandbox.endpoint,
            protocol="http",
            read_timeout=200,
        )
    )
    with pytest.raises(Exception, match=r"(?i)timed? ?out"):
        _regions(impatient)


def test_reset_connection_fault_drops_the_answer_then_serves_again(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault({"kind": "reset_connection", "action": "DescribeRegions"})
    with pytest.raises(Exception):  # noqa: B017 (the transport's own error type)
        _regions(ecs)
    _regions(ecs)
    assert [r["code"] for r in sandbox.requests()] == ["ConnectionReset", ""]


def test_malformed_fault_is_refused_with_the_reason(sandbox: SandboxHandle) -> None:
    with pytest.raises(Exception, match="400"):
        sandbox.add_fault({"kind": "throttle", "qps": -1})


def test_clearing_faults_restores_service(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault(
        {"kind": "error", "code": "ServiceUnavailable", "http_status": 503, "times": 100}
    )
    assert ecs_error(lambda: _regions(ecs)) == ("ServiceUnavailable", 503)
    sandbox.clear_faults()
    _regions(ecs)


def test_state_shows_the_world_and_reset_forgets_the_log(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    _regions(ecs)
    state = sandbox.state()
    instances = state["regions"]["cn-hangzhou"]["instances"]
    assert instances["i-bp1proddb0000000001"]["status"] == "Running"
    assert len(sandbox.requests()) == 1
    sandbox.reset()
    assert sandbox.requests() == []


def test_virtual_clock_advances_through_the_control_endpoint(sandbox: SandboxHandle) -> None:
    before = sandbox.clock.now()
    sandbox.advance(90)
    assert sandbox.clock.now() == before + 90


def test_the_requests_log_names_the_signing_key_and_whether_an_sts_token_came_but_not_its_value(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    with_token = Client(
        Config(
            access_key_id=sandbox.access_key_id,
            access_key_secret=sandbox.access_key_secret,
            security_token=STS_TOKEN,
            endpoint=sandbox.endpoint,
            protocol="http",
        )
    )
    _regions(with_token)
    _regions(ecs)

    logged = sandbox.requests()
    assert [(r["access_key_id"], r["security_token"]) for r in logged] == [
        (sandbox.access_key_id, True),
        (sandbox.access_key_id, False),
    ]
    assert STS_TOKEN not in json.dumps(logged)


def test_the_requests_log_names_an_unknown_key_and_an_unsigned_request_as_no_key(
    sandbox: SandboxHandle,
) -> None:
    stranger = sdk_client(sandbox, key_id=UNKNOWN_KEY_ID)
    assert ecs_error(lambda: _regions(stranger)) == ("InvalidAccessKeyId.NotFound", 404)
    unsigned = urllib.request.Request(f"http://{sandbox.endpoint}/", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    refused.value.close()

    logged = sandbox.requests()
    assert [(r["access_key_id"], r["code"]) for r in logged] == [
        (UNKNOWN_KEY_ID, "InvalidAccessKeyId.NotFound"),
        ("", "IncompleteSignature"),
    ]
