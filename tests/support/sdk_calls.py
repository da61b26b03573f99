"""SDK calls and checks the sandbox conformance tests share: an expected ECS error, a raw body
that round-trips through the SDK's model, paging, and resources several families need."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.control import SandboxControl
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import DiskDeviceMapping, Image
from tests.support.demo_world import (
    DB_DISKS,
    PROD_SG,
    PUBLIC_IMAGE,
    REGION,
    SOURCE_ZONE,
    TARGET_VSWITCH,
    TARGET_ZONE,
)
from tests.support.lab_world import ESSD_ONLY_TYPE, LAB_ZONE

# Where `run_request` launches unless told otherwise: the prod VPC's VSwitch in zone I.
LAUNCH_ZONE = TARGET_ZONE
LAUNCH_VSWITCH = TARGET_VSWITCH
# Long enough for any seeded disk's snapshot to upload and any image to be created.
SETTLE_S = 1000.0


def ecs_error(call: Callable[[], Any]) -> tuple[str, int]:
    """Run an SDK call expected to fail; return ECS's (code, http status)."""
    with pytest.raises((ClientException, ServerException)) as info:
        call()
    return str(info.value.code), int(info.value.status_code)


def round_trips(client: OpenApiClient, call: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """Make one SDK call through `client`, ECS's or the VPC API's, and check that the raw JSON
    body the sandbox sent maps onto the SDK's body model and back unchanged: no key the model
    does not know, none lost, objects and lists where the model nests them (scalars it keeps
    as sent, unchecked). Returns the response and that raw body.

    The spy sits on `client.call_api`, under the SDK's `<action>_with_options`, so the request
    is encoded exactly as the SDK encodes it and the body is seen before any model read it.
    """
    bodies: list[dict[str, Any]] = []
    call_api = client.call_api

    def spy(*args: Any, **kwargs: Any) -> Any:
        answer = call_api(*args, **kwargs)
        bodies.append(answer["body"])
        return answer

    with pytest.MonkeyPatch.context() as patch:
        # On the instance's own attributes, so undoing it leaves the client as it was.
        patch.setitem(vars(client), "call_api", spy)
        response = call()
    [raw] = bodies
    assert type(response.body)().from_map(raw).to_map() == raw
    return response, raw


def token_pages(fetch: Callable[[str | None], Any], *, most: int = 100) -> Iterator[Any]:
    """Each page's body of a `NextToken` listing, first to last; `fetch(token)` gets one."""
    token: str | None = None
    for _ in range(most):
        body = fetch(token)
        yield body
        token = body.next_token
        if not token:
            return
    raise AssertionError(f"still a NextToken after {most} pages")


# --- SDK calls several families make ------------------------------------------------------------
def create_disk(ecs: Client, **kwargs: Any) -> str:
    """CreateDisk, by default a cloud_essd disk in zone H."""
    kwargs.setdefault("region_id", REGION)
    if "instance_id" not in kwargs:
        kwargs.setdefault("zone_id", SOURCE_ZONE)
    kwargs.setdefault("disk_category", "cloud_essd")
    request = models.CreateDiskRequest(**kwargs)
    return str(ecs.create_disk(request).body.disk_id)


def snapshot(ecs: Client, disk_id: str, **kwargs: Any) -> str:
    request = models.CreateSnapshotRequest(disk_id=disk_id, **kwargs)
    return str(ecs.create_snapshot(request).body.snapshot_id)


def snapshot_disks(ecs: Client, sandbox: SandboxControl, disk_ids: tuple[str, ...]) -> list[str]:
    """Snapshot each disk and let the uploads finish (`accomplished`)."""
    ids = [snapshot(ecs, disk_id) for disk_id in disk_ids]
    sandbox.advance_clock(SETTLE_S)
    return ids


def full_image(ecs: Client, sandbox: SandboxControl, name: str = "prod-db-full") -> str:
    """An Available image of prod-db-01: system 40 GiB, data 100 GiB at xvdb, 500 GiB at xvdc."""
    system, data, log = snapshot_disks(ecs, sandbox, DB_DISKS)
    image_id = ecs.create_image(
        models.CreateImageRequest(
            region_id=REGION,
            image_name=name,
            disk_device_mapping=[
                models.CreateImageRequestDiskDeviceMapping(
                    snapshot_id=system, device="/dev/xvda", disk_type="system"
                ),
                models.CreateImageRequestDiskDeviceMapping(
                    snapshot_id=data, device="/dev/xvdb", disk_type="data"
                ),
                models.CreateImageRequestDiskDeviceMapping(
                    snapshot_id=log, device="/dev/xvdc", disk_type="data"
                ),
            ],
        )
    ).body.image_id
    sandbox.advance_clock(SETTLE_S)
    return str(image_id)


def run_request(**overrides: Any) -> models.RunInstancesRequest:
    """RunInstances of one ecs.g7.large from the public image in the launch zone."""
    fields: dict[str, Any] = {
        "region_id": REGION,
        "zone_id": LAUNCH_ZONE,
        "image_id": PUBLIC_IMAGE,
        "instance_type": "ecs.g7.large",
        "security_group_id": PROD_SG,
        "v_switch_id": LAUNCH_VSWITCH,
        "instance_name": "dr-restore",
        "internet_max_bandwidth_out": 0,
    }
    fields.update(overrides)
    return models.RunInstancesRequest(**fields)


def run(ecs: Client, **overrides: Any) -> str:
    [instance_id] = ecs.run_instances(
        run_request(**overrides)
    ).body.instance_id_sets.instance_id_set
    return str(instance_id)


def run_essd_only(ecs: Client, category: str) -> str:
    """RunInstances of the lab world's ESSD-only type in cn-hangzhou's lab zone, its system disk
    of `category`."""
    return run(
        ecs,
        zone_id=LAB_ZONE,
        v_switch_id="vsw-hza",
        security_group_id="sg-hz",
        instance_type=ESSD_ONLY_TYPE,
        system_disk=models.RunInstancesRequestSystemDisk(category=category, size="40"),
    )


def describe_instance(ecs: Client, instance_id: str) -> Any:
    """One instance as DescribeInstances answers it."""
    body = ecs.describe_instances(
        models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))
    ).body
    [instance] = body.instances.instance
    return instance


