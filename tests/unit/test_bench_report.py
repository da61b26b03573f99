"""The benchmark report: a target is met on the right side of its limit, and a run writes
every figure to JSON and every table and target to markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench import progress
from bench.report import Section, Target, write
from bench.sizes import Answer, Sizes, sizes_section


def test_a_lower_is_better_target_is_met_at_or_below_its_limit() -> None:
    assert Target("overhead", 1.05, 1.05, "x").met
    assert not Target("overhead", 1.06, 1.05, "x").met


def test_a_higher_is_better_target_is_met_at_or_above_its_limit() -> None:
    assert Target("throughput", 0.8, 0.8, "", higher_is_better=True).met
    assert not Target("throughput", 0.79, 0.8, "", higher_is_better=True).met


def test_a_run_writes_every_figure_to_json_and_each_table_and_target_to_markdown(
    tmp_path: Path,
) -> None:
    section = Section(
        key="scenario_a",
        title="Scenario A overhead",
        headers=["disks", "wall / critical path"],
        rows=[[3, 1.02]],
        figures={"ratio": {"median": 1.02, "range": [1.01, 1.04]}},
        targets=[Target("3 disks", 1.02, 1.05, "x")],
        notes=["time scale 600"],
    )
    text = write([section], tmp_path, quick=True)
    document = json.loads((tmp_path / "latest.json").read_text())
    assert document["run"]["quick"] is True
    (written,) = document["sections"]
    assert written["figures"] == {"ratio": {"median": 1.02, "range": [1.01, 1.04]}}
    assert written["targets"][0]["met"] is True
    assert (tmp_path / "latest.md").read_text() == text
    assert "## Scenario A overhead" in text and "time scale 600" in text
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()]
    assert ["Scenario A overhead", "3 disks", "1.02 x", "<= 1.05 x", "yes"] in rows


def test_the_size_section_reports_the_issues_size_targets_against_the_final_answers() -> None:
    sizes = Sizes(tool_list=59_000, model_visible=25_000, fleet_size=50)
    sizes.answers += [
        Answer("A", "execute_recovery", 700, 3_000),
        Answer("A", "wait_operation", 5_000, 11_000),
        Answer("fleet", "execute_recovery", 19_000, 90_000),
    ]
    section = sizes_section(sizes, quick=False)
    met = {t.name: (t.measured, t.limit, t.met) for t in section.targets}
    assert met == {
        "tools/list": (59_000, 60_000, True),
        "model-visible tool list": (25_000, 24_000, False),
        "Scenario A (4 disks) final text": (5_000, 6_000, True),
        "Scenario A (4 disks) final structured": (11_000, 12_000, True),
        "fleet of 50 final text": (19_000, 20_000, True),
    }
    assert ["A", "wait_operation", 5_000, 11_000] in section.rows


def test_the_target_table_says_how_many_targets_are_met_and_which_are_not(
    tmp_path: Path,
) -> None:
    section = Section(
        key="start",
        title="Start",
        headers=["figure"],
        rows=[["x"]],
        targets=[Target("version", 0.07, 0.3, "s"), Target("tool list", 1.3, 0.8, "s")],
    )

    text = write([section], tmp_path, quick=True)

    assert "targets met: 1 of 2; not met: tool list" in text


def test_progress_names_each_stage_and_repetition_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress.stage("service: MCP overhead"):
        progress.repetition("MCP overhead rounds", 1, 3)

    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == ""
    assert [line.split("] ", 1)[1] for line in lines][:2] == [
        "service: MCP overhead: started",
        "MCP overhead rounds: 1/3",
    ]
    assert lines[2].split("] ", 1)[1].startswith("service: MCP overhead: finished in ")
