"""server.json (the MCP registry's format) and manifest.json (a Desktop Extension, MCPB) agree
with pyproject and with the server, and each is valid in its format.

- manifest.json is validated with jsonschema against the MCPB manifest schema v0.3 as published
  in the npm package @anthropic-ai/mcpb 2.1.2 (its `schemas/mcpb-manifest-v0.3.schema.json`,
  copied unchanged into tests/packaging/schemas/).
- server.json: no pip or npm package ships the registry's schema, so it is checked against the
  required fields that schema (2025-12-11, modelcontextprotocol/registry
  docs/reference/server-json/server.schema.json) documents: `name` (3-200 characters,
  `namespace/name`), `description` (1-100), `version` (no range, not `latest`); in each package
  `registryType` and `transport.type`, for a pypi package `identifier` and `version`; a
  positional argument's `value` or `valueHint`; an environment variable's `name`; the
  repository's `url` and `source`. The official registry also wants the PyPI package's README
  to name the server (`mcp-name: <name>`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from tests.packaging.project import ROOT, json_file, project, repository_url
from tests.support.mcp import mcp_session

SCHEMAS = Path(__file__).parent / "schemas"
SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
SERVER_NAME = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
VERSION_RANGE = re.compile(r"[\^~<>=*x]|^latest$")
REGISTRY_TYPES = {"npm", "pypi", "nuget", "oci", "mcpb"}
TRANSPORTS = {"stdio", "streamable-http", "sse"}


def test_manifest_json_is_valid_against_the_published_mcpb_schema() -> None:
    schema = json.loads((SCHEMAS / "mcpb-manifest-v0.3.schema.json").read_text())
    manifest = json_file("manifest.json")
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    assert [e.message for e in validator.iter_errors(manifest)] == []
    assert manifest["manifest_version"] == schema["properties"]["manifest_version"]["const"]


def test_manifest_json_agrees_with_pyproject() -> None:
    manifest = json_file("manifest.json")
    meta = project()
    assert manifest["name"] == meta["name"]
    assert manifest["version"] == meta["version"]
    assert manifest["description"] == meta["description"]
    assert manifest["license"] == meta["license"]
    assert manifest["author"]["name"] == meta["authors"][0]["name"]
    assert manifest["repository"]["url"] == repository_url()
    assert manifest["compatibility"]["runtimes"]["python"] == meta["requires-python"]
    config = manifest["server"]["mcp_config"]
    scripts = meta["scripts"]
    module = scripts[meta["name"]].split(":")[0]
    assert config["args"][:3] == ["-m", module, "serve"]


def test_manifests_secret_setting_is_marked_sensitive() -> None:
    settings = json_file("manifest.json")["user_config"]
    for key, setting in settings.items():
        assert setting.get("sensitive", False) == ("secret" in key), key


def _server_json_problems(server: dict[str, Any]) -> list[str]:
    """The documented required fields (see the module docstring) that server.json breaks."""
    problems = []
    name = server.get("name", "")
    if not (3 <= len(name) <= 200 and SERVER_NAME.match(name)):
        problems.append(f"name {name!r}")
    if not 1 <= len(server.get("description", "")) <= 100:
        problems.append("description length")
    if not server.get("version") or VERSION_RANGE.search(server["version"]):
        problems.append(f"version {server.get('version')!r}")
    repository = server.get("repository", {})
    if repository and not (repository.get("url") and repository.get("source")):
        problems.append("repository needs url and source")
    for package in server.get("packages", []):
        if package.get("registryType") not in REGISTRY_TYPES:
            problems.append(f"registryType {package.get('registryType')!r}")
        if package.get("transport", {}).get("type") not in TRANSPORTS:
            problems.append("transport.type")
        if package.get("registryType") in ("npm", "pypi", "nuget"):
            version = package.get("version", "")
            if not package.get("identifier") or not version or VERSION_RANGE.search(version):
                problems.append("a registry package needs identifier and a fixed version")
        for argument in package.get("packageArguments", []):
            if argument.get("type") == "positional" and not (
                "value" in argument or "valueHint" in argument
            ):
                problems.append("a positional argument needs value or valueHint")
            if argument.get("type") == "named" and not argument.get("name"):
                problems.append("a named argument needs name")
        for variable in package.get("environmentVariables", []):
            if not variable.get("name"):
                problems.append("an environment variable needs name")
    return problems


def test_server_json_has_the_registrys_required_fields() -> None:
    server = json_file("server.json")
    assert server["$schema"] == SERVER_SCHEMA_URL
    assert _server_json_problems(server) == []


def test_the_server_json_check_catches_what_the_registry_refuses() -> None:
    good = json_file("server.json")
    for broken in (
        good | {"name": "ecs-dr-mcp"},
        good | {"description": "x" * 101},
        good | {"version": "^0.1"},
        good | {"packages": [good["packages"][0] | {"version": "latest"}]},
        good | {"packages": [good["packages"][0] | {"transport": {"type": "websocket"}}]},
    ):
        assert _server_json_problems(broken), broken


def test_server_json_agrees_with_pyproject_and_the_readme_names_it() -> None:
    server = json_file("server.json")
    meta = project()
    assert server["name"].split("/")[-1] == meta["name"]
    assert server["version"] == meta["version"]
    assert server["description"] == meta["description"]
    assert server["repository"]["url"] == repository_url()
    (package,) = server["packages"]
    assert (package["registryType"], package["identifier"]) == ("pypi", meta["name"])
    assert package["version"] == meta["version"]
    assert package["packageArguments"] == [{"type": "positional", "value": "serve"}]
    assert f"mcp-name: {server['name']}" in (ROOT / meta["readme"]).read_text()
    secrets = {v["name"] for v in package["environmentVariables"] if v.get("isSecret")}
    assert secrets == {"ALIBABA_CLOUD_ACCESS_KEY_SECRET"}


async def test_the_manifests_tools_are_the_ones_the_server_lists(tmp_path: Path) -> None:
    manifest = json_file("manifest.json")
    async with mcp_session(tmp_path) as served:
        listed = (await served.client.list_tools()).tools
        info = served.client.server_info
    assert info is not None and info.version == manifest["version"]
    assert manifest["tools"] == [{"name": t.name, "description": t.title} for t in listed]
