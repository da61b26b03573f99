"""Scenario B's plan rules: which disks, the system disk's consent, the target's disk limit,
the fingerprint that makes a stale plan refused, and the estimated duration."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_dr.domain import disk_recovery, disk_selection, fingerprints, plans
from ecs_dr.domain.decisions import ChoicePrompt, InvalidDecision, chosen, recommended_answer
from ecs_dr.domain.models import Instance
from tests.support.factories import TARGET_ZONE, data_disk, instance, system_disk


def target(**changes: Any) -> Instance:
    return instance(
        [system_disk(disk_id="d-target-sys")],
        instance_id="i-target",
        zone_id=TARGET_ZONE,
        **changes,
    )


def test_the_only_data_disk_is_chosen_without_asking() -> None:
    source = instance([system_disk(), data_disk("/dev/xvdb")])
    chosen = disk_selection.default_disks(source)
    assert isinstance(chosen, list)
    assert [d.disk_id for d in chosen] == ["d-data-xvdb"]


def test_several_data_disks_become_one_option_each_several_chosen_all_recommended() -> None:
    prompt = disk_selection.default_disks(instance())
    assert isinstance(prompt, ChoicePrompt)
    assert prompt.multi_select
    assert prompt.header == "Disks"
    assert prompt.values == ["disk:d-data-xvdb", "disk:d-data-xvdc"]
    assert all(o.recommended and o.label.endswith("(Recommended)") for o in prompt.options)
    assert "/dev/xvdc 100 GiB cloud_essd PL1" in prompt.options[1].description
    everything = recommended_answer(prompt)
    assert [d.disk_id for d in disk_selection.selected_disks(instance(), everything)] == [
        "d-data-xvdb",
        "d-data-xvdc",
    ]


def test_two_of_three_data_disks_are_one_answer() -> None:
    source = instance([system_disk(), *(data_disk(f"/dev/xvd{c}") for c in "bcd")])
    prompt = disk_selection.disk_selection_prompt(source)
    answer = chosen(prompt, {prompt.decision_id: "disk:d-data-xvdd, disk:d-data-xvdb"})
    assert answer == "disk:d-data-xvdb,disk:d-data-xvdd"
    assert [d.disk_id for d in disk_selection.selected_disks(source, answer)] == [
        "d-data-xvdb",
        "d-data-xvdd",
    ]


def test_four_data_disks_are_still_each_their_own_option() -> None:
    source = instance([system_disk(), *(data_disk(f"/dev/xvd{c}") for c in "bcde")])
    prompt = disk_selection.disk_selection_prompt(source)
    assert prompt.multi_select
    assert len(prompt.options) == 4


def test_a_disk_answer_naming_a_stranger_is_refused_by_name() -> None:
    prompt = disk_selection.disk_selection_prompt(instance())
    with pytest.raises(InvalidDecision, match="'disk:d-other' is not one of the options"):
        chosen(prompt, {prompt.decision_id: "disk:d-data-xvdb,disk:d-other"})


def test_too_many_data_disks_to_list_ask_for_all_or_disk_ids() -> None:
    many = [data_disk(f"/dev/xvd{c}") for c in "bcdef"]
    prompt = disk_selection.disk_selection_prompt(instance([system_disk(), *many]))
    assert prompt.values == ["all_data_disks", "cancel"]
    assert "disk_ids" in prompt.question


def test_a_source_without_data_disks_says_how_to_copy_its_system_disk() -> None:
    with pytest.raises(ValueError, match=r"disk_ids=\['d-system'\]"):
        disk_selection.default_disks(instance([system_disk()]))


def test_a_disk_not_of_the_source_is_refused_listing_the_sources_disks() -> None:
    with pytest.raises(
        ValueError, match="d-other is not a disk of i-source; its disks are: /dev/xvda"
    ):
        disk_selection.disks_named(instance(), ["d-data-xvdb", "d-other"])


def test_named_disks_come_in_device_order_without_repeats() -> None:
    named = disk_selection.disks_named(instance(), ["d-data-xvdc", "d-system", "d-data-xvdc"])
    assert [d.device for d in named] == ["/dev/xvda", "/dev/xvdc"]


def test_the_system_disk_needs_an_explicit_yes_in_its_own_prompt() -> None:
    prompt = disk_selection.system_disk_prompt(system_disk(), others=1)
    assert prompt.decision_id == "system_disk_d-system"
    assert prompt.values == ["include", "exclude"]
    alone = disk_selection.system_disk_prompt(system_disk(), others=0)
    assert alone.values == ["include", "cancel"]


def test_the_target_disk_limit_counts_current_disks_plus_the_new_ones() -> None:
    full = instance([system_disk(), *(data_disk(f"/dev/xvd{c}") for c in "bcdefg")])
    disk_recovery.check_disk_limit(full, 2, 8)
    with pytest.raises(
        ValueError, match="has 6 data disks and takes at most 7; 2 more would make 8"
    ):
        disk_recovery.check_disk_limit(full, 2, 7)
    with pytest.raises(ValueError, match="takes no more disks"):
        disk_recovery.check_disk_limit(full, 1, 6)
    disk_recovery.check_disk_limit(full, 50, None)


def test_a_plan_is_stale_when_a_disk_of_the_target_was_added() -> None:
    source, dest = instance(), target()
    planned = fingerprints.fingerprint(source, dest)
    changed = dest.model_copy(
        update={"disks": [*dest.disks, data_disk("/dev/xvdb", disk_id="d-new")]}
    )
    now = fingerprints.fingerprint(source, changed)
    assert planned.digest != now.digest
    assert fingerprints.plan_changes(planned, now) == ["i-target: d-new (/dev/xvdb) was added"]
    with pytest.raises(ValueError, match=r"changed since plan-1 .*Plan again \(plan_recovery\)"):
        fingerprints.check_unchanged("plan-1", planned, now)


def test_a_plan_is_current_when_only_statuses_changed() -> None:
    source = instance()
    planned = fingerprints.fingerprint(source, target())
    now = fingerprints.fingerprint(source.model_copy(update={"status": "Stopped"}), target())
    fingerprints.check_unchanged("plan-1", planned, now)
    assert planned.digest == now.digest


def test_a_plan_is_stale_when_the_source_moved_zone_or_lost_a_disk() -> None:
    source = instance()
    planned = fingerprints.fingerprint(source, target())
    moved = source.model_copy(update={"zone_id": "cn-hangzhou-k", "disks": source.disks[:2]})
    changes = fingerprints.plan_changes(planned, fingerprints.fingerprint(moved, target()))
    assert changes == [
        "source zone cn-hangzhou-h -> cn-hangzhou-k",
        "i-source: d-data-xvdc (/dev/xvdc) is gone",
    ]


def test_estimated_duration_is_the_slowest_disk_not_the_sum() -> None:
    small, large = data_disk(size_gib=100), data_disk("/dev/xvdc", size_gib=500)
    one = disk_recovery.estimated_duration_s([large])
    both = disk_recovery.estimated_duration_s([small, large])
    # 30 s + 0.6 s/GiB upload, 10 s + 0.02 s/GiB create, 5 s per attach.
    assert one == pytest.approx(330 + 20 + 5)
    assert both == pytest.approx(one + 5)
    assert both < one + disk_recovery.estimated_duration_s([small])
    assert disk_recovery.estimated_duration_s([]) == 0


def test_estimated_duration_grows_with_disk_size_and_slower_categories() -> None:
    essd = disk_recovery.estimated_duration_s([data_disk(size_gib=200)])
    efficiency = disk_recovery.estimated_duration_s(
        [data_disk(size_gib=200, category="cloud_efficiency", performance_level=None)]
    )
    assert disk_recovery.estimated_duration_s([data_disk(size_gib=1000)]) > essd
    assert efficiency > essd


def test_a_disk_plan_binds_each_source_disks_category_size_and_pl_and_the_targets_zone() -> None:
    """The new disks keep the source disks' category, size and PL in the target's zone: a
    change of any of them is named; a disk the plan's own operation attached is no change."""
    source, dest = instance(), target()
    planned = fingerprints.fingerprint(source, dest)
    resized = instance(
        [
            system_disk(),
            data_disk(size_gib=800, performance_level="PL3"),
            data_disk("/dev/xvdc", category="cloud_auto", size_gib=100, performance_level=None),
        ]
    )
    moved = dest.model_copy(update={"zone_id": "cn-hangzhou-k"})
    assert fingerprints.plan_changes(planned, fingerprints.fingerprint(resized, moved)) == [
        "target zone cn-hangzhou-i -> cn-hangzhou-k",
        "i-source: disk d-data-xvdb size 500 -> 800 GiB",
        "i-source: disk d-data-xvdb performance level PL2 -> PL3",
        "i-source: disk d-data-xvdc category cloud_essd -> cloud_auto",
        "i-source: disk d-data-xvdc performance level PL1 -> none",
    ]
    ours = dest.model_copy(
        update={"disks": [*dest.disks, data_disk("/dev/xvdb", disk_id="d-copy")]}
    )
    assert (
        fingerprints.plan_changes(planned, fingerprints.fingerprint(source, ours, {"d-copy"})) == []
    )
    with pytest.raises(plans.PlanStale, match=r"nothing more is created.*cleanup_recovery"):
        fingerprints.check_unchanged_during(
            "op-1", planned, fingerprints.fingerprint(resized, dest), "nothing more is created"
        )
