"""A zone outage end to end, through the `mcp` client over stdio: with prod-db-01's zone down
(the sandbox's `zone_outage` fault), the regional reads still describe it, a recovery from
scratch stops with a text naming the zone and snapshots nothing, and once the zone is back the
same recovery completes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.models import Config

from tests.support.credentials import (
    SANDBOX_KEY_ID,
    SANDBOX_KEY_SECRET,
    SANDBOX_SECURITY_TOKEN,
)
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_DISKS,
    DB_INSTANCE,
    REGION,
    SOURCE_ZONE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.mcp import Answer, Session, mcp_session

ZONE_DOWN = {"kind": "zone_outage", "zone_id": SOURCE_ZONE}


async def recover_from_scratch(served: Session) -> Answer:
    """Scenario A for prod-db-01 into zone I, every question answered with the recommended
    choice: the plan when it stops there, else its execution's answer."""
    arguments = {
        "scenario": "full_instance",
        "source_instance_id": DB_INSTANCE,
        "target_zone_id": TARGET_ZONE,
    }
    planned, _ = await decide(served, "plan_recovery", arguments)
    if planned["status"] != "completed":
        return planned
    done, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
    return done


def snapshots_of_the_source(region: dict[str, Any]) -> list[str]:
    return [
        snapshot_id
        for snapshot_id, snapshot in region["snapshots"].items()
        if snapshot["source_disk_id"] in DB_DISKS
    ]


