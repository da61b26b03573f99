"""The container's HEALTHCHECK, standard library only (the slim image has no curl).

Served over streamable HTTP (the server's command line or its ECS_DR_TRANSPORT says so), the
container is healthy while the server answers an MCP request on its port: any HTTP answer
below 500 (a ping without a session is refused with 400, a missing token with 401) shows it
accepts and handles requests; a refused connection, a timeout or a 5xx does not. Served over
stdio there is nothing to probe: the client's pipe is the check, and this one passes.

Run as `python healthcheck.py [pid]`: it reads the server's command line and environment from
/proc/<pid> (1, the ENTRYPOINT, in the container).
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

DEFAULT_PORT = 8000
TIMEOUT_S = 5.0
PING = b'{"jsonrpc": "2.0", "id": "healthcheck", "method": "ping"}'


def _flag(argv: Sequence[str], name: str) -> str | None:
    """A flag's value, as `--name value` or `--name=value`; the last one wins, as in argparse."""
    found = None
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith(name + "="):
            found = arg.split("=", 1)[1]
    return found


def http_port(argv: Sequence[str], environ: Mapping[str, str]) -> int | None:
    """The port the server serves streamable HTTP on, or None when it serves stdio. A flag
    wins over its environment variable."""
    transport = _flag(argv, "--transport") or environ.get("ECS_DR_TRANSPORT") or "stdio"
    if transport != "streamable-http":
        return None
    return int(_flag(argv, "--port") or environ.get("ECS_DR_PORT") or DEFAULT_PORT)


def answers(port: int, token: str | None) -> bool:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mcp", data=PING, headers=headers, method="POST"
    )
    try:
        # A fixed http URL on loopback.
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        return False
    return status < 500


def _process(pid: str) -> tuple[list[str], dict[str, str]]:
    proc = Path("/proc") / pid
    argv = [a.decode() for a in (proc / "cmdline").read_bytes().split(b"\0") if a]
    pairs = [e.decode().partition("=") for e in (proc / "environ").read_bytes().split(b"\0") if e]
    return argv, {name: value for name, _, value in pairs}


def main(args: Sequence[str]) -> int:
    argv, environ = _process(args[0] if args else "1")
    port = http_port(argv, environ)
    if port is None:
        return 0
    return 0 if answers(port, environ.get("ECS_DR_HTTP_TOKEN")) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
