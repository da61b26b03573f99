"""The package could be published as it is: complete metadata, the Apache 2.0 text, a changelog
entry for its version, one source of that version, and no runtime dependency only the demo used.
(`make dist` builds the sdist and wheel and runs `twine check --strict` on them; it runs after
the suite in .ci/run, not here.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

from tests.packaging.project import ROOT, project, repository_url
from tests.support.mcp import mcp_session

# The MCP registry's limit for server.json's description, which repeats pyproject's.
REGISTRY_DESCRIPTION_LIMIT = 100


def test_the_description_fits_the_mcp_registrys_limit() -> None:
    assert 0 < len(project()["description"]) <= REGISTRY_DESCRIPTION_LIMIT


def test_the_metadata_names_authors_urls_classifiers_keywords_and_license_file() -> None:
    meta = project()
    assert meta["authors"] == [{"name": "ecs-dr-mcp developers"}]
    assert meta["license"] == "Apache-2.0"
    assert meta["license-files"] == ["LICENSE"]
    assert "License ::" not in " ".join(meta["classifiers"]), "PEP 639: the license expression"
    assert any(c.startswith("Programming Language :: Python :: 3.") for c in meta["classifiers"])
    assert {"mcp", "alibaba-cloud", "ecs", "disaster-recovery"} <= set(meta["keywords"])
    repository = repository_url()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repository)
    for label, url in meta["urls"].items():
        assert url.startswith(repository), f"{label}: {url} is not under {repository}"


def test_the_license_file_is_the_full_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "9. Accepting Warranty or Additional Liability." in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_changelog_has_an_entry_for_the_packages_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in changelog
    version = project()["version"]
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)
    assert f"[{version}]: {repository_url()}/releases/tag/v{version}" in changelog


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is str]


def test_the_version_is_written_only_in_pyproject() -> None:
    version = project()["version"]
    for path in (ROOT / "server").rglob("*.py"):
        assert version not in _string_constants(path), f"{path} hard-codes {version}"


def test_tabulate_is_no_runtime_dependency_and_the_server_does_not_import_it() -> None:
    runtime = {Requirement(r).name for r in project()["dependencies"]}
    assert "tabulate" not in runtime
    for path in (ROOT / "server").rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert "tabulate" not in imported, path


async def test_the_server_announces_pyprojects_name_and_version_over_mcp(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        info = served.client.server_info
        assert info is not None
        assert info.version == project()["version"]


def test_the_version_flag_prints_pyprojects_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecs_dr.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == project()["version"]
