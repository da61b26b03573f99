"""The rules of a DR instance name already in use, each tested by name: the numbered name and
the question the user answers."""

from __future__ import annotations

from ecs_dr.domain.decisions import CANCEL
from ecs_dr.domain.names import NAME_MAX, numbered_name
from ecs_dr.domain.prompts import KEEP_NAME, NUMBERED_NAME, dr_name_in_use_prompt


def test_a_numbered_name_adds_its_number_after_an_underscore() -> None:
    assert numbered_name("recovery-web", 2) == "recovery-web_2"


def test_a_numbered_name_stays_within_ecs_name_length() -> None:
    name = numbered_name("r" * NAME_MAX, 12)
    assert len(name) == NAME_MAX and name.endswith("_12")


def test_a_dr_name_in_use_offers_the_numbered_name_first_then_keeping_it_or_cancel() -> None:
    prompt = dr_name_in_use_prompt("recovery-web", ["i-a", "i-b"], "recovery-web_2")
    assert prompt.decision_id == "dr_name_recovery-web"
    assert prompt.values == [NUMBERED_NAME, KEEP_NAME, CANCEL]
    assert prompt.options[0].recommended and "recovery-web_2" in prompt.options[0].label
    assert "i-a, i-b" in prompt.question


def test_a_dr_name_many_instances_have_names_a_few_and_counts_the_rest() -> None:
    holders = [f"i-{n}" for n in range(5)]
    prompt = dr_name_in_use_prompt("recovery-web", holders, "recovery-web_2")
    assert "i-0, i-1, i-2 and 2 more" in prompt.question
    assert prompt.context["instances"] == holders
