"""The demo world's ids, read from the world the sandbox seeds (`ecs_dr/sandbox/demo_world.json`)
by each resource's role, so that the world file is the one place they are spelled.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ecs_dr.sandbox.responses.sts import DEMO_ACCOUNT_ID
from ecs_dr.sandbox.world import InstanceSpec, VpcSpec, load_world

# The file the sandbox seeds its world from, for a test that builds a bigger world on it.
DEMO_WORLD_FILE = Path(str(resources.files("ecs_dr.sandbox").joinpath("demo_world.json")))
WORLD = load_world(DEMO_WORLD_FILE)
REGION, SHANGHAI = (region.region_id for region in WORLD.regions)
# How every confirmation of a change in the demo world opens: the account (the sandbox's STS)
# and the region it acts in.
IN_DEMO_ACCOUNT = f"In account {DEMO_ACCOUNT_ID} ({REGION}): "


def _instance(name: str) -> InstanceSpec:
    return next(i for region in WORLD.regions for i in region.instances if i.instance_name == name)


def _disks(instance: InstanceSpec) -> tuple[str, ...]:
    """The instance's disk ids by device: system first."""
    return tuple(d.disk_id for d in sorted(instance.disks, key=lambda d: d.device))


def _vpc_of(vswitch_id: str) -> VpcSpec:
    return next(
        vpc
        for region in WORLD.regions
        for vpc in region.vpcs
        if any(v.vswitch_id == vswitch_id for v in vpc.vswitches)
    )


def _vswitch_in(vpc: VpcSpec, zone_id: str) -> str:
    return next(v.vswitch_id for v in vpc.vswitches if v.zone_id == zone_id)


_DB = _instance("prod-db-01")  # cn-hangzhou-h, ecs.g7.large, three ESSDs
_WEB = _instance("web-frontend-01")  # one disk, 5 Mbit/s public bandwidth
_LEGACY = _instance("legacy-app-01")  # a cloud_efficiency data disk
_ENTRY = _instance("entry-app-01")  # cloud_essd_entry disks
_TARGET = _instance("dr-target-01")  # cn-hangzhou-i, where recoveries land
_STOPPED = _instance("batch-worker-01")  # cn-hangzhou-l, Stopped
_SHANGHAI_API = _instance("api-sh-01")  # cn-shanghai-e

DB_INSTANCE = _DB.instance_id
WEB_INSTANCE = _WEB.instance_id
LEGACY_INSTANCE = _LEGACY.instance_id
ENTRY_INSTANCE = _ENTRY.instance_id
TARGET_INSTANCE = _TARGET.instance_id
STOPPED_INSTANCE = _STOPPED.instance_id
SHANGHAI_INSTANCE = _SHANGHAI_API.instance_id

DB_DISKS = _disks(_DB)
DB_SYSTEM, DB_DATA, DB_LOG = DB_DISKS  # 40 GiB PL0 /dev/xvda, 100 GiB PL1 xvdb, 500 GiB PL2 xvdc
(WEB_SYSTEM,) = _disks(_WEB)
LEGACY_SYSTEM, LEGACY_DATA = _disks(_LEGACY)  # the data disk: 200 GiB cloud_efficiency
ENTRY_SYSTEM, ENTRY_DATA = _disks(_ENTRY)  # cloud_essd_entry, the data disk 100 GiB
(TARGET_SYSTEM,) = _disks(_TARGET)
(STOPPED_SYSTEM,) = _disks(_STOPPED)
SHANGHAI_SYSTEM, SHANGHAI_DATA = _disks(_SHANGHAI_API)

SOURCE_ZONE = _DB.zone_id
TARGET_ZONE = _TARGET.zone_id
STOPPED_ZONE = _STOPPED.zone_id  # sells no cloud_essd_entry
_PROD = _vpc_of(_DB.vswitch_id)
PROD_VPC = _PROD.vpc_id
PROD_SG = _DB.security_group_ids[0]
SOURCE_VSWITCH = _DB.vswitch_id
TARGET_VSWITCH = _TARGET.vswitch_id
STOPPED_VSWITCH = _STOPPED.vswitch_id
# The zone of the source's region where the prod VPC has no VSwitch: a plan there creates one.
NO_VSWITCH_ZONE = next(
    zone.zone_id
    for zone in WORLD.regions[0].zones
    if all(v.zone_id != zone.zone_id for v in _PROD.vswitches)
)
ZONE_K_VSWITCH = _vswitch_in(_PROD, "cn-hangzhou-k")
_STAGING = next(vpc for vpc in WORLD.regions[0].vpcs if vpc is not _PROD)  # zone h only
STAGING_VPC = _STAGING.vpc_id
STAGING_VSWITCH = _STAGING.vswitches[0].vswitch_id
STAGING_SG = _STAGING.security_groups[0].security_group_id
SHANGHAI_VPC = _vpc_of(_SHANGHAI_API.vswitch_id).vpc_id
PUBLIC_IMAGE = _DB.image_id
