"""The `/_sandbox/` control endpoints and fault injection, seen through the official SDK."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from ecs_dr.sandbox.models import durations
from tests.support.demo_world import DB_DATA, DB_INSTANCE
from tests.support.sandboxes import SandboxHandle, sdk_client
from tests.support.sdk_calls import ecs_error

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
    assert instances[DB_INSTANCE]["status"] == "Running"
    assert len(sandbox.requests()) == 1
    sandbox.reset()
    assert sandbox.requests() == []


def test_virtual_clock_advances_through_the_control_endpoint(sandbox: SandboxHandle) -> None:
    before = sandbox.clock.now()
    sandbox.advance_clock(90)
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


# --- durations ------------------------------------------------------------------------------
DB_DATA_UPLOAD_S = durations.snapshot_upload(100, "cloud_essd")


def _snapshot(ecs: Client) -> str:
    request = models.CreateSnapshotRequest(disk_id=DB_DATA)
    return str(ecs.create_snapshot(request).body.snapshot_id)


def _upload_s(sandbox: SandboxHandle, snapshot_id: str) -> float:
    snapshot = sandbox.state()["regions"]["cn-hangzhou"]["snapshots"][snapshot_id]
    ((status, seconds),) = snapshot["stages"]
    assert status == "progressing"
    return float(seconds)


def _snapshot_status(ecs: Client, snapshot_id: str) -> str:
    request = models.DescribeSnapshotsRequest(
        region_id="cn-hangzhou", snapshot_ids=json.dumps([snapshot_id])
    )
    (snapshot,) = ecs.describe_snapshots(request).body.snapshots.snapshot
    return str(snapshot.status)


def test_durations_are_nominal_unless_the_world_lets_them_vary(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert _upload_s(sandbox, _snapshot(ecs)) == DB_DATA_UPLOAD_S


def test_varied_durations_stay_within_the_spread_and_repeat_for_the_same_seed(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    drawn: dict[int, list[float]] = {1: [], 2: []}
    for seed in (1, 2, 1):
        sandbox.reset({"spread": 0.2, "seed": seed})
        drawn[seed].append(_upload_s(sandbox, _snapshot(ecs)))
    assert drawn[1][0] == drawn[1][1]
    assert drawn[1][0] != drawn[2][0]
    for seconds in drawn[1] + drawn[2]:
        assert 0.8 * DB_DATA_UPLOAD_S <= seconds <= 1.2 * DB_DATA_UPLOAD_S
        assert seconds != DB_DATA_UPLOAD_S


def test_each_resource_of_a_kind_draws_its_own_duration(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.reset({"spread": 0.2, "seed": 1})
    first = _upload_s(sandbox, _snapshot(ecs))
    sandbox.advance_clock(2 * DB_DATA_UPLOAD_S)  # one snapshot of a disk at a time
    second = _upload_s(sandbox, _snapshot(ecs))
    assert first != second


def test_a_varied_snapshot_is_accomplished_when_its_own_duration_ends(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.reset({"spread": 0.2, "seed": 3})
    snapshot_id = _snapshot(ecs)
    upload_s = _upload_s(sandbox, snapshot_id)
    sandbox.advance_clock(upload_s - 1)
    assert _snapshot_status(ecs, snapshot_id) == "progressing"
    sandbox.advance_clock(2)
    assert _snapshot_status(ecs, snapshot_id) == "accomplished"


@pytest.mark.parametrize(
    "bad", [{"spread": 0.9}, {"spread": -0.1}, {"seed": "one"}, {"jitter": 0.1}]
)
def test_malformed_reset_durations_are_refused_and_reset_nothing(
    sandbox: SandboxHandle, ecs: Client, bad: dict[str, object]
) -> None:
    _regions(ecs)
    with pytest.raises(urllib.error.HTTPError) as info:
        sandbox.reset(bad)
    assert info.value.code == 400
    assert next(iter(bad)) in info.value.read().decode()
    assert len(sandbox.requests()) == 1
