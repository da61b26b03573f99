"""Snapshot actions through the official SDK: CreateSnapshot, DescribeSnapshots,
DeleteSnapshot (groups: `test_snapshot_groups.py`). The tests share the module's demo and lab
sandboxes, reset before each.
"""

from __future__ import annotations

import json

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S, Backend
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    LEGACY_DATA,
    REGION,
    WEB_SYSTEM,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle
from tests.support.sdk_calls import (
    SETTLE_S,
    add_image_using,
    create_disk,
    described_snapshot,
    described_snapshots,
    ecs_error,
    round_trips,
    snapshot,
    token_pages,
)


# --- CreateSnapshot / DescribeSnapshots ------------------------------------------------------
def test_snapshot_answers_progressing_and_accomplishes_when_the_upload_ends(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    _, raw = round_trips(
        ecs, lambda: ecs.create_snapshot(models.CreateSnapshotRequest(disk_id=DB_DATA))
    )
    snapshot_id = raw["SnapshotId"]
    assert snapshot_id.startswith("s-bp1")
    request = models.DescribeSnapshotsRequest(
        region_id=REGION, snapshot_ids=json.dumps([snapshot_id])
    )
    _, body = round_trips(ecs, lambda: ecs.describe_snapshots(request))
    [first] = body["Snapshots"]["Snapshot"]
    assert (first["Status"], first["Progress"], first["Available"]) == ("progressing", "0%", False)
    assert (first["SourceDiskId"], first["SourceDiskType"], first["SourceDiskSize"]) == (
        DB_DATA,
        "data",
        "100",
    )
    assert first["InstantAccess"] is True and first["CreationTime"] == "2026-01-01T00:00:00Z"
    sandbox.advance_clock(45)  # 30 s + 0.6 s/GiB * 100 GiB = 90 s in all
    half = described_snapshot(ecs, snapshot_id)
    assert (half.status, half.progress, half.remain_time) == ("progressing", "50%", 45)
    sandbox.advance_clock(45)
    done = described_snapshot(ecs, snapshot_id)
    assert (done.status, done.progress, done.available, done.remain_time) == (
        "accomplished",
        "100%",
        True,
        0,
    )


def test_essd_snapshot_is_available_on_instant_access_before_it_is_accomplished(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_SYSTEM)
    sandbox.advance_clock(4)
    assert described_snapshot(ecs, snapshot_id).available is False
    sandbox.advance_clock(1)
    current = described_snapshot(ecs, snapshot_id)
    assert (current.status, current.available) == ("progressing", True)


def test_non_essd_snapshot_is_available_only_when_accomplished(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, LEGACY_DATA)  # cloud_efficiency, 200 GiB: 30 + 1.5 * 200 s
    sandbox.advance_clock(329)
    current = described_snapshot(ecs, snapshot_id)
    assert (current.status, current.available, current.instant_access) == (
        "progressing",
        False,
        False,
    )
    sandbox.advance_clock(1)
    assert described_snapshot(ecs, snapshot_id).available is True


def test_create_snapshot_fault_ends_failed_and_never_available(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshot", "status": "failed"})
    snapshot_id = snapshot(ecs, DB_DATA)
    sandbox.advance_clock(10)
    assert described_snapshot(ecs, snapshot_id).available is False
    sandbox.advance_clock(600)
    failed = described_snapshot(ecs, snapshot_id)
    assert (failed.status, failed.available) == ("failed", False)
    assert failed.progress != "100%"
    assert [s.snapshot_id for s in described_snapshots(ecs, status="failed")] == [snapshot_id]


def test_create_snapshot_refuses_unknown_never_attached_and_creating_disks(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: snapshot(ecs, "d-bp1nosuchdisk000000")) == (
        "InvalidDiskId.NotFound",
        404,
    )
    disk_id = create_disk(ecs, size=40)
    assert ecs_error(lambda: snapshot(ecs, disk_id)) == ("IncorrectDiskStatus", 403)  # Creating
    sandbox.advance_clock(15)
    assert ecs_error(lambda: snapshot(ecs, disk_id)) == ("IncorrectDiskStatus.NeverAttached", 403)
    assert described_snapshots(ecs, disk_id=disk_id) == []


def test_create_snapshot_needs_a_running_or_stopped_instance(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: snapshot(lab.ecs, "d-hzstopping-sys")) == (
        "IncorrectInstanceStatus",
        400,
    )


def test_a_disk_takes_no_second_snapshot_while_one_is_in_progress(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot(ecs, DB_DATA)
    assert ecs_error(lambda: snapshot(ecs, DB_DATA)) == (
        "IncorrectDiskStatus.CreatingSnapshot",
        403,
    )
    snapshot(ecs, DB_LOG)  # the limit is per disk
    sandbox.advance_clock(90)  # 100 GiB: 30 + 0.6 * 100 s
    snapshot(ecs, DB_DATA)
    assert len(described_snapshots(ecs, disk_id=DB_DATA)) == 2


def test_create_snapshot_with_the_same_client_token_creates_one_snapshot(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = snapshot(ecs, DB_DATA, client_token="token-snap-1")
    assert ecs_error(lambda: snapshot(ecs, DB_DATA, client_token="token-snap-1")) == (
        "IdempotentProcessing",
        403,
    )
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    assert snapshot(ecs, DB_DATA, client_token="token-snap-1") == first
    assert len(described_snapshots(ecs)) == 1
    assert ecs_error(lambda: snapshot(ecs, DB_LOG, client_token="token-snap-1")) == (
        "IdempotentParameterMismatch",
        403,
    )


def test_create_snapshot_tags_show_in_describe_snapshots_and_filter_it(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    tag = models.CreateSnapshotRequestTag(key="ecs-dr", value="op-1")
    tagged = snapshot(ecs, DB_DATA, tag=[tag], snapshot_name="before-drill", description="drill")
    snapshot(ecs, DB_LOG)
    [found] = described_snapshots(
        ecs, tag=[models.DescribeSnapshotsRequestTag(key="ecs-dr", value="op-1")]
    )
    assert (found.snapshot_id, found.snapshot_name, found.description) == (
        tagged,
        "before-drill",
        "drill",
    )
    assert [(t.tag_key, t.tag_value) for t in found.tags.tag] == [("ecs-dr", "op-1")]


def test_describe_snapshots_filters_by_disk_instance_type_and_usage(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    system = snapshot(ecs, DB_SYSTEM)
    data = snapshot(ecs, DB_DATA)
    web = snapshot(ecs, WEB_SYSTEM)
    assert {s.snapshot_id for s in described_snapshots(ecs, instance_id=DB_INSTANCE)} == {
        system,
        data,
    }
    assert [s.snapshot_id for s in described_snapshots(ecs, disk_id=DB_DATA)] == [data]
    assert {s.snapshot_id for s in described_snapshots(ecs, source_disk_type="System")} == {
        system,
        web,
    }
    assert described_snapshots(ecs, snapshot_type="auto") == []
    sandbox.advance_clock(120)
    create_disk(ecs, snapshot_id=data)
    assert [s.snapshot_id for s in described_snapshots(ecs, usage="disk")] == [data]
    assert described_snapshots(ecs, "cn-shanghai") == []


def test_describe_snapshots_pages_by_page_number_and_by_next_token(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    made = []
    for _ in range(3):
        made += [snapshot(ecs, disk) for disk in (DB_SYSTEM, DB_DATA, DB_LOG)]
        sandbox.advance_clock(SETTLE_S)
    page = ecs.describe_snapshots(
        models.DescribeSnapshotsRequest(region_id=REGION, page_number=3, page_size=4)
    ).body
    assert (page.total_count, page.page_number, len(page.snapshots.snapshot)) == (9, 3, 1)
    pages = token_pages(
        lambda token: (
            ecs.describe_snapshots(
                models.DescribeSnapshotsRequest(region_id=REGION, max_results=4, next_token=token)
            ).body
        )
    )
    seen = [s.snapshot_id for body in pages for s in body.snapshots.snapshot]
    assert seen == made


def test_describe_snapshots_needs_a_known_region(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: ecs.describe_snapshots(models.DescribeSnapshotsRequest())) == (
        "MissingParameter",
        400,
    )
    unknown = models.DescribeSnapshotsRequest(region_id="eu-nowhere-1")
    assert ecs_error(lambda: ecs.describe_snapshots(unknown)) == ("InvalidRegionId.NotFound", 404)


# --- DeleteSnapshot --------------------------------------------------------------------------
def test_delete_snapshot_removes_it_and_its_tags(sandbox: SandboxHandle, ecs: Client) -> None:
    tag = models.CreateSnapshotRequestTag(key="ecs-dr", value="op-2")
    snapshot_id = snapshot(ecs, DB_DATA, tag=[tag])
    sandbox.advance_clock(SETTLE_S)
    round_trips(
        ecs, lambda: ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
    )
    assert described_snapshots(ecs) == []
    assert all(t["resource_id"] != snapshot_id for t in sandbox.state()["regions"][REGION]["tags"])


def test_delete_snapshot_of_an_unknown_id_is_not_found(ecs: Client) -> None:
    request = models.DeleteSnapshotRequest(snapshot_id="s-bp1nosuchsnapshot00")
    assert ecs_error(lambda: ecs.delete_snapshot(request)) == ("InvalidSnapshotId.NotFound", 404)


def test_delete_snapshot_of_one_in_progress_is_refused_until_it_is_accomplished(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)
    request = models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True)
    assert ecs_error(lambda: ecs.delete_snapshot(request)) == (
        "IncorrectDiskStatus.CreatingSnapshot",
        400,
    )
    sandbox.advance_clock(SETTLE_S)
    ecs.delete_snapshot(request)
    assert described_snapshots(ecs) == []


def test_delete_snapshot_refuses_one_a_disk_came_from_unless_forced(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)
    sandbox.advance_clock(10)
    create_disk(ecs, snapshot_id=snapshot_id)
    sandbox.advance_clock(SETTLE_S)
    plain = models.DeleteSnapshotRequest(snapshot_id=snapshot_id)
    assert ecs_error(lambda: ecs.delete_snapshot(plain)) == ("SnapshotCreatedDisk", 403)
    ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True))
    assert described_snapshots(ecs) == []


def test_delete_snapshot_refuses_one_an_image_uses_even_when_forced(
    sandbox: SandboxHandle, ecs: Client, backend: Backend
) -> None:
    snapshot_id = snapshot(ecs, DB_SYSTEM)
    sandbox.advance_clock(SETTLE_S)
    add_image_using(backend, snapshot_id)
    forced = models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True)
    assert ecs_error(lambda: ecs.delete_snapshot(forced)) == ("SnapshotCreatedImage", 403)
    assert described_snapshot(ecs, snapshot_id).usage == "image"
