"""Source vs DR comparison: every governed property, and a table cloud text cannot break."""

from __future__ import annotations

from typing import Any

from ecs_dr.domain.cloud_text import escape_markdown_cell
from ecs_dr.domain.comparison import (
    ComparisonRow,
    all_match,
    compare_instances,
    markdown_table,
    run_plan_from_parameters,
)
from ecs_dr.domain.models import Disk, Instance
from ecs_dr.domain.run_instances import run_instances_plan
from tests.support.factories import TARGET_ZONE, data_disk, image_of, instance, system_disk

IMAGE = "m-recovery"


def _dr(source: Instance, disks: list[Disk] | None = None, **changes: Any) -> Instance:
    """The DR copy the rules demand of `source`, then `changes`."""
    fields: dict[str, Any] = {
        "instance_id": "i-dr",
        "name": f"recovery-{source.name}",
        "zone_id": TARGET_ZONE,
        "vswitch_id": "vsw-target",
        "image_id": IMAGE,
        "private_ips": ["192.168.1.20"],
        "public_ips": ["47.9.9.9"] if source.has_public_ip else [],
        "disks": disks
        if disks is not None
        else [d.model_copy(update={"disk_id": f"{d.disk_id}-dr"}) for d in source.disks],
    }
    return source.model_copy(update=fields | changes)


def _rows(source: Instance, dr: Instance) -> dict[str, ComparisonRow]:
    return {r.item: r for r in compare_instances(source, dr, image_id=IMAGE)}


def _mismatches(rows: list[ComparisonRow]) -> list[str]:
    return [r.item for r in rows if not r.match]


def test_a_faithful_dr_copy_matches_on_every_row() -> None:
    source = instance()
    assert _mismatches(compare_instances(source, _dr(source), image_id=IMAGE)) == []


def test_the_comparison_covers_every_property_the_rules_govern() -> None:
    items = set(_rows(instance(), _dr(instance())))
    assert {
        "Instance ID",
        "Name",
        "Zone",
        "Instance type",
        "VPC",
        "VSwitch",
        "Security groups",
        "Instance charge type",
        "Internet charge type",
        "Bandwidth out (Mbps)",
        "Public IP",
        "Image",
        "Status",
    } <= items
    for device in ("/dev/xvda", "/dev/xvdb", "/dev/xvdc"):
        assert {
            f"Disk {device} category",
            f"Disk {device} size (GiB)",
            f"Disk {device} performance level",
        } <= items


def test_zone_id_and_vswitch_differ_by_design_and_still_match() -> None:
    rows = _rows(instance(), _dr(instance()))
    for item in ("Instance ID", "Zone", "VSwitch"):
        assert rows[item].match
        assert rows[item].source != rows[item].dr
        assert rows[item].note


def test_a_dr_copy_in_the_source_zone_does_not_match() -> None:
    source = instance()
    assert not _rows(source, _dr(source, zone_id=source.zone_id))["Zone"].match


def test_a_public_ip_on_a_dr_copy_of_a_private_source_is_a_mismatch() -> None:
    source = instance()
    rows = _rows(source, _dr(source, public_ips=["47.1.1.1"], internet_max_bandwidth_out=5))
    assert not rows["Public IP"].match
    assert not rows["Bandwidth out (Mbps)"].match


def test_zero_bandwidth_matches_a_source_without_public_ip_whatever_its_setting() -> None:
    source = instance(internet_max_bandwidth_out=10)
    row = _rows(source, _dr(source, internet_max_bandwidth_out=0))["Bandwidth out (Mbps)"]
    assert row.match
    assert "no public IP" in row.note


def test_a_public_source_needs_a_public_dr_copy_with_its_bandwidth() -> None:
    source = instance(public_ips=["47.1.2.3"], internet_max_bandwidth_out=5)
    assert _mismatches(compare_instances(source, _dr(source), image_id=IMAGE)) == []
    rows = _rows(source, _dr(source, public_ips=[], internet_max_bandwidth_out=0))
    assert not rows["Public IP"].match
    assert not rows["Bandwidth out (Mbps)"].match


def test_a_changed_performance_level_is_a_mismatch() -> None:
    source = instance()
    disks = [d.model_copy(update={"performance_level": "PL1"}) for d in source.disks]
    rows = _rows(source, _dr(source, disks=disks))
    assert not rows["Disk /dev/xvdb performance level"].match
    assert rows["Disk /dev/xvdc performance level"].match


def test_a_data_disk_missing_on_the_dr_copy_is_a_mismatch() -> None:
    source = instance()
    rows = _rows(source, _dr(source, disks=source.disks[:2]))
    assert not rows["Disk /dev/xvdc"].match
    assert rows["Disk /dev/xvdc"].note == "missing on the DR instance"


def test_an_extra_disk_on_the_dr_copy_is_a_mismatch() -> None:
    source = instance()
    extra = data_disk("/dev/xvdd", disk_id="d-added")
    rows = _rows(source, _dr(source, disks=[*source.disks, extra]))
    assert not rows["Disk /dev/xvdd"].match
    assert rows["Disk /dev/xvdd"].note == "not on the source"


