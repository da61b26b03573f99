"""What the sandbox conformance tests share: the sandboxes they run, the checks they make and
the SDK calls several families need. Fixtures built on these are in `conftest.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from ecs_dr.sandbox.app import Sandbox
from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.server import SandboxThread
from ecs_dr.sandbox.world import load_world, parse_world
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SandboxHandle, sdk_client

# --- the demo world ---------------------------------------------------------------------------
REGION = "cn-hangzhou"
DB_INSTANCE = "i-bp1proddb0000000001"  # prod-db-01, cn-hangzhou-h, ecs.g7.large
DB_SYSTEM = "d-bp1proddbsys00000001"  # 40 GiB at /dev/xvda
DB_DATA = "d-bp1proddbdata0000001"  # 100 GiB at /dev/xvdb
DB_LOG = "d-bp1proddblog00000001"  # 500 GiB at /dev/xvdc
DB_DISKS = (DB_SYSTEM, DB_DATA, DB_LOG)
WEB_INSTANCE = "i-bp1prodweb000000001"
LEGACY_DATA = "d-bp1legacydata000001"  # cloud_efficiency
PROD_SG = "sg-bp1prod000000000001"
PUBLIC_IMAGE = "aliyun_3_x64_20G_alibase_20260101.vhd"
# Where `run_request` launches unless told otherwise: the prod VPC's VSwitch in zone I.
LAUNCH_ZONE = "cn-hangzhou-i"
LAUNCH_VSWITCH = "vsw-bp1prodi00000000001"
# Long enough for any seeded disk's snapshot to upload and any image to be created.
SETTLE_S = 1000.0

World = dict[str, Any]


# --- sandboxes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Served:
    """A running sandbox: its control handle, the emulator behind it and the SDK pointed at it."""

    handle: SandboxHandle
    emulator: Sandbox
    ecs: Client

    @property
    def backend(self) -> Backend:
        return self.emulator.backend

    def fresh(self) -> Served:
        """The same server reset for one test: its world as seeded, a new clock at the epoch, no
        faults and no requests logged."""
        clock = VirtualClock()
        self.emulator.clock = clock
        self.emulator.reset()
        return replace(self, handle=replace(self.handle, clock=clock))


class StartSandbox(Protocol):
    """Start a sandbox on `world` (the demo world when None); the fixture giving it stops it."""

    def __call__(self, world: World | None = None) -> Served: ...


@contextmanager
def serve(world: World | None = None) -> Iterator[Served]:
    """A sandbox on `world` (the demo world when None) on a loopback port, and the SDK on it."""
    clock = VirtualClock()
    spec = load_world(None) if world is None else parse_world(world)
    emulator = Sandbox(spec, {ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock)
    with SandboxThread(emulator) as server:
        handle = SandboxHandle(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, clock)
        yield Served(handle, emulator, sdk_client(handle))


# --- the lab world: what the demo world has not -------------------------------------------------
# A type whose system disk can only be an ESSD (cloud_essd, cloud_auto).
ESSD_ONLY_TYPE = "ecs.g8i.large"
LAB_ZONE = "cn-hangzhou-a"


def _lab_disk(disk_id: str, device: str, size: int = 40, **extra: Any) -> dict[str, Any]:
    kind = "system" if device == "/dev/xvda" else "data"
    spec = {"disk_id": disk_id, "type": kind, "device": device, "size": size}
    spec.setdefault("performance_level", "PL0")
    spec.update(extra)
    if spec.get("category", "cloud_essd") != "cloud_essd":
        spec.pop("performance_level")
    return spec


def _lab_region(region_id: str, code: str) -> dict[str, Any]:
    zone = f"{region_id}-a"
    letters = "bcdefghijklmnopq"

    def instance(name: str, disks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "instance_id": f"i-{code}{name}",
            "zone_id": zone,
            "instance_type": "ecs.g7.large",
            "vswitch_id": f"vsw-{code}a",
            "security_group_ids": [f"sg-{code}"],
            "disks": disks,
            **extra,
        }

    return {
        "region_id": region_id,
        "zones": [
            {
                "zone_id": zone,
                "instance_types": {"ecs.g7.large": {}, "ecs.one.large": {}, ESSD_ONLY_TYPE: {}},
                "disk_categories": ["cloud_essd", "cloud_auto", "cloud_efficiency"],
            }
        ],
        "vpcs": [
            {
                "vpc_id": f"vpc-{code}",
                "cidr_block": "10.0.0.0/16",
                "vswitches": [
                    {"vswitch_id": f"vsw-{code}a", "zone_id": zone, "cidr_block": "10.0.1.0/24"}
                ],
                "security_groups": [f"sg-{code}"],
            }
        ],
        "instances": [
            instance(
                "many",
                [_lab_disk(f"d-{code}many-sys", "/dev/xvda")]
                + [_lab_disk(f"d-{code}many-{c}", f"/dev/xvd{c}", 10) for c in letters],
            ),
            instance(
                "big",
                [_lab_disk(f"d-{code}big-sys", "/dev/xvda")]
                + [
                    _lab_disk(f"d-{code}big-{c}", f"/dev/xvd{c}", 20000, category="cloud_auto")
                    for c in "bc"
                ],
            ),
            instance(
                "shared",
                [
                    _lab_disk(f"d-{code}shared-sys", "/dev/xvda"),
                    _lab_disk(f"d-{code}shared-b", "/dev/xvdb", 100, multi_attach=True),
                ],
            ),
            instance(
                "stopping", [_lab_disk(f"d-{code}stopping-sys", "/dev/xvda")], status="Stopping"
            ),
            instance(
                "one",
                [
                    _lab_disk(f"d-{code}one-sys", "/dev/xvda"),
                    _lab_disk(f"d-{code}one-b", "/dev/xvdb", 20),
                ],
                instance_type="ecs.one.large",
            ),
        ],
    }


def lab_world() -> World:
    """An instance in a transitional state, a type with one data-disk slot, a type that boots
    only from ESSDs, a multi-attach disk, and instances over the snapshot-group disk-count and
    capacity limits, in two regions (the limits are the same in every region). Instance ids are
    `i-hz<name>` in cn-hangzhou, `i-sg<name>` in ap-southeast-1; disks `d-hz<name>-sys`,
    `d-hz<name>-b`, ...
    """
    return {
        "instance_types": {
            "ecs.g7.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.g7"},
            "ecs.one.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.one", "max_data_disks": 1},
            ESSD_ONLY_TYPE: {
                "cpu": 2,
                "memory_gib": 8,
                "family": "ecs.g8i",
                "system_disk_categories": ["cloud_essd", "cloud_auto"],
            },
        },
        "regions": [_lab_region("cn-hangzhou", "hz"), _lab_region("ap-southeast-1", "sg")],
    }


# --- checks -------------------------------------------------------------------------------------
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
        kwargs.setdefault("zone_id", "cn-hangzhou-h")
    kwargs.setdefault("disk_category", "cloud_essd")
    request = models.CreateDiskRequest(**kwargs)
    return str(ecs.create_disk(request).body.disk_id)


def snapshot(ecs: Client, disk_id: str, **kwargs: Any) -> str:
    request = models.CreateSnapshotRequest(disk_id=disk_id, **kwargs)
    return str(ecs.create_snapshot(request).body.snapshot_id)


def snapshot_disks(ecs: Client, sandbox: SandboxHandle, disk_ids: tuple[str, ...]) -> list[str]:
    """Snapshot each disk and let the uploads finish (`accomplished`)."""
    ids = [snapshot(ecs, disk_id) for disk_id in disk_ids]
    sandbox.advance(SETTLE_S)
    return ids


def full_image(ecs: Client, sandbox: SandboxHandle, name: str = "prod-db-full") -> str:
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
    sandbox.advance(SETTLE_S)
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
