"""Docker as the README shows it, tested in pieces (this machine has no container engine).

The credentials mount: the aliyun CLI writes ~/.aliyun/config.json with mode 0600, which the
image's own user (uid 10001) cannot read. The README's command runs the container as the
caller (`--user "$(id -u):$(id -g)"`) and the image fixes HOME where the mount lands; the test
expands that command with bash exactly as written, checks each piece against the Dockerfile,
and runs the server as the container would: as the file's owner, HOME at a directory holding
the 0600 file, no key in the environment, the profile named by the README's `-e`.

The HEALTHCHECK: the Dockerfile runs docker/healthcheck.py, which pings a real server served
over streamable HTTP on 0.0.0.0 with a bearer token, as in the container.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest

from ecs_dr.cli import DEFAULT_HTTP_PORT
from tests.packaging.project import ROOT
from tests.support.credentials import SANDBOX_CREDENTIALS, SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.demo_world import DB_INSTANCE, REGION
from tests.support.mcp import START_TIMEOUT_S, mcp_session_on, server_environment
from tests.support.sandboxes import sandbox_process

sys.path.insert(0, str(ROOT / "docker"))
import healthcheck

HEALTHCHECK_TOKEN = "healthcheck-token-0123456789abcdef"
BASH = shutil.which("bash") or "/bin/bash"


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def dockerfile_env(name: str) -> str:
    (value,) = re.findall(rf"\b{name}=(\S+)", dockerfile())
    return str(value)


def readme_docker_runs() -> list[str]:
    """Every `docker run` command of the README's code blocks, continued lines joined."""
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if line.startswith("docker run ")]


def docker_argv(command: str) -> list[str]:
    """The arguments `docker` receives when bash runs `command` as the README writes it."""
    shown = subprocess.run(
        [BASH, "-c", 'docker() { printf "%s\\0" "$@"; }; ' + command],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return shown.stdout.decode().split("\0")[:-1]


def options(argv: list[str], name: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == name]


def test_the_readmes_credentials_mount_runs_as_the_caller_where_the_image_looks() -> None:
    (command,) = [c for c in readme_docker_runs() if ".aliyun" in c]
    argv = docker_argv(command)
    home = dockerfile_env("HOME")
    assert argv[:2] == ["run", "-i"]
    assert options(argv, "--user") == [f"{os.getuid()}:{os.getgid()}"]
    mounts = options(argv, "-v")
    aliyun = str(Path("~/.aliyun").expanduser())
    assert f"{aliyun}:{home}/.aliyun:ro" in mounts
    assert any(m.endswith(":" + dockerfile_env("ECS_DR_STATE_DIR")) for m in mounts), mounts
    assert dockerfile_env("ECS_DR_STATE_DIR").startswith(home + "/")
    assert "ALIBABA_CLOUD_PROFILE=default" in options(argv, "-e")
    # the image's default command: `serve` over stdio
    assert argv[-1] == "ecs-dr-mcp"


def test_the_image_lets_any_user_keep_the_journal() -> None:
    state = dockerfile_env("ECS_DR_STATE_DIR")
    assert re.search(rf"chmod 1777 {re.escape(state)}\b", dockerfile())


def write_cli_config_0600(home: Path) -> Path:
    """~/.aliyun/config.json as `aliyun configure` leaves it: mode 0600, owned by its user."""
    (home / ".aliyun").mkdir(parents=True)
    config = home / ".aliyun" / "config.json"
    profile = {
        "name": "default",
        "mode": "AK",
        "access_key_id": SANDBOX_KEY_ID,
        "access_key_secret": SANDBOX_KEY_SECRET,
        "region_id": REGION,
    }
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"current": "other", "profiles": [profile], "meta_path": ""}, out)
    return config