def test_other_type_billing_or_security_groups_are_mismatches() -> None:
    source = instance()
    dr = _dr(
        source,
        instance_type="ecs.g8i.large",
        instance_charge_type="PrePaid",
        internet_charge_type="PayByBandwidth",
        security_group_ids=["sg-other"],
        vpc_id="vpc-other",
    )
    assert set(_mismatches(compare_instances(source, dr, image_id=IMAGE))) == {
        "Instance type",
        "Instance charge type",
        "Internet charge type",
        "Security groups",
        "VPC",
    }


def test_a_dr_copy_from_another_image_or_not_running_is_a_mismatch() -> None:
    source = instance()
    rows = _rows(source, _dr(source, image_id="m-other", status="Pending"))
    assert not rows["Image"].match
    assert not rows["Status"].match


def test_the_default_name_is_noted_as_recovery_source_name() -> None:
    row = _rows(instance(), _dr(instance()))["Name"]
    assert row.match
    assert row.dr == "recovery-prod-db-01"
    assert row.note == "recovery-<source name>"


def test_a_user_chosen_name_matches_and_is_noted() -> None:
    row = _rows(instance(), _dr(instance(), name="db-drill"))["Name"]
    assert row.match
    assert "named by the user" in row.note


def test_decisions_in_the_plan_are_what_the_dr_copy_is_held_to() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_essd_entry", performance_level=None)],
        instance_type="ecs.u1-c1m2.large",
    )
    plan = run_instances_plan(
        source,
        image_of(source),
        zone_id=TARGET_ZONE,
        vswitch_id="vsw-target",
        instance_name="db-drill",
        instance_type="ecs.u1-c1m4.large",
        categories={"/dev/xvdb": "cloud_essd"},
    )
    dr = _dr(
        source,
        name="db-drill",
        instance_type="ecs.u1-c1m4.large",
        disks=[
            system_disk(disk_id="d-1"),
            data_disk(disk_id="d-2", category="cloud_essd", performance_level="PL1"),
        ],
    )
    rows = compare_instances(source, dr, image_id=IMAGE, plan=plan)
    assert _mismatches(rows) == []
    by_item = {r.item: r for r in rows}
    assert "out of stock" in by_item["Instance type"].note
    assert "chosen by the user" in by_item["Disk /dev/xvdb category"].note
    named = compare_instances(
        source, dr.model_copy(update={"name": "other"}), image_id=IMAGE, plan=plan
    )
    assert _mismatches(named) == ["Name"]


def test_markdown_table_has_one_line_per_row_under_a_header() -> None:
    rows = compare_instances(instance(), _dr(instance()), image_id=IMAGE)
    lines = markdown_table(rows).splitlines()
    assert lines[0] == "| Item | Source | DR | Match | Note |"
    assert len(lines) == len(rows) + 2
    assert all(line.count(" | ") == 4 for line in lines)


def test_mismatches_stand_out_in_the_table() -> None:
    table = markdown_table([ComparisonRow(item="VPC", source="a", dr="b", match=False)])
    assert table.splitlines()[2] == "| VPC | a | b | NO |  |"


def test_cloud_text_cannot_break_the_table() -> None:
    hostile = "web|prod\n| injected | row |\r`code` *b* _i_ [link](x) <script>\\"
    source = instance(name=hostile)
    table = markdown_table(compare_instances(source, _dr(source), image_id=IMAGE))
    lines = table.splitlines()
    assert len(lines) == len(compare_instances(source, _dr(source), image_id=IMAGE)) + 2
    name_line = next(line for line in lines if line.startswith("| Name |"))
    unescaped_pipes = name_line.replace("\\|", "").count("|")
    assert unescaped_pipes == 6
    assert "<script>" not in table


def test_escape_markdown_cell_escapes_every_special_character() -> None:
    assert escape_markdown_cell("a|b`c*d_e[f]g<h>i\\j") == (
        "a\\|b\\`c\\*d\\_e\\[f\\]g\\<h\\>i\\\\j"
    )
    assert escape_markdown_cell("one\ntwo\r\nthree") == "one two three"
    assert escape_markdown_cell("") == ""


def _held_plan(source: Instance) -> Any:
    return run_instances_plan(
        source,
        image_of(source),
        zone_id=TARGET_ZONE,
        vswitch_id="vsw-target",
        instance_name=f"recovery-{source.name}",
        instance_type="ecs.u1-c1m4.large",
        categories={"/dev/xvdb": "cloud_essd"},
    )


def test_a_run_plan_reads_back_from_the_parameters_it_sends() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_essd_entry", performance_level=None)],
        instance_type="ecs.u1-c1m2.large",
    )
    plan = _held_plan(source)
    assert run_plan_from_parameters(plan.parameters()) == plan


def test_a_difference_the_user_chose_is_marked_chosen_and_counts_as_a_match() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_essd_entry", performance_level=None)],
        instance_type="ecs.u1-c1m2.large",
    )
    disks = [
        system_disk(disk_id="d-1"),
        data_disk(disk_id="d-2", category="cloud_essd", performance_level="PL1"),
    ]
    dr = _dr(source, instance_type="ecs.u1-c1m4.large", disks=disks)
    rows = compare_instances(source, dr, image_id=IMAGE, plan=_held_plan(source))
    by_item = {r.item: r for r in rows}
    assert by_item["Instance type"].chosen and by_item["Instance type"].match
    assert by_item["Disk /dev/xvdb category"].chosen
    assert not by_item["VPC"].chosen
    assert all_match(rows)
    assert not all_match(compare_instances(source, dr, image_id=IMAGE))
