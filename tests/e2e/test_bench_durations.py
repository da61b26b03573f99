"""The recovery benchmark's premise: its critical path is the sum of the durations the sandbox
drew for one recovery's resources, and the product and the runbook, reset with the same seed,
meet the same durations (bench/recovery.py pairs them repeat for repeat)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench import runbook, worlds

from ecs_dr.sandbox.control import SandboxControl
from ecs_dr.sandbox.models import durations
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.sandboxes import sandbox_process

# Fast enough that the runbook's 30 s and 60 s polls take milliseconds.
SCALE = 20_000.0
THREE_DISKS = worlds.scenario_a_disks(3)


@pytest.fixture(scope="module")
def bench_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxControl]:
    workdir = tmp_path_factory.mktemp("bench-durations")
    world = worlds.write(workdir / "world.json")
    args = ["-m", "ecs_dr.sandbox.cli", "--port", "0", "--time-scale", str(SCALE)]
    args += ["--world", str(world), "--access-key-id", SANDBOX_KEY_ID]
    args += ["--access-key-secret", SANDBOX_KEY_SECRET]
    with sandbox_process(Path(workdir), args) as sandbox:
        yield sandbox


def _recover(sandbox: SandboxControl, spread: float, seed: int) -> dict[str, float]:
    sandbox.reset({"spread": spread, "seed": seed})
    client = runbook.sdk_client(sandbox.endpoint, SANDBOX_KEY_ID, SANDBOX_KEY_SECRET, worlds.REGION)
    operator = runbook.Runbook(client, worlds.REGION, SCALE, spawn_s=0.0)
    operator.full_instance(worlds.scenario_a_source(3), worlds.TARGET_ZONE)
    return worlds.scenario_a_critical_path(sandbox.state())


def test_nominal_durations_give_the_nominal_critical_path(bench_sandbox: SandboxControl) -> None:
    assert _recover(bench_sandbox, 0.0, 0) == {
        "snapshot_s": max(durations.snapshot_upload(d.size, "cloud_essd") for d in THREE_DISKS),
        "image_s": durations.image_creation(sum(d.size for d in THREE_DISKS)),
        "instance_s": durations.INSTANCE_PENDING_S + durations.INSTANCE_STARTING_S,
    }


def test_the_same_seed_gives_the_same_critical_path_and_another_seed_another(
    bench_sandbox: SandboxControl,
) -> None:
    nominal = _recover(bench_sandbox, 0.0, 0)
    first, again, other = (_recover(bench_sandbox, 0.2, seed) for seed in (1, 1, 2))
    assert first == again
    assert first != other
    for stage, seconds in first.items():
        assert seconds != nominal[stage]
        assert 0.8 * nominal[stage] <= seconds <= 1.2 * nominal[stage]