async def test_the_server_reads_a_0600_config_json_as_the_readme_runs_it(tmp_path: Path) -> None:
    (command,) = [c for c in readme_docker_runs() if ".aliyun" in c]
    argv = docker_argv(command)
    home = tmp_path / "home"
    config = write_cli_config_0600(home)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    # --user "$(id -u):$(id -g)": the server's uid owns the file, as this process does
    assert f"{config.stat().st_uid}:{config.stat().st_gid}" == options(argv, "--user")[0]
    passed = dict(e.split("=", 1) for e in options(argv, "-e"))
    no_keys = {name: "" for name in SANDBOX_CREDENTIALS} | {"ALIBABA_CLOUD_REGION_ID": ""}
    with sandbox_process(tmp_path) as sandbox:
        env = no_keys | passed | {"HOME": str(home)}
        async with mcp_session_on(sandbox, tmp_path, "docker", env=env) as (served, _):
            found = await served.call("describe_source", {"instance_id": DB_INSTANCE})
    assert found["status"] == "completed"
    assert found["instance"]["instance_id"] == DB_INSTANCE


def test_the_healthcheck_is_the_script_the_image_copies() -> None:
    text = dockerfile()
    (copied,) = re.findall(r"^COPY docker/healthcheck\.py (\S+)$", text, re.M)
    (command,) = re.findall(r"^\s*CMD (\[\"python\".*\])$", text, re.M)
    assert json.loads(command) == ["python", copied]
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "!docker/healthcheck.py" in ignored


def test_healthcheck_passes_over_stdio_where_there_is_nothing_to_probe() -> None:
    assert healthcheck.http_port(["ecs-dr-mcp", "serve"], {}) is None
    assert healthcheck.http_port(["ecs-dr-mcp", "serve", "--transport", "stdio"], {}) is None


def test_healthcheck_port_flag_wins_over_the_environment_and_defaults_to_the_servers() -> None:
    http = ["ecs-dr-mcp", "serve", "--transport", "streamable-http"]
    assert healthcheck.DEFAULT_PORT == DEFAULT_HTTP_PORT
    assert healthcheck.http_port(http, {}) == DEFAULT_HTTP_PORT
    assert healthcheck.http_port(http, {"ECS_DR_PORT": "9000"}) == 9000
    assert healthcheck.http_port([*http, "--port", "9100"], {"ECS_DR_PORT": "9000"}) == 9100
    assert healthcheck.http_port([*http, "--port=9200"], {}) == 9200
    assert healthcheck.http_port(["ecs-dr-mcp", "serve"], {"ECS_DR_TRANSPORT": "streamable-http"})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _listening(log_path: Path) -> None:
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            if '"server.listening"' in await anyio.Path(log_path).read_text():
                return
            await anyio.sleep(0.01)


@contextmanager
def container_like_http_server(workdir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`serve --transport streamable-http --host 0.0.0.0` with a bearer token, as the README
    runs the image over HTTP."""
    env = server_environment(
        workdir / "state", {**SANDBOX_CREDENTIALS, "ECS_DR_HTTP_TOKEN": HEALTHCHECK_TOKEN}
    )
    command = [sys.executable, "-m", "ecs_dr.cli", "serve", "--sandbox"]
    command += ["--transport", "streamable-http", "--host", "0.0.0.0", "--port", str(port)]
    log_path = workdir / "http.log"
    with log_path.open("w") as errlog:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stderr=errlog)
        try:
            anyio.run(_listening, log_path)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.slow
def test_healthcheck_pings_the_server_over_streamable_http_and_fails_once_it_stops(
    tmp_path: Path,
) -> None:
    port = free_port()
    with container_like_http_server(tmp_path, port) as server:
        probe = [sys.executable, str(ROOT / "docker" / "healthcheck.py"), str(server.pid)]
        assert subprocess.run(probe, timeout=30, check=False).returncode == 0
        assert healthcheck.answers(port, HEALTHCHECK_TOKEN)
    assert not healthcheck.answers(port, HEALTHCHECK_TOKEN)
