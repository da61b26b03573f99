"""Choice prompts: the shape the runbook demands, answers checked against the options, and a
confirmation taken only where the user gave it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import mcp_types as types
import pytest
from mcp.server.elicitation import render_elicitation_schema
from mcp.server.mcpserver import Context

from ecs_dr.domain.decisions import (
    CANCEL,
    PROCEED,
    ChoiceOption,
    ChoicePrompt,
    InvalidDecision,
    chosen,
    confirm_prompt,
    is_confirmation,
    make_prompt,
    split_choice,
    without_confirmations,
)
from ecs_dr.domain.plans import CONFIRM_PLAN, Cancelled, asked
from ecs_dr.domain.prompts import (
    disk_category_prompt,
    no_stock_prompt,
    non_essd_group_prompt,
    vswitch_missing_prompt,
)
from ecs_dr.tools.decision_forms import answer_form
from ecs_dr.tools.decisions import (
    SESSION_HEADER,
    Settled,
    confirmation,
    confirmation_id,
)
from tests.support.factories import data_disk, instance, spec, system_disk


def _options(*values: str, recommended: str) -> list[ChoiceOption]:
    return [ChoiceOption(value=v, label=v.title(), recommended=v == recommended) for v in values]


def _assert_runbook_shape(prompt: ChoicePrompt) -> None:
    assert 2 <= len(prompt.options) <= 4
    assert [o.recommended for o in prompt.options].count(True) == 1
    assert prompt.options[0].recommended
    assert prompt.options[0].label.endswith(" (Recommended)")
    assert not any(o.label.endswith("(Recommended)") for o in prompt.options[1:])


def test_the_recommended_option_comes_first_labelled_recommended() -> None:
    prompt = make_prompt("d", "?", _options("a", "b", "c", recommended="b"), header="H")
    assert [o.value for o in prompt.options] == ["b", "a", "c"]
    assert prompt.options[0].label == "B (Recommended)"
    _assert_runbook_shape(prompt)


def test_a_label_already_marked_recommended_is_not_marked_twice() -> None:
    options = [
        ChoiceOption(value="a", label="A (Recommended)", recommended=True),
        ChoiceOption(value="b", label="B"),
    ]
    assert make_prompt("d", "?", options, header="H").options[0].label == "A (Recommended)"


@pytest.mark.parametrize("count", [1, 5])
def test_a_prompt_has_two_to_four_options(count: int) -> None:
    values = [f"v{n}" for n in range(count)]
    with pytest.raises(ValueError, match="2-4 options"):
        make_prompt("d", "?", _options(*values, recommended="v0"), header="H")


@pytest.mark.parametrize("recommended", [[], ["a", "b"]])
def test_a_prompt_recommends_exactly_one_option(recommended: list[str]) -> None:
    options = [
        ChoiceOption(value=v, label=v, recommended=v in recommended) for v in ("a", "b", "c")
    ]
    with pytest.raises(ValueError, match="exactly one"):
        make_prompt("d", "?", options, header="H")


def test_a_prompt_refuses_repeated_values() -> None:
    with pytest.raises(ValueError, match="repeat"):
        make_prompt("d", "?", _options("a", "a", recommended="a"), header="H")


def test_an_unanswered_decision_is_none() -> None:
    prompt = make_prompt("d", "?", _options("a", "b", recommended="a"), header="H")
    assert chosen(prompt, {}) is None
    assert chosen(prompt, {"other": "a"}) is None


def test_an_answer_among_the_options_is_returned() -> None:
    prompt = make_prompt("d", "?", _options("a", "b", recommended="a"), header="H")
    assert chosen(prompt, {"d": "b"}) == "b"


def test_an_answer_not_among_the_options_is_refused_listing_them() -> None:
    prompt = make_prompt("zone", "?", _options("a", "b", recommended="a"), header="H")
    with pytest.raises(InvalidDecision) as caught:
        chosen(prompt, {"zone": "c"})
    assert (caught.value.decision_id, caught.value.value, caught.value.valid) == (
        "zone",
        "c",
        ["a", "b"],
    )
    assert "'zone'" in str(caught.value) and "'c'" in str(caught.value)
    assert "a, b" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_split_choice_separates_kind_and_argument() -> None:
    assert split_choice("zone:cn-hangzhou-j") == ("zone", "cn-hangzhou-j")
    assert split_choice("create_vswitch") == ("create_vswitch", "")


def test_confirmation_is_proceed_recommended_or_cancel_and_shows_the_parameters() -> None:
    parameters = {"RegionId": "cn-hangzhou", "InstanceId": "i-1"}
    prompt = confirm_prompt("CreateSnapshotGroup", parameters)
    _assert_runbook_shape(prompt)
    assert prompt.values == [PROCEED, CANCEL]
    assert prompt.context == {"action": "CreateSnapshotGroup", "parameters": parameters}
    assert prompt.decision_id.startswith("confirm_CreateSnapshotGroup_")


def test_a_confirmation_covers_only_the_exact_parameters_it_showed() -> None:
    first = confirm_prompt("RunInstances", {"InstanceType": "ecs.g7.large", "Amount": 1})
    reordered = confirm_prompt("RunInstances", {"Amount": 1, "InstanceType": "ecs.g7.large"})
    changed = confirm_prompt("RunInstances", {"InstanceType": "ecs.g8i.large", "Amount": 1})
    other_action = confirm_prompt("CreateImage", {"InstanceType": "ecs.g7.large", "Amount": 1})
    assert first.decision_id == reordered.decision_id
    assert first.decision_id != changed.decision_id
    assert first.decision_id != other_action.decision_id
    assert chosen(changed, {first.decision_id: PROCEED}) is None


def test_confirmations_are_told_from_choices_so_a_workflow_never_reads_one() -> None:
    step = confirm_prompt("CreateDisk", {"Size": 40})
    assert is_confirmation(step.decision_id) and is_confirmation(CONFIRM_PLAN)
    assert not is_confirmation("vswitch_cn-hangzhou-k")
    answers = {step.decision_id: PROCEED, CONFIRM_PLAN: PROCEED, "vswitch_z": "create_vswitch"}
    assert without_confirmations(answers) == {"vswitch_z": "create_vswitch"}


def test_missing_vswitch_offers_create_recommended_then_other_zones_then_cancel() -> None:
    prompt = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", ["z-1", "z-2", "z-3"])
    _assert_runbook_shape(prompt)
    assert prompt.decision_id == "vswitch_cn-hangzhou-k"
    assert prompt.values == ["create_vswitch", "zone:z-1", "zone:z-2", "cancel"]


def test_missing_vswitch_without_other_zones_offers_create_or_cancel() -> None:
    prompt = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", [])
    assert prompt.values == ["create_vswitch", "cancel"]


def test_no_stock_recommends_the_best_similar_type_first() -> None:
    similar = [spec("ecs.g7se.large", 2, 8), spec("ecs.g8i.large", 2, 8)]
    prompt = no_stock_prompt(
        spec("ecs.g7.large", 2, 8), "cn-hangzhou-j", similar, ["cn-hangzhou-i"]
    )
    _assert_runbook_shape(prompt)
    assert prompt.decision_id == "instance_type_cn-hangzhou-j"
    assert prompt.values == [
        "type:ecs.g7se.large",
        "type:ecs.g8i.large",
        "zone:cn-hangzhou-i",
        "cancel",
    ]


def test_no_stock_keeps_room_for_a_zone_when_there_are_many_similar_types() -> None:
    similar = [spec(f"ecs.g{n}.large", 2, 8) for n in range(5, 9)]
    prompt = no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", similar, ["z-1", "z-2"])
    assert prompt.values == ["type:ecs.g5.large", "type:ecs.g6.large", "zone:z-1", "cancel"]


def test_no_stock_without_similar_types_recommends_a_zone_with_stock() -> None:
    prompt = no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", [], ["z-1", "z-2", "z-3", "z-4"])
    _assert_runbook_shape(prompt)
    assert prompt.values == ["zone:z-1", "zone:z-2", "zone:z-3", "cancel"]


def test_no_stock_without_any_alternative_is_an_error_not_a_prompt() -> None:
    with pytest.raises(ValueError, match="choose another target zone"):
        no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", [], [])


def test_unsupported_category_offers_the_zones_categories_essd_first() -> None:
    disk = data_disk("/dev/xvdc", category="cloud_essd_entry", performance_level=None)
    prompt = disk_category_prompt(
        disk, "cn-hangzhou-j", ["cloud_efficiency", "cloud_auto", "cloud_essd"]
    )
    _assert_runbook_shape(prompt)
    assert prompt.decision_id == "disk_category_xvdc"
    assert prompt.values == [
        "category:cloud_essd",
        "category:cloud_auto",
        "category:cloud_efficiency",
        "cancel",
    ]


def test_unsupported_category_never_offers_the_unsupported_one() -> None:
    disk = system_disk(category="cloud_ssd", performance_level=None)
    prompt = disk_category_prompt(disk, "z", ["cloud_ssd", "cloud_auto"])
    assert prompt.decision_id == "disk_category_xvda"
    assert prompt.values == ["category:cloud_auto", "cancel"]


def test_unsupported_category_with_nothing_offered_is_an_error_not_a_prompt() -> None:
    with pytest.raises(ValueError, match="choose another target zone"):
        disk_category_prompt(data_disk(), "z", [])


def test_a_non_essd_disk_asks_for_per_disk_snapshots_said_not_crash_consistent() -> None:
    source = instance(
        [system_disk(), data_disk(category="cloud_efficiency", performance_level=None)]
    )
    prompt = non_essd_group_prompt(source)
    _assert_runbook_shape(prompt)
    assert prompt.decision_id == "snapshot_strategy"
    assert prompt.values == ["per_disk_snapshots", "cancel"]
    assert "NOT crash-consistent" in prompt.options[0].description
    assert "d-data-xvdb" in prompt.question
    assert prompt.context["non_essd_disks"] == ["d-data-xvdb"]


@dataclass
class _Call:
    """What `confirmation` reads of a tool call's context."""

    client_capabilities: types.ClientCapabilities | None = None
    headers: dict[str, str] | None = None


