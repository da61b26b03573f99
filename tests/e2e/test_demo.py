"""`make demo` as a new user runs it: Scenario A, then Scenario B, through an MCP session."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_demo_recovers_the_database_server_answering_each_decision_as_recommended() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "ECS_DR_"))}
    result = subprocess.run(
        [sys.executable, "-m", "ecs_dr.cli", "demo"],
        env=env | {"ECS_DR_SANDBOX_TIME_SCALE": "600"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # the decisions, each answered with the recommended option
    assert "has no VSwitch in cn-hangzhou-j" in out
    assert "-> Create a VSwitch in cn-hangzhou-j (Recommended)" in out
    assert "RunInstances will be called with exactly these parameters" in out
    assert "InternetMaxBandwidthOut: 0" in out
    # progress of the waits
    for wait in ("snapshot group", "image", "instance"):
        assert any(line.startswith("  [100%]") and wait in line for line in out.splitlines())
    # the comparison table
    assert "| Disk /dev/xvdc performance level | PL2 | PL2 | yes |" in out
    assert "| Bandwidth out (Mbps) | 0 | 0 | yes |" in out
    assert "\nevery row matches.\n" in out
    # Scenario B: the data disks chosen (both, recommended), the plan confirmed once, then run
    assert re.search(r"-> /dev/xvdb \(Recommended\): [^\n]*; /dev/xvdc \(Recommended\): ", out)
    assert "copies 2 disk(s) of i-bp1proddb0000000001 onto i-bp1drtarget00000001" in out
    assert re.search(r"\n\| attach\\_xvdc \| AttachDisk \| InstanceId=i-bp1drtarget00000001", out)
    assert "2 snapshot(s) accomplished (zone-redundant)" in out
    assert "| /dev/xvdc | " in out and "attached now |" in out
    assert "since the server does not know the OS." in out
    # The disaster: a point of prod-db-01, its zone down, the recovery from the point alone.
    ending = out.split("Disaster: recovering i-bp1proddb0000000001 from a recovery point.")[1]
    assert "cn-hangzhou-h goes down" in ending
    assert "-> Use the latest point (Recommended)" in ending
    assert "  run_instances: RunInstances\n\n> execute_recovery" in ending
    assert "is Running: every row matches." in ending
    assert re.search(r"measured RTO [0-9.]+ s of real time .* RPO [0-9]+ s of sandbox time", ending)
    assert "CreateSnapshot" not in ending.split("goes down")[1]
    # stdout carries the demo only; the server's logs stay in its own log
    assert '"event"' not in out