def disks_of(sandbox: SandboxControl, instance_id: str) -> list[dict[str, Any]]:
    """An instance's disks as the sandbox holds them, by device."""
    disks = sandbox.state()["regions"][REGION]["disks"].values()
    return sorted(
        (d for d in disks if d["instance_id"] == instance_id), key=lambda d: str(d["device"])
    )


def stock_of(sandbox: SandboxControl, zone: str, instance_type: str) -> int:
    """How many instances of a type the zone can still launch."""
    return int(sandbox.state()["regions"][REGION]["zones"][zone]["stock"][instance_type])


# --- snapshots and snapshot groups ---------------------------------------------------------
def described_snapshots(ecs: Client, region: str = REGION, **kwargs: Any) -> list[Any]:
    request = models.DescribeSnapshotsRequest(region_id=region, page_size=100, **kwargs)
    return list(ecs.describe_snapshots(request).body.snapshots.snapshot)


def described_snapshot(ecs: Client, snapshot_id: str) -> Any:
    [found] = described_snapshots(ecs, snapshot_ids=json.dumps([snapshot_id]))
    return found


def snapshot_group(ecs: Client, region: str = REGION, **kwargs: Any) -> str:
    request = models.CreateSnapshotGroupRequest(region_id=region, **kwargs)
    return str(ecs.create_snapshot_group(request).body.snapshot_group_id)


def described_groups(ecs: Client, region: str = REGION, **kwargs: Any) -> list[Any]:
    request = models.DescribeSnapshotGroupsRequest(region_id=region, **kwargs)
    return list(ecs.describe_snapshot_groups(request).body.snapshot_groups.snapshot_group)


def add_image_using(backend: Backend, snapshot_id: str) -> None:
    """CreateImage belongs to another family; an image referencing the snapshot is enough here."""
    with backend.lock:
        backend.regions[REGION].images["m-bp1drillimage000001"] = Image(
            image_id="m-bp1drillimage000001",
            image_name="drill",
            mappings=[DiskDeviceMapping("/dev/xvda", "system", snapshot_id, 40)],
            lifecycle=Lifecycle.fixed("Available"),
            created_at=backend.now(),
        )


def tag_vpc_resources(
    vpc: VpcClient, resource_type: str, resource_ids: list[str], **tags: str
) -> None:
    """TagResources of the VPC API: `tags` on each of the resources."""
    vpc.tag_resources(
        vpc_models.TagResourcesRequest(
            region_id=REGION,
            resource_type=resource_type,
            resource_id=resource_ids,
            tag=[vpc_models.TagResourcesRequestTag(key=k, value=v) for k, v in tags.items()],
        )
    )
