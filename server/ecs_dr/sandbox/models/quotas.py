"""The account's quotas, enforced per region (the world file's `quotas`; ECS-FACTS codes).

Each check runs before its action changes anything, so a refusal leaves the world as it was.
Every quota error is HTTP 403, as ECS answers them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    EcsError,
    QuotaExceedConcurrentSnapshot,
    QuotaExceedElasticQuota,
    QuotaExceedImage,
    QuotaExceedPostPaidDisk,
    QuotaExceedSnapshot,
)
from ecs_dr.sandbox.models.resources import Region

POSTPAID = "PostPaid"
# An instance holds its vCPUs in every state but Stopped.
VCPU_FREE_STATUSES = frozenset({"Stopped"})


def check_snapshots(backend: Backend, region: Region, adding: int) -> None:
    """Room for `adding` new snapshots, all `progressing` at first.

    Raises QuotaExceed.Snapshot (snapshots the region holds, whatever their status) and
    QuotaExceed.ConcurrentSnapshotQuota (snapshots uploading at once), both 403.
    """
    quotas = backend.world.quotas
    held = len(region.snapshots)
    if held + adding > quotas.snapshots:
        raise QuotaExceedSnapshot(
            f"The snapshot quota exceeds: {region.region_id} holds {held} of {quotas.snapshots} "
            f"snapshots and the request adds {adding}. Delete snapshots no longer needed."
        )
    now = backend.now()
    uploading = sum(
        1 for s in region.snapshots.values() if s.lifecycle.status(now) == "progressing"
    )
    if uploading + adding > quotas.concurrent_snapshots:
        raise QuotaExceedConcurrentSnapshot(
            f"{uploading} snapshots are being created in {region.region_id} and the request adds "
            f"{adding}; at most {quotas.concurrent_snapshots} may be in progress at once. Wait for "
            "the previous snapshots to complete before trying again."
        )


def check_images(backend: Backend, region: Region) -> None:
    """Room for one more custom image; raises QuotaExceed.Image (403)."""
    limit = backend.world.quotas.custom_images
    if len(region.images) >= limit:
        raise QuotaExceedImage(
            f"The image quota exceeds: {region.region_id} holds at most {limit} custom images."
        )


def postpaid_vcpus(backend: Backend, region: Region) -> int:
    """vCPUs the region's pay-as-you-go instances hold now."""
    now = backend.now()
    return sum(
        backend.instance_types[inst.instance_type].cpu
        for inst in region.instances.values()
        if inst.instance_charge_type == POSTPAID
        and inst.lifecycle.status(now) not in VCPU_FREE_STATUSES
    )


def instance_room(backend: Backend, region: Region, instance_type: str) -> int:
    """How many more pay-as-you-go instances of the type the vCPU quota lets the region run."""
    free = backend.world.quotas.postpaid_vcpus - postpaid_vcpus(backend, region)
    return max(0, free) // backend.instance_types[instance_type].cpu


def elastic_quota_exceeded(
    backend: Backend, region: Region, instance_type: str, wanted: int
) -> EcsError:
    """QuotaExceed.ElasticQuota (403) for `wanted` instances of the type, to raise."""
    quota = backend.world.quotas.postpaid_vcpus
    used = postpaid_vcpus(backend, region)
    cpu = backend.instance_types[instance_type].cpu
    return QuotaExceedElasticQuota(
        f"No additional quota is available for the specified ECS instance type: {wanted} x "
        f"{instance_type} need {wanted * cpu} vCPUs, and pay-as-you-go instances in "
        f"{region.region_id} hold {used} of {quota}."
    )


def _postpaid_data(region: Region) -> list[int]:
    """Sizes (GiB) of the region's pay-as-you-go data disks, whatever their status."""
    return [d.size for d in region.disks.values() if d.type == "data" and d.charge_type == POSTPAID]


def postpaid_data_disks(region: Region) -> int:
    return len(_postpaid_data(region))


def postpaid_disk_gib(region: Region) -> int:
    """GiB the region's pay-as-you-go data disks hold (used-postpaid-yundisk-capacity)."""
    return sum(_postpaid_data(region))


def check_postpaid_disks(backend: Backend, region: Region, sizes: Sequence[int]) -> None:
    """Room for pay-as-you-go data disks of these sizes (GiB): both their number and their
    capacity; raises QuotaExceed.PostPaidDisk (403)."""
    if not sizes:
        return
    quotas = backend.world.quotas
    held = postpaid_data_disks(region)
    if held + len(sizes) > quotas.postpaid_data_disks:
        raise QuotaExceedPostPaidDisk(
            f"Living postPaid disks quota exceeded: {region.region_id} holds {held} of "
            f"{quotas.postpaid_data_disks} pay-as-you-go data disks and the request adds "
            f"{len(sizes)}."
        )
    used = postpaid_disk_gib(region)
    adding = sum(sizes)
    if used + adding > quotas.postpaid_disk_capacity_gib:
        raise QuotaExceedPostPaidDisk(
            f"Living postPaid disks capacity quota exceeded: pay-as-you-go data disks in "
            f"{region.region_id} hold {used} of {quotas.postpaid_disk_capacity_gib} GiB and the "
            f"request adds {adding} GiB."
        )


# DescribeAccountAttributes: every AttributeName ECS documents, in its order. The sandbox
# models the pay-as-you-go vCPU and disk capacity quotas; the others are fixed answers, since
# it has no security group, ENI, spot, dedicated host or Cloud Assistant quota to report.
ACCOUNT_ATTRIBUTES = (
    "instance-network-type",
    "max-security-groups",
    "max-elastic-network-interfaces",
    "max-postpaid-instance-vcpu-count",
    "max-spot-instance-vcpu-count",
    "used-postpaid-instance-vcpu-count",
    "used-spot-instance-vcpu-count",
    "max-postpaid-yundisk-capacity",
    "used-postpaid-yundisk-capacity",
    "max-dedicated-hosts",
    "supported-postpaid-instance-types",
    "max-axt-command-count",
    "max-axt-invocation-daily",
    "real-name-authentication",
    "max-cloud-assistant-activation-count",
)
_FIXED_ATTRIBUTES = {
    "instance-network-type": ["vpc"],
    "max-security-groups": ["100"],
    "max-elastic-network-interfaces": ["5000"],
    "max-spot-instance-vcpu-count": ["1000"],
    "used-spot-instance-vcpu-count": ["0"],  # the sandbox runs no spot instance
    "max-dedicated-hosts": ["2"],
    "max-axt-command-count": ["500"],
    "max-axt-invocation-daily": ["10000"],
    "real-name-authentication": ["yes"],
    "max-cloud-assistant-activation-count": ["1000"],
}


def account_attribute(backend: Backend, region: Region, name: str) -> list[str]:
    """The values of one documented attribute in the region, as ECS writes them (text)."""
    quotas = backend.world.quotas
    modelled = {
        "max-postpaid-instance-vcpu-count": lambda: [str(quotas.postpaid_vcpus)],
        "used-postpaid-instance-vcpu-count": lambda: [str(postpaid_vcpus(backend, region))],
        "max-postpaid-yundisk-capacity": lambda: [str(quotas.postpaid_disk_capacity_gib)],
        "used-postpaid-yundisk-capacity": lambda: [str(postpaid_disk_gib(region))],
        "supported-postpaid-instance-types": lambda: sorted(
            {t for zone in region.zones.values() for t in zone.stock}
        ),
    }
    if name in modelled:
        return modelled[name]()
    return list(_FIXED_ATTRIBUTES[name])
