"""The preflight's quota rule: what the plan creates held against the quotas ECS reports."""

from __future__ import annotations

import pytest

from ecs_dr.domain.quotas import (
    AccountQuotas,
    NewDisk,
    NewInstance,
    QuotaNeeds,
    check_quotas,
    quota_needs,
    quota_not_checked,
)

REGION = "cn-hangzhou"


def quotas(
    vcpus: tuple[int | None, int | None] = (5000, 12),
    disk_gib: tuple[int | None, int | None] = (2000, 900),
) -> AccountQuotas:
    return AccountQuotas(
        region_id=REGION,
        postpaid_vcpus_max=vcpus[0],
        postpaid_vcpus_used=vcpus[1],
        postpaid_disk_gib_max=disk_gib[0],
        postpaid_disk_gib_used=disk_gib[1],
    )


def test_subscription_instances_and_disks_do_not_count_against_the_postpaid_quotas() -> None:
    needs = quota_needs(
        instances=[NewInstance(vcpus=4), NewInstance(vcpus=8, charge_type="PrePaid")],
        disks=[NewDisk(size_gib=100), NewDisk(size_gib=500, charge_type="PrePaid")],
    )
    assert needs == QuotaNeeds(postpaid_vcpus=4, postpaid_disk_gib=100)


def test_a_plan_that_fits_gets_one_plain_sentence_a_quota_and_nothing_blocking() -> None:
    check = check_quotas(QuotaNeeds(postpaid_vcpus=4, postpaid_disk_gib=100), quotas())
    assert check.fits and check.checked
    assert check.findings == [
        "Quota for pay-as-you-go instances in cn-hangzhou: the plan needs 4 vCPUs; 12 of "
        "5000 vCPUs used, 4984 vCPUs left after it.",
        "Quota for pay-as-you-go data disks in cn-hangzhou: the plan needs 100 GiB; 900 of "
        "2000 GiB used, 1000 GiB left after it.",
    ]
    check.raise_if_blocked()


def test_vcpus_past_the_quota_block_the_plan_naming_elastic_quota_and_the_quota_center() -> None:
    check = check_quotas(QuotaNeeds(postpaid_vcpus=8), quotas(vcpus=(100, 96)))
    [problem] = check.blocking
    assert (problem.quota, problem.code, problem.action) == (
        "postpaid_vcpus",
        "QuotaExceed.ElasticQuota",
        "RunInstances",
    )
    assert (problem.needed, problem.left, problem.limit) == (8, 4, 100)
    assert problem.message == (
        "The plan needs 8 vCPUs for pay-as-you-go instances but only 4 of 100 vCPUs are left in "
        "cn-hangzhou (QuotaExceed.ElasticQuota at RunInstances); request an increase in the "
        "Quota Center or free some."
    )
    assert check.findings == [problem.message]
    with pytest.raises(ValueError, match=r"QuotaExceed\.ElasticQuota"):
        check.raise_if_blocked()


def test_disk_gib_past_the_capacity_quota_block_the_plan_naming_post_paid_disk() -> None:
    check = check_quotas(QuotaNeeds(postpaid_disk_gib=600), quotas(disk_gib=(1000, 900)))
    [problem] = check.blocking
    assert (problem.quota, problem.code, problem.left) == (
        "postpaid_disk_gib",
        "QuotaExceed.PostPaidDisk",
        100,
    )
    assert "600 GiB for pay-as-you-go data disks but only 100 of 1000 GiB" in problem.message


def test_a_quota_already_overused_leaves_nothing_rather_than_a_negative_room() -> None:
    [problem] = check_quotas(QuotaNeeds(postpaid_vcpus=2), quotas(vcpus=(10, 12))).blocking
    assert problem.left == 0


def test_only_the_quotas_the_plan_uses_are_mentioned() -> None:
    assert check_quotas(QuotaNeeds(), quotas()).findings == []
    only_disks = check_quotas(QuotaNeeds(postpaid_disk_gib=40), quotas())
    assert len(only_disks.findings) == 1 and "data disks" in only_disks.findings[0]


@pytest.mark.parametrize("reported", [(None, 12), (5000, None), (0, 0)])
def test_a_quota_ecs_does_not_report_is_not_checked_never_blocking(
    reported: tuple[int | None, int | None],
) -> None:
    check = check_quotas(QuotaNeeds(postpaid_vcpus=4), quotas(vcpus=reported))
    assert check.fits
    assert check.findings == [
        "Quota for pay-as-you-go instances not checked in cn-hangzhou: ECS did not report "
        "max-postpaid-instance-vcpu-count; the plan needs 4 vCPUs."
    ]


def test_deprecated_disk_capacity_reported_as_zero_is_not_checked() -> None:
    check = check_quotas(QuotaNeeds(postpaid_disk_gib=40), quotas(disk_gib=(0, 0)))
    assert check.fits
    assert "not checked" in check.findings[0] and "deprecated" in check.findings[0]


def test_a_quota_check_that_could_not_be_made_is_a_finding_not_a_refusal() -> None:
    check = quota_not_checked(REGION, "Forbidden.RAM on DescribeAccountAttributes")
    assert (check.fits, check.checked) == (True, False)
    assert check.findings == ["Quota not checked: Forbidden.RAM on DescribeAccountAttributes"]