async def test_with_the_source_zone_down_a_recovery_names_the_zone_and_snapshots_nothing(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        served.sandbox.add_fault(ZONE_DOWN)

        source = await served.call("describe_source", {"instance_id": DB_INSTANCE})
        assert source["status"] == "completed", source.text
        assert source["instance"]["zone_id"] == SOURCE_ZONE

        stopped = await recover_from_scratch(served)
        assert stopped["status"] != "completed", stopped.text
        assert SOURCE_ZONE in stopped.text
        region = served.sandbox.state()["regions"][REGION]
        assert snapshots_of_the_source(region) == []
        assert region["snapshot_groups"] == {}
        assert all(
            r["code"] for r in served.sandbox.requests() if r["action"].startswith("CreateSnap")
        )

        served.sandbox.clear_faults()
        recovered = await recover_from_scratch(served)
        assert recovered["status"] == "completed", recovered.text
        region = served.sandbox.state()["regions"][REGION]
        assert region["instances"][recovered["dr_instance_id"]]["zone_id"] == TARGET_ZONE
        assert len(snapshots_of_the_source(region)) == len(DB_DISKS)


async def test_with_the_zone_down_the_latest_point_is_offered_and_recovered_from_with_no_snapshot(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        point, _ = await decide(
            served, "create_recovery_point", {"instance_id": DB_INSTANCE, "image": True}
        )
        assert point["status"] == "completed", point.text
        served.sandbox.add_fault(ZONE_DOWN)
        outage_began = len(served.sandbox.requests())

        arguments = {
            "scenario": "full_instance",
            "source_instance_id": DB_INSTANCE,
            "target_zone_id": TARGET_ZONE,
            "drill": True,
        }
        asked = await served.call("plan_recovery", arguments)
        assert asked["status"] == "needs_decision", asked.text
        offer = next(p for p in asked["decisions"] if p["header"] == "Source zone")
        assert point["point_id"] in offer["question"] and SOURCE_ZONE in offer["question"]
        assert offer["options"][0]["value"] == "recovery_point"

        planned, _ = await decide(served, "plan_recovery", arguments)
        assert planned["status"] == "completed", planned.text
        assert planned["plan"]["recovery_point"]["point_id"] == point["point_id"]
        assert [s["action"] for s in planned["steps"]] == ["RunInstances"]
        executed, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        assert executed["status"] == "completed", executed.text

        during = served.sandbox.requests()[outage_began:]
        assert not [r for r in during if r["action"].startswith(("CreateSnapshot", "CreateImage"))]
        result = executed["result"]
        assert result["all_match"] is True, executed.text
        assert result["image_id"] == point["point_id"]
        region = served.sandbox.state()["regions"][REGION]
        dr = region["instances"][executed["dr_instance_id"]]
        assert dr["zone_id"] == TARGET_ZONE
        assert dr["internet_max_bandwidth_out"] == 0  # the source has no public IP

        report = await served.call("drill_report", {"operation_id": executed["operation_id"]})
        assert report["status"] == "completed", report.text
        measured = report["report"]
        assert measured["rto_s"] > 0 and measured["rpo_s"] > 0
        assert measured["point_taken_at"] == planned["plan"]["recovery_point"]["taken_at"]
        assert "rto_s" in report.text and "rpo_s" in report.text


def _release(served: Session, instance_id: str) -> None:
    """The source is released behind the server's back (by hand, in the console)."""
    config = Config(
        access_key_id=SANDBOX_KEY_ID,
        access_key_secret=SANDBOX_KEY_SECRET,
        security_token=SANDBOX_SECURITY_TOKEN,
        endpoint=served.sandbox.endpoint,
        protocol="http",
        region_id=REGION,
    )
    request = ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=True)
    EcsClient(config).delete_instance(request)


async def test_a_source_ecs_no_longer_knows_is_recovered_with_the_configuration_its_point_recorded(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        point, _ = await decide(
            served, "create_recovery_point", {"instance_id": DB_INSTANCE, "image": True}
        )
        assert point["status"] == "completed", point.text
        recorded = await served.call("describe_source", {"instance_id": DB_INSTANCE})
        _release(served, DB_INSTANCE)

        arguments = {
            "scenario": "full_instance",
            "source_instance_id": DB_INSTANCE,
            "target_zone_id": TARGET_ZONE,
            "region_id": REGION,
            "recovery_point": "latest",
        }
        planned, _ = await decide(served, "plan_recovery", arguments)
        assert planned["status"] == "completed", planned.text
        assert planned["plan"]["recovery_point"]["config_from"] == "the point's record"
        assert any("ECS does not answer" in f for f in planned["findings"])
        executed, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        assert executed["status"] == "completed", executed.text
        assert executed["result"]["all_match"] is True, executed.text
        dr = served.sandbox.state()["regions"][REGION]["instances"][executed["dr_instance_id"]]
        source = recorded["instance"]
        assert dr["instance_type"] == source["instance_type"]
        assert dr["security_group_ids"] == source["security_group_ids"]


async def test_a_fleet_recovers_each_source_from_its_own_latest_point(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        points = {}
        for source in (DB_INSTANCE, WEB_INSTANCE):
            point, _ = await decide(served, "create_recovery_point", {"instance_id": source})
            assert point["status"] == "completed", point.text
            points[source] = point["point_id"]
        served.sandbox.add_fault(ZONE_DOWN)
        outage_began = len(served.sandbox.requests())

        arguments = {
            "scenario": "full_instance",
            "source_instance_id": [DB_INSTANCE, WEB_INSTANCE],
            "target_zone_id": TARGET_ZONE,
            "recovery_point": "latest",
            "drill": True,
        }
        planned, _ = await decide(served, "plan_recovery", arguments)
        assert planned["status"] == "completed", planned.text
        members = planned["plan"]["members"]
        assert {m["source_instance_id"]: m["recovery_point"]["point_id"] for m in members} == points
        executed, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        assert executed["status"] == "completed", executed.text
        during = served.sandbox.requests()[outage_began:]
        assert not [r for r in during if r["action"].startswith("CreateSnapshot")]
        assert len(served.sandbox.calls("CreateImage")) == 2  # one per point: groups, no images

        refused = await served.fail("plan_recovery", {**arguments, "recovery_point": "ssg-1"})
        assert "its own latest point" in refused
