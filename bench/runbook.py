"""The baseline: the runbook (ecs-disaster-recovery-snapshot SKILL.md) followed to the letter
through the official SDK, at its own cadence: snapshots polled every 30 s, images every 60 s,
an instance checked 15 s after RunInstances and every 15 s after, one step after the other,
disks one at a time, and a CLI process started for every call (its cost measured here).

Every interval is stated in cloud seconds and slept `interval / scale` real seconds, so the
baseline runs on the sandbox's scaled clock exactly as the product does."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

SNAPSHOT_POLL_S = 30.0
IMAGE_POLL_S = 60.0
# "After creation, wait ~15 seconds then confirm Running via describe-instances."
INSTANCE_POLL_S = 15.0
# The runbook names no cadence for disks; the instance's 15 s is the nearest it gives.
DISK_POLL_S = 15.0
POLL_LIMIT = 1000
USER_AGENT = "AlibabaCloud-Agent-Skills/alibabacloud-ecs-disaster-recovery-snapshot/bench"


def spawn_cost_s(repeats: int, code: str = "pass") -> list[float]:
    """Real seconds to start and finish `python -c code`, once per repeat: what a CLI
    process per call costs on this machine before it sends anything."""
    costs = []
    for _ in range(repeats):
        started = time.perf_counter()
        # The interpreter running the bench, with code of this module's own.
        subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603
        costs.append(time.perf_counter() - started)
    return costs


def sdk_client(endpoint: str, key_id: str, secret: str, region_id: str) -> Client:
    return Client(
        Config(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=endpoint,
            protocol="http",
            region_id=region_id,
            user_agent=USER_AGENT,
            read_timeout=30_000,
            connect_timeout=5_000,
        )
    )


@dataclass
class Runbook:
    """One operator following the runbook; `spawn_s` is the cloud seconds a CLI call costs
    before its request leaves (a process start)."""

    client: Client
    region_id: str
    scale: float
    spawn_s: float

    def _pause(self, cloud_s: float) -> None:
        time.sleep(cloud_s / self.scale)

    def _call(self, method: Callable[[Any], Any], request: Any) -> Any:
        self._pause(self.spawn_s)
        return method(request).body

    def _poll(self, interval_s: float, done: Callable[[], bool]) -> None:
        for _ in range(POLL_LIMIT):
            self._pause(interval_s)
            if done():
                return
        raise TimeoutError(f"not done after {POLL_LIMIT} polls")

    # --- shared reads -------------------------------------------------------------------
    def _instance(self, instance_id: str) -> Any:
        request = ecs.DescribeInstancesRequest(
            region_id=self.region_id, instance_ids=json.dumps([instance_id])
        )
        return self._call(self.client.describe_instances, request).instances.instance[0]

    def _disks(self, **filters: Any) -> list[Any]:
        request = ecs.DescribeDisksRequest(region_id=self.region_id, **filters)
        return list(self._call(self.client.describe_disks, request).disks.disk)

    # --- Scenario A -----------------------------------------------------------------------
    def full_instance(self, source_id: str, target_zone: str) -> str:
        """Steps 2-6 of Scenario A; returns the DR instance's id once it is Running."""
        source = self._instance(source_id)
        disks = sorted(self._disks(instance_id=source_id), key=lambda d: str(d.device))
        if len(disks) > 1:
            snapshot_of = self._snapshot_group(source_id)
        else:
            (system,) = disks
            snapshot_of = {system.disk_id: self._snapshot(system.disk_id, source_id)}
        image_id = self._call(
            self.client.create_image,
            ecs.CreateImageRequest(
                region_id=self.region_id,
                image_name=f"Create_from_{source_id}",
                disk_device_mapping=[
                    ecs.CreateImageRequestDiskDeviceMapping(
                        disk_type=d.type, snapshot_id=snapshot_of[d.disk_id], size=d.size
                    )
                    for d in disks
                ],
            ),
        ).image_id

        def image_available() -> bool:
            body = self._call(
                self.client.describe_images,
                ecs.DescribeImagesRequest(
                    region_id=self.region_id,
                    image_id=image_id,
                    status="Creating,Available,UnAvailable",
                ),
            )
            return any(i.status == "Available" for i in body.images.image)

        self._poll(IMAGE_POLL_S, image_available)
        vswitch = self._call(
            self.client.describe_vswitches,
            ecs.DescribeVSwitchesRequest(
                region_id=self.region_id, vpc_id=source.vpc_attributes.vpc_id, zone_id=target_zone
            ),
        ).v_switches.v_switch[0]
        for resource in ("InstanceType", "SystemDisk"):
            self._call(
                self.client.describe_available_resource,
                ecs.DescribeAvailableResourceRequest(
                    region_id=self.region_id,
                    zone_id=target_zone,
                    destination_resource=resource,
                    instance_type=source.instance_type,
                    instance_charge_type=source.instance_charge_type,
                ),
            )
        system = disks[0]
        instance_id = self._call(
            self.client.run_instances,
            ecs.RunInstancesRequest(
                region_id=self.region_id,
                zone_id=target_zone,
                image_id=image_id,
                instance_type=source.instance_type,
                security_group_id=source.security_group_ids.security_group_id[0],
                v_switch_id=vswitch.v_switch_id,
                system_disk=ecs.RunInstancesRequestSystemDisk(
                    category=system.category,
                    size=str(system.size),
                    performance_level=system.performance_level,
                ),
                data_disk=[
                    ecs.RunInstancesRequestDataDisk(
                        device=d.device,
                        category=d.category,
                        size=d.size,
                        performance_level=d.performance_level,
                    )
                    for d in disks[1:]
                ],
                instance_name=f"recovery-{source.instance_name}",
                instance_charge_type=source.instance_charge_type,
                internet_charge_type=source.internet_charge_type,
                internet_max_bandwidth_out=source.internet_max_bandwidth_out,
                amount=1,
            ),
        ).instance_id_sets.instance_id_set[0]
        self._poll(INSTANCE_POLL_S, lambda: self._instance(instance_id).status == "Running")
        self._disks(instance_id=instance_id)
        return str(instance_id)

    def _snapshot_group(self, source_id: str) -> dict[str, str]:
        """Path A: a consistency group, polled until accomplished; snapshot id per disk."""
        group_id = self._call(
            self.client.create_snapshot_group,
            ecs.CreateSnapshotGroupRequest(
                region_id=self.region_id, instance_id=source_id, name=f"SnapGroup_{source_id}"
            ),
        ).snapshot_group_id
        groups: list[Any] = []

        def group_accomplished() -> bool:
            body = self._call(
                self.client.describe_snapshot_groups,
                ecs.DescribeSnapshotGroupsRequest(
                    region_id=self.region_id, snapshot_group_id=[group_id]
                ),
            )
            groups[:] = body.snapshot_groups.snapshot_group
            return bool(groups) and groups[0].status == "accomplished"

        self._poll(SNAPSHOT_POLL_S, group_accomplished)
        return {s.source_disk_id: s.snapshot_id for s in groups[0].snapshots.snapshot}

    def _snapshot(self, disk_id: str, source_id: str) -> str:
        """Path B (and Scenario B): one snapshot, polled until accomplished at 100%."""
        snapshot_id = str(
            self._call(
                self.client.create_snapshot,
                ecs.CreateSnapshotRequest(disk_id=disk_id, snapshot_name=f"Snap_{source_id}"),
            ).snapshot_id
        )

        def accomplished() -> bool:
            body = self._call(
                self.client.describe_snapshots,
                ecs.DescribeSnapshotsRequest(
                    region_id=self.region_id, snapshot_ids=json.dumps([snapshot_id])
                ),
            )
            return any(
                s.status == "accomplished" and s.progress == "100%" for s in body.snapshots.snapshot
            )

        self._poll(SNAPSHOT_POLL_S, accomplished)
        return snapshot_id

    # --- Scenario B -----------------------------------------------------------------------
    def disks(self, source_id: str, disk_ids: list[str], target_id: str) -> list[str]:
        """Steps 2-5 of Scenario B, one disk after the other; returns the new disks' ids."""
        source_disks = {d.disk_id: d for d in self._disks(instance_id=source_id)}
        target_zone = self._instance(target_id).zone_id
        created = []
        for disk_id in disk_ids:
            disk = source_disks[disk_id]
            snapshot_id = self._snapshot(disk_id, source_id)
            new_id = self._call(
                self.client.create_disk,
                ecs.CreateDiskRequest(
                    region_id=self.region_id,
                    zone_id=target_zone,
                    snapshot_id=snapshot_id,
                    disk_category=disk.category,
                    size=disk.size,
                    performance_level=disk.performance_level,
                    disk_name="data-from-source",
                ),
            ).disk_id
            self._poll(DISK_POLL_S, partial(self._disk_is, new_id, "Available"))
            self._call(
                self.client.attach_disk,
                ecs.AttachDiskRequest(disk_id=new_id, instance_id=target_id),
            )
            self._poll(DISK_POLL_S, partial(self._disk_is, new_id, "In_use"))
            created.append(str(new_id))
        return created

    def _disk_is(self, disk_id: str, status: str) -> bool:
        (disk,) = self._disks(disk_ids=json.dumps([disk_id]))
        return bool(disk.status == status)
