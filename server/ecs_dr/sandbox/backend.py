"""The sandbox's cloud: regions built from the world file, plus what every action shares
(ids, clock, ClientToken idempotency, injected faults).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random
import string
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ecs_dr.sandbox.clock import EPOCH, Clock
from ecs_dr.sandbox.errors import (
    EcsError,
    IdempotentParameterMismatch,
    IdempotentProcessing,
    InvalidRegionIdNotFound,
    LastTokenProcessing,
)
from ecs_dr.sandbox.models.durations import Variation
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import (
    ClientToken,
    Disk,
    Instance,
    InstanceTypeSpec,
    Region,
    SecurityGroup,
    Vpc,
    VSwitch,
    Zone,
)
from ecs_dr.sandbox.world import DurationsSpec, RegionSpec, WorldSpec

Held = TypeVar("Held")

# ECS ids carry a region code after the prefix (`i-bp1...` in Hangzhou).
REGION_CODES = {"cn-hangzhou": "bp1", "cn-shanghai": "uf6", "cn-beijing": "2ze"}
_ID_ALPHABET = string.ascii_lowercase + string.digits
# Cloud seconds a ClientToken stays "being processed" after its first request answered: a repeat
# within them is told to try again later, one after them gets the first request's ids.
CLIENT_TOKEN_PROCESSING_S = 3.0
# What a repeat answers while its token is processed, by the action's API reference page:
# CreateDisk lists LastTokenProcessing; CreateSnapshot and CreateSnapshotGroup list
# IdempotentProcessing, which the pages of RunInstances, CreateImage and CreateVSwitch do not
# list at all: they get it too (Packer's alicloud builder retries it on CreateImage).
TOKEN_PROCESSING: dict[str, type[EcsError]] = {"CreateDisk": LastTokenProcessing}
# IdempotentParameterMismatch is 403 on these actions' pages; others do not list it (400 kept).
TOKEN_MISMATCH_STATUS = {"CreateSnapshot": 403, "CreateSnapshotGroup": 403}


@dataclass
class OutcomeFault:
    """Make the next resource created by `action` end in `status` (e.g. CreateFailed)."""

    action: str
    status: str
    remaining: int = 1


@dataclass
class Outcomes:
    pending: list[OutcomeFault] = field(default_factory=list)

    def take(self, action: str) -> str | None:
        for fault in self.pending:
            if fault.action == action and fault.remaining > 0:
                fault.remaining -= 1
                return fault.status
        return None


class Backend:
    """All regions of one sandbox. Actions run under `lock`, one at a time, like a database."""

    def __init__(
        self,
        world: WorldSpec,
        clock: Clock,
        seed: int = 20260101,
        durations: DurationsSpec | None = None,
    ) -> None:
        self.world = world
        self.clock = clock
        spec = durations or world.durations
        self.durations = Variation(spread=spec.spread, seed=spec.seed)
        self.lock = threading.RLock()
        self.outcomes = Outcomes()
        self._random = random.Random(seed)
        self._ip_counter = 0
        self.instance_types = {
            name: InstanceTypeSpec(
                instance_type=name,
                cpu=spec.cpu,
                memory_gib=spec.memory_gib,
                family=spec.family or ".".join(name.split(".")[:2]).split("-")[0],
                max_data_disks=spec.max_data_disks,
                system_disk_categories=(
                    tuple(spec.system_disk_categories)
                    if spec.system_disk_categories is not None
                    else None
                ),
            )
            for name, spec in world.instance_types.items()
        }
        self.regions: dict[str, Region] = {}
        for region_spec in world.regions:
            self.regions[region_spec.region_id] = self._build_region(region_spec)

    # --- shared helpers --------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def region(self, region_id: str | None) -> Region:
        if region_id is None or region_id not in self.regions:
            raise InvalidRegionIdNotFound(region_id or "")
        return self.regions[region_id]

    def locate(
        self,
        table: Callable[[Region], Mapping[str, Held]],
        resource_id: str,
        region_id: str | None = None,
    ) -> tuple[Region, Held] | None:
        """The region holding the resource, and the resource: in `region_id` when given (an
        unknown one raises InvalidRegionId.NotFound), else in whichever region holds it (some
        actions take no RegionId)."""
        regions = [self.region(region_id)] if region_id else list(self.regions.values())
        for region in regions:
            held = table(region).get(resource_id)
            if held is not None:
                return region, held
        return None

    def new_id(self, prefix: str, region_id: str) -> str:
        code = REGION_CODES.get(region_id, "gw0")
        suffix = "".join(self._random.choice(_ID_ALPHABET) for _ in range(17))
        return f"{prefix}-{code}{suffix}"

    def next_private_ip(self, cidr_block: str, taken: set[str]) -> str:
        for host in ipaddress.ip_network(cidr_block).hosts():
            address = str(host)
            if address not in taken and not address.endswith((".0", ".1", ".255")):
                return address
        raise RuntimeError(f"VSwitch {cidr_block} has no free address")

    def new_public_ip(self) -> str:
        self._ip_counter += 1
        return f"47.96.{self._ip_counter // 250}.{self._ip_counter % 250 + 2}"

    def idempotent(
        self,
        region: Region,
        action: str,
        token: str | None,
        params: Mapping[str, str],
        create: Callable[[], tuple[str, ...]],
    ) -> tuple[str, ...]:
        """Run `create` once per ClientToken: the first request creates and answers at once; a
        repeat with the same token and parameters within CLIENT_TOKEN_PROCESSING_S cloud seconds
        is refused as still processing (IdempotentProcessing or LastTokenProcessing, 403), one
        after them gets the same ids. Other parameters with a used token:
        IdempotentParameterMismatch."""
        if not token:
            return create()
        fingerprint = hashlib.sha256(
            json.dumps(
                {k: v for k, v in params.items() if k != "ClientToken"}, sort_keys=True
            ).encode()
        ).hexdigest()
        key = (action, token)
        recorded = region.client_tokens.get(key)
        if recorded is not None:
            if recorded.fingerprint != fingerprint:
                raise IdempotentParameterMismatch(status=TOKEN_MISMATCH_STATUS.get(action))
            if self.now() < recorded.processing_until:
                processing = TOKEN_PROCESSING.get(action, IdempotentProcessing)
                raise processing(
                    f"The request with ClientToken {token!r} is still being processed; "
                    "try again later with the same token."
                )
            return recorded.ids
        ids = create()
        region.client_tokens[key] = ClientToken(
            fingerprint, ids, self.now() + CLIENT_TOKEN_PROCESSING_S
        )
        return ids

    def release_held(self) -> None:
        """Every progression a fault held at a transitional status goes on from now (the
        faults were cleared: ECS fixed what held it)."""
        now = self.clock.now()
        for region in self.regions.values():
            for resources in (region.instances, region.images, region.snapshots, region.disks):
                for resource in resources.values():
                    resource.lifecycle = resource.lifecycle.released(now)

    # --- world loading ---------------------------------------------------------------------
    def _build_region(self, spec: RegionSpec) -> Region:
        region = Region(region_id=spec.region_id, local_name=spec.local_name or spec.region_id)
        for zone in spec.zones:
            region.zones[zone.zone_id] = Zone(
                zone_id=zone.zone_id,
                local_name=zone.local_name or zone.zone_id,
                stock={name: s.stock for name, s in zone.instance_types.items()},
                disk_categories=list(zone.disk_categories),
            )
        for vpc in spec.vpcs:
            region.vpcs[vpc.vpc_id] = Vpc(vpc.vpc_id, vpc.vpc_name, vpc.cidr_block, EPOCH)
            for vsw in vpc.vswitches:
                region.vswitches[vsw.vswitch_id] = VSwitch(
                    vswitch_id=vsw.vswitch_id,
                    vpc_id=vpc.vpc_id,
                    zone_id=vsw.zone_id,
                    cidr_block=vsw.cidr_block,
                    vswitch_name=vsw.vswitch_name,
                    lifecycle=Lifecycle.fixed("Available"),
                    created_at=EPOCH,
                )
            for group in vpc.security_groups:
                region.security_groups[group.security_group_id] = SecurityGroup(
                    group.security_group_id, vpc.vpc_id, group.security_group_name, EPOCH
                )
        taken: set[str] = set()
        for inst in spec.instances:
            subnet = region.vswitches[inst.vswitch_id]
            private_ip = self.next_private_ip(subnet.cidr_block, taken)
            taken.add(private_ip)
            region.instances[inst.instance_id] = Instance(
                instance_id=inst.instance_id,
                instance_name=inst.instance_name or inst.instance_id,
                zone_id=inst.zone_id,
                instance_type=inst.instance_type,
                vpc_id=subnet.vpc_id,
                vswitch_id=inst.vswitch_id,
                security_group_ids=list(inst.security_group_ids),
                private_ip=private_ip,
                public_ip=self.new_public_ip() if inst.internet_max_bandwidth_out > 0 else None,
                instance_charge_type=inst.instance_charge_type,
                internet_charge_type=inst.internet_charge_type,
                internet_max_bandwidth_out=inst.internet_max_bandwidth_out,
                image_id=inst.image_id,
                lifecycle=Lifecycle.fixed(inst.status),
                created_at=EPOCH,
                hostname=inst.instance_name or inst.instance_id,
            )
            for disk in inst.disks:
                region.disks[disk.disk_id] = Disk(
                    disk_id=disk.disk_id,
                    disk_name=disk.disk_name,
                    zone_id=inst.zone_id,
                    category=disk.category,
                    size=disk.size,
                    performance_level=disk.performance_level,
                    type=disk.type,
                    lifecycle=Lifecycle.fixed("In_use"),
                    created_at=EPOCH,
                    instance_id=inst.instance_id,
                    device=disk.device,
                    delete_with_instance=disk.type == "system",
                    attached_once=True,
                    multi_attach=disk.multi_attach,
                    portable=disk.type == "data",
                    charge_type=inst.instance_charge_type,
                )
        return region
