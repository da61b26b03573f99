"""The rules of a recovery from a recovery point: which point "latest" means, which points a
recovery cannot start from, the source as a point holds it, what the plan says about it, and
its RPO."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecs_dr.domain.arguments import check_recovery_point
from ecs_dr.domain.instance_recovery import estimated_duration
from ecs_dr.domain.point_recovery import (
    FROM_POINT,
    choose_point,
    covered_source,
    point_findings,
    point_use,
    rpo_at,
    source_zone_prompt,
)
from ecs_dr.domain.recovery_points import RecoveryPoint
from ecs_dr.domain.refusal import Refusal
from tests.support.factories import data_disk, instance, system_disk

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SOURCE = instance(disks=[system_disk(), data_disk()])
SYSTEM, DATA = (d.disk_id for d in SOURCE.disks)


def _point(
    point_id: str,
    minutes_ago: int,
    *,
    disks: tuple[str, ...] = (SYSTEM, DATA),
    redundant: bool = True,
    kind: str = "group",
) -> RecoveryPoint:
    taken = NOW - timedelta(minutes=minutes_ago)
    return RecoveryPoint.model_validate(
        {
            "point_id": point_id,
            "kind": kind,
            "taken_at": taken,
            "age_s": minutes_ago * 60,
            "crash_consistent": True,
            "zone_redundant": redundant,
            "disks": list(disks),
            "missing_disks": [d.disk_id for d in SOURCE.disks if d.disk_id not in disks],
            "origin": "this server",
            "snapshot_ids": [f"s-{point_id[4:]}{n}" for n in range(len(disks))],
        }
    )


def test_latest_is_the_newest_zone_redundant_point_holding_the_system_disk() -> None:
    uploading = _point("ssg-uploading", 1, redundant=False)
    data_only = _point("ssg-dataonly", 2, disks=(DATA,))
    ready = _point("ssg-ready", 30)
    older = _point("ssg-older", 600)
    assert choose_point([uploading, data_only, ready, older], "latest", SOURCE) == ready


def test_a_point_not_zone_redundant_is_refused_by_id_with_the_reason() -> None:
    with pytest.raises(Refusal, match="not zone-redundant"):
        choose_point([_point("ssg-uploading", 1, redundant=False)], "ssg-uploading", SOURCE)


def test_a_point_is_found_by_its_id_or_one_of_its_snapshots() -> None:
    point = _point("ssg-ready", 30)
    assert choose_point([point], point.snapshot_ids[1], SOURCE) == point


def test_an_unknown_point_is_refused_naming_the_newest_and_latest() -> None:
    with pytest.raises(Refusal, match=r"ssg-ready.*recovery_point='latest'"):
        choose_point([_point("ssg-ready", 30)], "ssg-gone", SOURCE)


def test_no_point_at_all_says_how_to_take_one() -> None:
    with pytest.raises(Refusal, match="create_recovery_point"):
        choose_point([], "latest", SOURCE)


def test_a_point_missing_a_data_disk_recovers_without_it_and_the_plan_says_so() -> None:
    point = _point("ssg-old", 60, disks=(SYSTEM,))
    assert [d.disk_id for d in covered_source(SOURCE, point).disks] == [SYSTEM]
    findings = " ".join(point_findings(point, SOURCE, "ECS"))
    assert f"lacks {DATA}" in findings and "will not have it" in findings
    assert "1 h 0 min ago: that age is the RPO" in findings


def test_a_configuration_not_answered_by_ecs_is_the_points_record_and_the_plan_says_so() -> None:
    findings = " ".join(point_findings(_point("ssg-ready", 5), SOURCE, "the point's record"))
    assert "ECS does not answer" in findings and "as recorded when ssg-ready was taken" in findings


def test_the_rpo_is_the_points_age_when_the_recovery_started() -> None:
    used = point_use(_point("ssg-ready", 30), "ECS", "ssg-ready")
    assert rpo_at(used, NOW) == 1800
    assert rpo_at(used, NOW - timedelta(hours=1)) == 0  # never negative


def test_from_a_point_nothing_is_snapshotted_and_from_an_image_no_image_is_built() -> None:
    fresh = estimated_duration(SOURCE.disks, create_vswitch=False)
    group = estimated_duration(SOURCE.disks, create_vswitch=False, point="group")
    image = estimated_duration(SOURCE.disks, create_vswitch=False, point="image")
    assert fresh.snapshots_s > 0 and group.snapshots_s == 0 and group.image_s == fresh.image_s
    assert image.snapshots_s == 0 and image.image_s == 0
    assert image.total_s == fresh.instance_s


def test_a_zone_offering_nothing_recommends_the_latest_point_over_a_snapshot() -> None:
    prompt = source_zone_prompt(SOURCE, _point("ssg-ready", 30))
    assert prompt.options[0].value == FROM_POINT and prompt.options[0].recommended
    assert "ssg-ready" in prompt.question and SOURCE.zone_id in prompt.question
    assert len(prompt.header) <= 12


@pytest.mark.parametrize("value", ["latest", "ssg-1a", "m-2b", "s-1,s-2,s-3", "s-9"])
def test_recovery_point_argument_takes_latest_a_group_an_image_or_snapshots(value: str) -> None:
    assert check_recovery_point(value) == value


@pytest.mark.parametrize(
    "value", ["newest", "i-1", "s-1,m-2", "ssg-1,ssg-2", ",".join(f"s-{n}" for n in range(18))]
)
def test_recovery_point_argument_refuses_other_forms_naming_the_valid_ones(value: str) -> None:
    with pytest.raises(Refusal, match="give 'latest', or a point id"):
        check_recovery_point(value)
