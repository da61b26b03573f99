"""The streamable HTTP transport is not an open door: it listens on 127.0.0.1 unless told
otherwise, answers only requests whose Host and Origin name the address it is bound to (DNS
rebinding protection), refuses to listen beyond loopback without a bearer token, and with a
token set refuses every request that does not carry it.

Each server is `ecs-dr-mcp serve --sandbox --transport streamable-http --port 0`, found by its
`server.listening` line, driven by the `mcp` client's streamable HTTP transport and by raw
httpx2 requests for what a well-behaved client never sends; its log is scanned for
credentials (the bearer token among them) when it stops.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.credentials import SANDBOX_CREDENTIALS, credentials_of
from tests.support.demo_world import DB_INSTANCE
from tests.support.http_servers import TOKEN, HttpServer, http_server, serve_command
from tests.support.mcp import (
    START_TIMEOUT_S,
    server_environment,
)
from tests.support.secret_scan import SECRET_SCAN, Transcript

ALLOWED_NAME = "dr.example.test"


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        rows = Path(table).read_text().splitlines()[1:] if Path(table).exists() else []
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                packed = bytes.fromhex(address)
                # The kernel prints each 32-bit word in host (little-endian) order.
                words = [packed[i : i + 4][::-1] for i in range(0, len(packed), 4)]
                found.add(str(ipaddress.ip_address(b"".join(words))))
    return found


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """The server with nothing but `--port 0`: the defaults under test."""
    with http_server(tmp_path_factory.mktemp("loopback")) as server:
        yield server


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """The server on every address, with a bearer token and one Host name allowed."""
    env = {"ECS_DR_HTTP_TOKEN": TOKEN, "ECS_DR_HTTP_ALLOWED_HOSTS": f"{ALLOWED_NAME}:*"}
    with http_server(tmp_path_factory.mktemp("exposed"), "0.0.0.0", env) as server:
        yield server


async def test_by_default_it_listens_on_loopback_only_and_serves_the_mcp_client(
    loopback: HttpServer,
) -> None:
    assert loopback.host == "127.0.0.1" and loopback.port > 0
    assert listening_addresses(loopback.port) == {"127.0.0.1"}
    async with loopback.client() as client:
        result = await client.call_tool("describe_source", {"instance_id": DB_INSTANCE})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["instance"]["instance_id"] == DB_INSTANCE


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:{port}", None),
        ("localhost:{port}", "http://localhost:{port}"),
        ("[::1]:{port}", "http://[::1]:{port}"),
    ],
)
async def test_a_request_naming_loopback_at_the_bound_port_is_served(
    loopback: HttpServer, host: str, origin: str | None
) -> None:
    headers = {"host": host.format(port=loopback.port)}
    if origin is not None:
        headers["origin"] = origin.format(port=loopback.port)
    response = await loopback.initialize(headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "localhost.evil.example:{port}"]
)
async def test_a_request_with_a_foreign_host_is_refused_as_dns_rebinding(
    loopback: HttpServer, host: str
) -> None:
    response = await loopback.initialize({"host": host.format(port=loopback.port)})
    assert response.status_code == 421


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://127.0.0.1:1", "https://127.0.0.1:{port}", "null"]
)
async def test_a_request_from_a_foreign_origin_is_refused(
    loopback: HttpServer, origin: str
) -> None:
    headers = {"host": f"127.0.0.1:{loopback.port}", "origin": origin.format(port=loopback.port)}
    response = await loopback.initialize(headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("host", "env"),
    [("0.0.0.0", {}), ("::", {}), ("0.0.0.0", {"ECS_DR_HTTP_TOKEN": "too-short"})],
)
def test_beyond_loopback_it_refuses_to_start_without_a_usable_token_naming_the_variable(
    tmp_path: Path, host: str, env: dict[str, str]
) -> None:
    environment = server_environment(tmp_path / "state", {**SANDBOX_CREDENTIALS, **env})
    log_path = tmp_path / "server.log"
    with log_path.open("w") as errlog:
        finished = subprocess.run(
            serve_command(host),
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
            timeout=START_TIMEOUT_S,
            check=False,
        )
    SECRET_SCAN.check(credentials_of(environment), log_path, Transcript())
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert finished.returncode == 2
    (refusal,) = [line for line in lines if line["event"] == "server.config_error"]
    assert "ECS_DR_HTTP_TOKEN" in refusal["error"]
    assert not [line for line in lines if line["event"] in ("sandbox.started", "server.listening")]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", TOKEN]
)
async def test_with_a_token_a_request_without_it_is_refused_401(
    exposed: HttpServer, authorization: str | None
) -> None:
    headers = {"host": f"127.0.0.1:{exposed.port}"}
    if authorization is not None:
        headers["authorization"] = authorization
    response = await exposed.initialize(headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_with_the_token_the_mcp_client_is_served_and_the_token_is_never_logged(
    exposed: HttpServer,
) -> None:
    assert listening_addresses(exposed.port) == {"0.0.0.0"}
    async with exposed.client({"Authorization": f"Bearer {TOKEN}"}) as client:
        result = await client.call_tool("describe_source", {"instance_id": DB_INSTANCE})
    assert not result.is_error, result.content
    events = {line["event"]: line for line in exposed.log_lines()}
    assert events["server.listening"]["authentication"] == "bearer"
    assert events["server.exposed"]["level"] == "warning"
    assert TOKEN not in exposed.log_path.read_text()


@pytest.mark.parametrize(
    ("host", "status"),
    [(f"{ALLOWED_NAME}:{{port}}", 200), ("other.example:{port}", 421), (ALLOWED_NAME, 421)],
)
async def test_beyond_loopback_a_host_is_served_only_when_the_operator_allowed_it(
    exposed: HttpServer, host: str, status: int
) -> None:
    headers = {"host": host.format(port=exposed.port), "authorization": f"Bearer {TOKEN}"}
    response = await exposed.initialize(headers)
    assert response.status_code == status, response.text
