"""A command imports only what it needs: `--version` no server, `serve` no SDK model file
until a call needs one (issue 19 item 3: the start is what a client waits for)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecs_dr.cloud.sdk import ModelsOnDemand, ecs, vpc


def modules_after(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


def test_the_command_line_imports_no_server_before_it_knows_the_command() -> None:
    loaded = modules_after("import ecs_dr.cli; ecs_dr.cli.build_parser()")

    # ecs_dr.protect is the protect command's options alone (argparse): its cycle loads later.
    assert [m for m in loaded if m.startswith("ecs_dr")] == [
        "ecs_dr",
        "ecs_dr.cli",
        "ecs_dr.protect",
    ]
    assert not [m for m in loaded if m.startswith(("mcp", "pydantic", "alibabacloud", "anyio"))]


def test_the_server_loads_the_sdk_model_files_it_names_and_no_others() -> None:
    loaded = modules_after("import ecs_dr.app, ecs_dr.bootstrap")

    # The waiters' Describe specs name their request models at import: a few files of
    # thousands. No SDK client, credential client or HTTP transport until the first call.
    assert 0 < len([m for m in loaded if ".models._" in m]) < 20
    assert not [m for m in loaded if m.endswith(".client") and m.startswith("alibabacloud_")]
    assert "aiohttp" not in loaded
    assert not [m for m in loaded if m.startswith(("ecs_dr.sandbox", "ecs_dr.demo", "tabulate"))]


def test_a_model_name_loads_from_its_own_file() -> None:
    request = ecs.DescribeInstancesRequest(instance_ids='["i-1"]')
    nested = ecs.CreateImageRequestDiskDeviceMapping(device="/dev/xvdb")

    assert type(request).__module__ == "alibabacloud_ecs20140526.models._describe_instances_request"
    assert type(nested).__module__ == "alibabacloud_ecs20140526.models._create_image_request"
    assert type(vpc.DescribeVSwitchesRequest()).__name__ == "DescribeVSwitchesRequest"


def test_a_name_the_sdk_lacks_is_an_attribute_error() -> None:
    spec = importlib.util.find_spec("alibabacloud_ecs20140526.models")
    assert spec is not None and spec.origin is not None
    models = ModelsOnDemand("alibabacloud_ecs20140526.models", Path(spec.origin).parent)

    with pytest.raises(AttributeError, match="DescribeNothingRequest"):
        _ = models.DescribeNothingRequest
