"""The `zone_outage` fault's rules beyond the contract rows (`contract/outage.py`): its answers
name the zone, clearing the faults brings the zone back, the zone's uploads stop meanwhile, a
zone the world lacks is refused, and each call on a resource in the zone is refused, reads and
other zones' calls are not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    REGION,
    SOURCE_ZONE,
    TARGET_INSTANCE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.sdk_calls import (
    describe_instance,
    described_snapshot,
    disks_of,
    ecs_error,
    snapshot,
)

ZONE_DOWN = {"kind": "zone_outage", "zone_id": SOURCE_ZONE}


def test_a_call_on_a_resource_in_a_zone_that_is_down_names_the_zone(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault(ZONE_DOWN)
    with pytest.raises(ServerException) as failed:
        snapshot(ecs, DB_DATA)
    assert SOURCE_ZONE in str(failed.value.message)
    assert sandbox.requests()[-1]["code"] == "ServiceUnavailable"


def test_a_create_in_a_zone_that_is_down_names_the_zone(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault(ZONE_DOWN)
    request = models.CreateDiskRequest(
        region_id=REGION, zone_id=SOURCE_ZONE, disk_category="cloud_essd", size=40
    )
    with pytest.raises(ClientException) as failed:
        ecs.create_disk(request)
    assert (failed.value.code, SOURCE_ZONE in str(failed.value.message)) == ("Zone.NotOnSale", True)


def test_clearing_the_faults_brings_the_zone_back(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault(ZONE_DOWN)
    assert ecs_error(lambda: snapshot(ecs, DB_DATA)) == ("ServiceUnavailable", 503)
    sandbox.clear_faults()
    assert snapshot(ecs, DB_DATA).startswith("s-")


def test_an_upload_stops_while_its_disks_zone_is_down_and_finishes_once_it_is_back(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    """prod-db-01's 100 GiB data disk uploads in 90 s: a third of it before the outage, the
    rest once the zone is back, however long the outage lasted."""
    snapshot_id = snapshot(ecs, DB_DATA)
    sandbox.advance_clock(30)
    sandbox.add_fault(ZONE_DOWN)
    held = described_snapshot(ecs, snapshot_id)
    sandbox.advance_clock(600)
    assert described_snapshot(ecs, snapshot_id).status == "progressing"
    assert described_snapshot(ecs, snapshot_id).progress == held.progress != "100%"
    sandbox.clear_faults()
    sandbox.advance_clock(30)
    assert described_snapshot(ecs, snapshot_id).status == "progressing"
    sandbox.advance_clock(31)
    assert described_snapshot(ecs, snapshot_id).status == "accomplished"


def test_a_zone_the_world_lacks_is_refused(sandbox: SandboxHandle) -> None:
    with pytest.raises(Exception, match="400"):
        sandbox.add_fault({"kind": "zone_outage", "zone_id": "cn-hangzhou-zz"})


@pytest.mark.parametrize(
    "call",
    [
        lambda ecs: ecs.modify_instance_network_spec(
            models.ModifyInstanceNetworkSpecRequest(
                instance_id=DB_INSTANCE, internet_max_bandwidth_out=1
            )
        ),
        lambda ecs: ecs.resize_disk(models.ResizeDiskRequest(disk_id=DB_DATA, new_size=200)),
        lambda ecs: ecs.delete_disk(models.DeleteDiskRequest(disk_id=DB_DATA)),
        lambda ecs: ecs.create_image(
            models.CreateImageRequest(region_id=REGION, instance_id=DB_INSTANCE)
        ),
    ],
    ids=["ModifyInstanceNetworkSpec", "ResizeDisk", "DeleteDisk", "CreateImage of an instance"],
)
def test_every_call_on_a_resource_in_a_zone_that_is_down_fails_as_the_service_does(
    sandbox: SandboxHandle, ecs: Client, call: Callable[[Client], object]
) -> None:
    sandbox.add_fault(ZONE_DOWN)
    assert ecs_error(lambda: call(ecs)) == ("ServiceUnavailable", 503)


def test_reads_and_other_zones_answer_while_a_zone_is_down(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault(ZONE_DOWN)
    assert describe_instance(ecs, DB_INSTANCE).status == "Running"
    disks = ecs.describe_disks(
        models.DescribeDisksRequest(region_id=REGION, instance_id=DB_INSTANCE)
    ).body.disks.disk
    assert {d.zone_id for d in disks} == {SOURCE_ZONE}
    other = disks_of(sandbox, TARGET_INSTANCE)[0]["disk_id"]
    assert snapshot(ecs, other).startswith("s-")