def _ctx(forms: bool = False, session: str | None = None) -> Context[Any, Any]:
    form = types.FormElicitationCapability()
    elicitation = types.ElicitationCapability(form=form) if forms else None
    call = _Call(
        types.ClientCapabilities(elicitation=elicitation),
        {SESSION_HEADER: session} if session else None,
    )
    return cast("Context[Any, Any]", call)


def test_a_confirmation_id_is_bound_to_the_session_and_the_exact_prompt() -> None:
    prompt = confirm_prompt("CreateDisk", {"Size": 40})
    bound = confirmation_id(_ctx(), prompt)
    assert bound.startswith(prompt.decision_id + "_") and bound == confirmation_id(_ctx(), prompt)
    assert bound != confirmation_id(_ctx(session="s-2"), prompt)
    assert bound != confirmation_id(_ctx(), confirm_prompt("CreateDisk", {"Size": 41}))
    asked = confirmation(_ctx(), prompt, Settled(given={prompt.decision_id: PROCEED}))
    assert asked.answer is None and asked.prompt.decision_id == bound
    assert asked.refused is not None and repr(prompt.decision_id) in asked.refused
    given = Settled(given={prompt.decision_id: PROCEED, bound: PROCEED})
    assert confirmation(_ctx(), prompt, given).answer == PROCEED


