"""`serve --sandbox` settings: a world file of the user's own, and an API rate limit only when
one is asked for."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest

from ecs_dr.bootstrap import ConfigError, SandboxConfig, build_services, cloud_timing
from ecs_dr.cloud import ecs
from ecs_dr.cloud.ecs import REAL_TIME
from ecs_dr.cloud.settings import CloudSettings


def test_the_sandbox_runs_unlimited_on_the_demo_world_by_default() -> None:
    config = SandboxConfig.from_env({})
    assert (config.world, config.max_qps, config.max_concurrent_calls) == (None, None, None)


def test_the_sandbox_takes_a_world_file_and_the_api_limits_from_the_environment(
    tmp_path: Path,
) -> None:
    world = tmp_path / "world.json"
    env = {
        "ECS_DR_SANDBOX_WORLD": str(world),
        "ECS_DR_MAX_QPS": "25",
        "ECS_DR_MAX_CONCURRENT_CALLS": "4",
    }
    config = SandboxConfig.from_env(env)
    assert (config.world, config.max_qps, config.max_concurrent_calls) == (world, 25.0, 4)


def test_the_sandbox_gateway_is_paced_by_the_limits_asked_for(tmp_path: Path) -> None:
    env = {"ECS_DR_STATE_DIR": str(tmp_path), "ECS_DR_MAX_QPS": "25"}
    with build_services(sandbox=True, environ=env) as services:
        assert services.gateway.settings.max_qps == 25.0
        assert services.gateway.settings.max_concurrent_calls is None


@pytest.mark.parametrize(
    ("name", "value"), [("ECS_DR_MAX_QPS", "0"), ("ECS_DR_MAX_CONCURRENT_CALLS", "many")]
)
def test_an_unusable_sandbox_limit_is_refused_naming_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        SandboxConfig.from_env({name: value})


@pytest.mark.parametrize(
    ("content", "said"), [(None, "cannot be read"), ("{", "not valid JSON"), ("[]", "")]
)
def test_a_world_file_the_sandbox_cannot_load_is_refused_naming_the_variable(
    tmp_path: Path, content: str | None, said: str
) -> None:
    world = tmp_path / "world.json"
    if content is not None:
        world.write_text(content)
    env = {"ECS_DR_STATE_DIR": str(tmp_path), "ECS_DR_SANDBOX_WORLD": str(world)}
    with (
        pytest.raises(ConfigError, match="ECS_DR_SANDBOX_WORLD") as raised,
        build_services(sandbox=True, environ=env),
    ):
        pass
    assert said in str(raised.value)


def test_a_world_file_of_the_users_own_is_served(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "server" / "ecs_dr" / "sandbox" / "demo_world.json"
    world = json.loads(demo.read_text())
    world["regions"] = [r for r in world["regions"] if r["region_id"] == "cn-shanghai"]
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    env = {
        "ECS_DR_STATE_DIR": str(tmp_path),
        "ECS_DR_SANDBOX_WORLD": str(path),
        "ALIBABA_CLOUD_REGION_ID": "cn-shanghai",
    }
    with build_services(sandbox=True, environ=env) as services:
        assert services.gateway.settings.region_id == "cn-shanghai"
        assert anyio.run(ecs.region_ids, services.gateway) == ["cn-shanghai"]


def test_waits_poll_the_cloud_in_real_seconds_unless_told_its_time_runs_faster() -> None:
    sandbox = CloudSettings(endpoint="127.0.0.1:8080", protocol="http", region_id="cn-hangzhou")
    assert cloud_timing({}, sandbox) is REAL_TIME
    faster = cloud_timing({"ECS_DR_CLOUD_TIME_SCALE": "600"}, sandbox)
    assert_cloud_time_runs_faster(faster, 600)


def test_the_embedded_sandbox_waits_on_its_own_faster_time(tmp_path: Path) -> None:
    env = {"ECS_DR_STATE_DIR": str(tmp_path), "ECS_DR_SANDBOX_TIME_SCALE": "600"}
    with build_services(sandbox=True, environ=env) as services:
        assert_cloud_time_runs_faster(services.timing, 600)


def assert_cloud_time_runs_faster(timing: ecs.Timing, scale: float) -> None:
    """Both the sleeps and the clock a wait's deadline is measured on run on cloud time:
    a deadline in real seconds would make a 20-minute wait last 20 real minutes."""
    before = time.monotonic()
    cloud_now = timing.clock()
    after = time.monotonic()
    assert before * scale <= cloud_now <= after * scale
    # 60 cloud seconds are a tenth of a real second; unscaled, the bound would stop them.
    anyio.run(_sleep_within, timing, 60.0, 10.0)


async def _sleep_within(timing: ecs.Timing, cloud_seconds: float, real_bound_s: float) -> None:
    with anyio.fail_after(real_bound_s):
        await timing.sleep(cloud_seconds)


@pytest.mark.parametrize("value", ["0", "-1", "fast", "nan"])
def test_a_cloud_time_scale_that_is_not_a_positive_number_is_refused(value: str) -> None:
    sandbox = CloudSettings(endpoint="127.0.0.1:8080", protocol="http", region_id="cn-hangzhou")
    with pytest.raises(ConfigError, match="ECS_DR_CLOUD_TIME_SCALE"):
        cloud_timing({"ECS_DR_CLOUD_TIME_SCALE": value}, sandbox)


def test_real_ecs_never_gets_a_cloud_time_scale() -> None:
    with pytest.raises(ConfigError, match="real ECS runs in real time"):
        cloud_timing({"ECS_DR_CLOUD_TIME_SCALE": "600"}, CloudSettings(region_id="cn-hangzhou"))
