"""Will the plan fit the account's quotas? The preflight reports each quota ECS exposes
(DescribeAccountAttributes) against what the plan will create, and blocks a plan that cannot fit.

Two quotas are checked, both per region:
- pay-as-you-go vCPUs (`max-` / `used-postpaid-instance-vcpu-count`): RunInstances refuses a
  pay-as-you-go launch past it with QuotaExceed.ElasticQuota. Subscription (PrePaid) instances
  do not count against it, nor do Stopped ones.
- pay-as-you-go data disk capacity in GiB (`max-` / `used-postpaid-yundisk-capacity`): CreateDisk
  and RunInstances refuse past it with QuotaExceed.PostPaidDisk. ECS documents both attributes
  as deprecated, so a value it leaves out, or a limit of 0, means "not checked", never "full".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ecs_dr.domain.models import Frozen
from ecs_dr.domain.refusal import Refusal

POSTPAID = "PostPaid"
QuotaName = Literal["postpaid_vcpus", "postpaid_disk_gib"]
QUOTA_CENTER = "request an increase in the Quota Center or free some"


class AccountQuotas(Frozen):
    """What DescribeAccountAttributes reported for a region; None where it reported nothing."""

    region_id: str
    postpaid_vcpus_max: int | None = None
    postpaid_vcpus_used: int | None = None
    postpaid_disk_gib_max: int | None = None
    postpaid_disk_gib_used: int | None = None


class NewInstance(Frozen):
    vcpus: int = Field(ge=0)
    charge_type: str = POSTPAID


class NewDisk(Frozen):
    size_gib: int = Field(ge=0)
    charge_type: str = POSTPAID


class QuotaNeeds(Frozen):
    """What the plan will create that counts against a quota."""

    postpaid_vcpus: int = Field(default=0, ge=0)
    postpaid_disk_gib: int = Field(default=0, ge=0)


class QuotaProblem(Frozen):
    """A quota the plan cannot fit: ECS would refuse `action` with `code`."""

    quota: QuotaName
    code: str
    action: str
    needed: int
    left: int
    limit: int
    message: str


class QuotaCheck(Frozen):
    """Findings to show (one sentence a quota) and the problems that block the plan."""

    region_id: str
    findings: list[str] = Field(default_factory=list)
    blocking: list[QuotaProblem] = Field(default_factory=list)
    checked: bool = True

    @property
    def fits(self) -> bool:
        return not self.blocking

    def raise_if_blocked(self) -> None:
        """A Refusal naming every quota the plan does not fit; nothing when it fits."""
        if self.blocking:
            raise Refusal(" ".join(p.message for p in self.blocking))


def quota_needs(instances: Iterable[NewInstance] = (), disks: Iterable[NewDisk] = ()) -> QuotaNeeds:
    """Only pay-as-you-go resources count: a subscription instance or disk needs no quota here.

    `disks` are the data disks the plan creates (a system disk is not pay-as-you-go data disk
    capacity).
    """
    return QuotaNeeds(
        postpaid_vcpus=sum(i.vcpus for i in instances if i.charge_type == POSTPAID),
        postpaid_disk_gib=sum(d.size_gib for d in disks if d.charge_type == POSTPAID),
    )


def _one(
    quota: QuotaName,
    needed: int,
    limit: int | None,
    used: int | None,
    *,
    noun: str,
    unit: str,
    code: str,
    action: str,
    region_id: str,
    attribute: str,
) -> tuple[str, QuotaProblem | None]:
    if limit is None or used is None or limit <= 0:
        return (
            f"Quota for {noun} not checked in {region_id}: ECS did not report {attribute}; "
            f"the plan needs {needed}{unit}.",
            None,
        )
    left = max(0, limit - used)
    if needed <= left:
        return (
            f"Quota for {noun} in {region_id}: the plan needs {needed}{unit}; {used} of "
            f"{limit}{unit} used, {left - needed}{unit} left after it.",
            None,
        )
    message = (
        f"The plan needs {needed}{unit} for {noun} but only {left} of {limit}{unit} are left "
        f"in {region_id} ({code} at {action}); {QUOTA_CENTER}."
    )
    return message, QuotaProblem(
        quota=quota,
        code=code,
        action=action,
        needed=needed,
        left=left,
        limit=limit,
        message=message,
    )


def check_quotas(needs: QuotaNeeds, quotas: AccountQuotas) -> QuotaCheck:
    """A finding for each quota the plan uses, and a blocking problem for each it cannot fit.
    A quota the plan does not use is not mentioned."""
    results: list[tuple[str, QuotaProblem | None]] = []
    if needs.postpaid_vcpus:
        results.append(
            _one(
                "postpaid_vcpus",
                needs.postpaid_vcpus,
                quotas.postpaid_vcpus_max,
                quotas.postpaid_vcpus_used,
                noun="pay-as-you-go instances",
                unit=" vCPUs",
                code="QuotaExceed.ElasticQuota",
                action="RunInstances",
                region_id=quotas.region_id,
                attribute="max-postpaid-instance-vcpu-count",
            )
        )
    if needs.postpaid_disk_gib:
        results.append(
            _one(
                "postpaid_disk_gib",
                needs.postpaid_disk_gib,
                quotas.postpaid_disk_gib_max,
                quotas.postpaid_disk_gib_used,
                noun="pay-as-you-go data disks",
                unit=" GiB",
                code="QuotaExceed.PostPaidDisk",
                action="CreateDisk or RunInstances",
                region_id=quotas.region_id,
                attribute="max-postpaid-yundisk-capacity (deprecated by ECS)",
            )
        )
    return QuotaCheck(
        region_id=quotas.region_id,
        findings=[finding for finding, _ in results],
        blocking=[problem for _, problem in results if problem is not None],
    )


def quota_not_checked(region_id: str, reason: str) -> QuotaCheck:
    """The check could not be made (no permission to read the quotas, ...): one finding, no
    blocking problem; the plan goes on and ECS itself refuses what does not fit."""
    return QuotaCheck(region_id=region_id, findings=[f"Quota not checked: {reason}"], checked=False)
