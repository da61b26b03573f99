"""A plan never runs against a source that changed, end to end through the `mcp` client: the
operator releases the source's public IP (ModifyInstanceNetworkSpec through the official SDK)
after planning, and execute_recovery is refused naming the change, having created nothing."""

from __future__ import annotations

from pathlib import Path

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config

from ecs_dr.sandbox.control import SandboxControl
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import REGION, TARGET_ZONE, WEB_INSTANCE
from tests.support.mcp import mcp_session

CREATES = ("Create", "Run", "Attach", "Tag", "Copy", "Delete")


def operator_sdk(sandbox: SandboxControl) -> Client:
    """The official SDK as an operator runs it against the server's sandbox, outside the
    product."""
    return Client(
        Config(
            access_key_id=SANDBOX_KEY_ID,
            access_key_secret=SANDBOX_KEY_SECRET,
            endpoint=sandbox.endpoint,
            protocol="http",
            region_id=REGION,
        )
    )


async def test_a_public_ip_released_after_planning_refuses_execute_recovery_creating_nothing(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        planned, _ = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": WEB_INSTANCE,
                "target_zone_id": TARGET_ZONE,
            },
        )
        assert planned["status"] == "completed", planned
        run = next(s for s in planned["steps"] if s["action"] == "RunInstances")
        assert run["parameters"]["InternetMaxBandwidthOut"] == 5

        operator_sdk(served.sandbox).modify_instance_network_spec(
            models.ModifyInstanceNetworkSpecRequest(
                instance_id=WEB_INSTANCE, internet_max_bandwidth_out=0
            )
        )

        # Asking reads nothing; the user's answer is checked against the cloud first.
        answered = await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        refused = await served.fail("execute_recovery", answered)
        assert "InternetMaxBandwidthOut 5 -> 0 (the source lost its public IP)" in refused
        assert "Plan again (plan_recovery)" in refused and "nothing was created" in refused
        assert "Traceback" not in refused
        assert [a for a in served.sandbox.actions() if a.startswith(CREATES)] == []
