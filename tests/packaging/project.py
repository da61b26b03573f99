"""The repository's packaging files as the tests in this folder read them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def project() -> dict[str, Any]:
    table: dict[str, Any] = pyproject()["project"]
    return table


def repository_url() -> str:
    return str(project()["urls"]["Repository"])


def json_file(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / name).read_text())
    return loaded
