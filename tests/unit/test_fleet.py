"""Fleet rules: which sources a plan takes, and how decisions are asked and answered."""

from __future__ import annotations

import pytest

from ecs_dr.domain.decisions import CANCEL, ChoiceOption, ChoicePrompt, make_prompt
from ecs_dr.domain.fleet_members import (
    SKIP,
    FleetSourceError,
    MemberAnswers,
    SkippedSource,
    settle_unplannable,
    zone_unfit_reason,
)
from ecs_dr.domain.fleet_recovery import (
    MAX_FLEET_SOURCES,
    SKIPPED,
    SOURCE_CHANGED,
    FleetMemberRow,
    failed_rows,
    fleet_markdown,
    fleet_prompts,
    fleet_sources,
    incomplete_message,
    skipped_row,
)
from ecs_dr.domain.refusal import Refusal
from tests.support.factories import instance


def prompt(decision_id: str, question: str) -> ChoicePrompt:
    return make_prompt(
        decision_id,
        question,
        [
            ChoiceOption(value="create_vswitch", label="Create", recommended=True),
            ChoiceOption(value="cancel", label="Cancel"),
        ],
        header="VSwitch",
    )


def test_a_fleet_keeps_its_sources_in_the_order_given() -> None:
    assert fleet_sources(["i-b", " i-a "]) == ["i-b", "i-a"]


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        ([], "give one instance id"),
        (["i-a", ""], "empty id"),
        (["i-a", "i-b", "i-a"], "i-a more than once"),
        ([f"i-{n}" for n in range(MAX_FLEET_SOURCES + 1)], f"at most {MAX_FLEET_SOURCES}"),
    ],
)
def test_a_fleet_refuses_an_empty_repeated_or_oversized_list(ids: list[str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        fleet_sources(ids)


def test_a_prompt_several_sources_ask_identically_is_asked_once_unscoped() -> None:
    same = prompt("vswitch_z", "vpc-1 has no VSwitch in z")
    asked = fleet_prompts({"i-a": [same], "i-b": [same]})
    assert [p.decision_id for p in asked] == ["vswitch_z"]


def test_a_prompt_only_one_source_asks_is_scoped_to_it_and_names_it() -> None:
    asked = fleet_prompts({"i-a": [prompt("snapshot_strategy", "i-a has a non-ESSD disk")]})
    assert [p.decision_id for p in asked] == ["i-a:snapshot_strategy"]
    assert asked[0].question.startswith("[i-a] ")


def test_a_prompt_sources_ask_differently_is_scoped_to_each_source() -> None:
    asked = fleet_prompts(
        {
            "i-a": [prompt("vswitch_z", "vpc-1 has no VSwitch in z")],
            "i-b": [prompt("vswitch_z", "vpc-2 has no VSwitch in z")],
        }
    )
    assert [p.decision_id for p in asked] == ["i-a:vswitch_z", "i-b:vswitch_z"]


def test_a_sources_own_answer_overrides_the_fleet_wide_one() -> None:
    answers = {"vswitch_z": "create_vswitch", "i-a:vswitch_z": "cancel", "i-b:other": "x"}
    assert dict(MemberAnswers(answers, "i-a")) == {"vswitch_z": "cancel"}
    assert dict(MemberAnswers(answers, "i-b")) == {"vswitch_z": "create_vswitch", "other": "x"}
    assert dict(MemberAnswers(answers, "i-c")) == {"vswitch_z": "create_vswitch"}


def test_an_incomplete_fleet_names_each_failed_source_and_what_the_others_got() -> None:
    rows = [
        FleetMemberRow(source_instance_id="i-a", status="completed", dr_instance_id="i-dr"),
        FleetMemberRow(source_instance_id="i-b", status="failed", error="NoStock"),
    ]
    message = incomplete_message(rows)
    assert "1 of 2 sources were not recovered (i-b: NoStock)" in message
    assert "i-a -> i-dr" in message
    assert "resume_recovery" in message


def test_the_fleet_table_escapes_cloud_text() -> None:
    rows = [FleetMemberRow(source_instance_id="i-a", status="failed", error="a | b\nc")]
    table = fleet_markdown(rows)
    assert table.splitlines()[2] == "| i-a | failed |  |  |  | a \\| b c |"


def test_a_fleet_source_that_changed_since_planning_is_planned_again_not_resumed() -> None:
    rows = [
        FleetMemberRow(source_instance_id="i-a", status=SOURCE_CHANGED, error="disk resized"),
        FleetMemberRow(source_instance_id="i-b", status="completed", dr_instance_id="i-dr"),
    ]
    message = incomplete_message(rows)
    assert "i-a changed since planning" in message
    assert "plan again (plan_recovery)" in message and "cleanup_recovery" in message
    assert "Fix the cause, then resume_recovery continues" not in message


ZONES = ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"]


def test_an_unplannable_source_is_asked_about_skip_recommended_while_others_can_go() -> None:
    settled = settle_unplannable({"i-b": "not found"}, 1, {})
    (asked,) = settled.prompts
    assert asked.decision_id == "i-b:skip_source"
    assert asked.values == [SKIP, CANCEL] and asked.options[0].recommended
    assert asked.question.startswith("[i-b] ") and "not found" in asked.question
    assert settled.skipped == [] and settled.cancelled_by is None


def test_a_skipped_source_keeps_its_reason() -> None:
    settled = settle_unplannable({"i-b": "not found"}, 1, {"i-b:skip_source": SKIP})
    assert settled.prompts == []
    assert settled.skipped == [SkippedSource(source_instance_id="i-b", reason="not found")]


def test_cancel_for_a_source_that_cannot_be_planned_cancels_the_fleet() -> None:
    settled = settle_unplannable({"i-b": "x", "i-c": "y"}, 1, {"i-c:skip_source": CANCEL})
    assert settled.cancelled_by == "i-c:skip_source"


def test_a_fleet_none_of_whose_sources_can_be_planned_is_refused_one_line_per_source() -> None:
    with pytest.raises(FleetSourceError) as raised:
        settle_unplannable({"i-a": "not found", "i-b": "not snapshottable"}, 0, {})
    assert str(raised.value).splitlines() == ["i-a: not found", "i-b: not snapshottable"]
    assert isinstance(raised.value, Refusal)


def test_a_source_in_the_target_zone_is_told_about_itself_not_about_the_fleets_zones() -> None:
    source = instance(instance_id="i-a", zone_id="cn-hangzhou-i")
    reason = zone_unfit_reason(source, "cn-hangzhou-i", ZONES)
    assert reason is not None
    assert reason.startswith("i-a already lives in cn-hangzhou-i")
    assert "recover it on its own" in reason and "(cn-hangzhou-h, cn-hangzhou-j)" in reason


def test_a_source_of_another_region_is_told_the_zone_is_not_of_its_region() -> None:
    source = instance(instance_id="i-a", region_id="cn-shanghai", zone_id="cn-shanghai-e")
    reason = zone_unfit_reason(source, "cn-hangzhou-i", ["cn-shanghai-e", "cn-shanghai-f"])
    assert reason is not None
    assert reason.startswith("i-a is in cn-shanghai, and cn-hangzhou-i is not a zone of it")
    assert "(cn-shanghai-f)" in reason


def test_a_zone_the_source_can_go_to_is_no_reason_to_skip_it() -> None:
    source = instance(instance_id="i-a", zone_id="cn-hangzhou-h")
    assert zone_unfit_reason(source, "cn-hangzhou-i", ZONES) is None


def test_a_skipped_source_is_one_row_with_its_reason_and_no_failure() -> None:
    rows = [
        FleetMemberRow(source_instance_id="i-a", status="completed", dr_instance_id="i-dr"),
        skipped_row(SkippedSource(source_instance_id="i-b", reason="not found")),
    ]
    assert (rows[1].status, rows[1].error) == (SKIPPED, "not found")
    assert failed_rows(rows) == []
    assert fleet_markdown(rows).splitlines()[3] == "| i-b | skipped |  |  |  | not found |"


def test_an_incomplete_fleet_counts_its_skipped_sources_apart() -> None:
    rows = [
        FleetMemberRow(source_instance_id="i-a", status="failed", error="NoStock"),
        skipped_row(SkippedSource(source_instance_id="i-b", reason="not found")),
    ]
    message = incomplete_message(rows)
    assert "1 of 1 sources were not recovered (i-a: NoStock)" in message
    assert "Skipped as planned: i-b." in message