def test_a_client_that_shows_forms_confirms_only_in_the_form() -> None:
    prompt = confirm_prompt("CreateDisk", {"Size": 40})
    with pytest.raises(ValueError, match="must come from that form, not from the arguments"):
        confirmation(_ctx(forms=True), prompt, Settled(given={prompt.decision_id: PROCEED}))
    formed = Settled(from_form={prompt.decision_id: PROCEED})
    assert confirmation(_ctx(forms=True), prompt, formed).answer == PROCEED
    assert confirmation(_ctx(), prompt, formed).answer is None


@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28", None])
def test_a_form_from_2025_11_25_is_a_titled_single_select_with_a_default(
    version: str | None,
) -> None:
    prompt = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", ["z-1"])
    schema = render_elicitation_schema(answer_form([prompt], version))
    field = schema["properties"][prompt.decision_id]
    assert [o["const"] for o in field["oneOf"]] == prompt.values
    assert field["default"] == prompt.values[0]
    assert "enum" not in field and "enumNames" not in field


def test_a_form_before_2025_11_25_is_an_enum_with_enum_names_and_no_default() -> None:
    prompt = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", ["z-1"])
    schema = render_elicitation_schema(answer_form([prompt], "2025-06-18"))
    field = schema["properties"][prompt.decision_id]
    assert field["enum"] == prompt.values
    assert field["enumNames"][0].startswith(prompt.options[0].label)
    assert "oneOf" not in field and "default" not in field


def test_a_prompt_is_asked_until_answered_and_cancel_cancels() -> None:
    prompt = make_prompt("d", "?", _options("a", CANCEL, recommended="a"), header="H")
    assert asked(prompt, {}) == prompt
    assert asked(prompt, {"d": "a"}) == "a"
    stopped = asked(prompt, {"d": CANCEL})
    assert isinstance(stopped, Cancelled) and stopped.decision_id == "d"
