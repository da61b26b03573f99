"""`ecs-dr-sandbox`: the ECS emulator on a loopback port, for the SDK, the aliyun CLI's
endpoint override, or `ecs-dr-mcp` with ALIBABA_CLOUD_ECS_ENDPOINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from ecs_dr.sandbox.app import create_sandbox
from ecs_dr.sandbox.clock import ScaledClock
from ecs_dr.sandbox.server import bind_loopback, uvicorn_server
from ecs_dr.sandbox.world import WorldError

DEFAULT_TIME_SCALE = 1.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="ecs-dr-sandbox", description="Run the ECS 2014-05-26 API emulator on loopback."
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--access-key-id", required=True)
    parser.add_argument("--access-key-secret", required=True)
    parser.add_argument("--world", type=Path, help="world file (JSON); default: the demo world")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULT_TIME_SCALE,
        help="how many times faster than ECS simulated operations run (default 1: real durations)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        print(f"error: --host {args.host} is not a loopback address", file=sys.stderr)
        return 2
    if args.time_scale <= 0:
        print("error: --time-scale must be > 0", file=sys.stderr)
        return 2
    try:
        sandbox = create_sandbox(
            args.access_key_id,
            args.access_key_secret,
            world_path=args.world,
            clock=ScaledClock(args.time_scale),
        )
    except (WorldError, OSError) as exc:
        print(f"error: world file: {exc}", file=sys.stderr)
        return 2
    sock = bind_loopback(args.port, args.host)
    print(f"endpoint: {args.host}:{sock.getsockname()[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(uvicorn_server(sandbox).serve(sockets=[sock]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
