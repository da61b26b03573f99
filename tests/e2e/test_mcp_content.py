"""The skill and the reference pages over MCP, through the `mcp` client on `ecs-dr-mcp serve
--sandbox`: the skill is a prompt and a resource, every page of references/ a resource under
`ecs-dr://`, each the repository's file to the byte; both capabilities are declared, with or
without --read-only; an unknown prompt or page is invalid params, with no traceback. And the
built wheel holds them and serves them from the package when the repository is not there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from tests.support.mcp import Session, mcp_session

ROOT = Path(__file__).resolve().parents[2]
SKILL = ROOT / "skill" / "SKILL.md"
SKILL_URI = "ecs-dr://skill/SKILL.md"
SKILL_PROMPT = "ecs-disaster-recovery"
BUILD_TIMEOUT_S = 120


def repository_pages() -> dict[str, str]:
    """Every page the server should serve, by URI, with the repository's text."""
    pages = {SKILL_URI: SKILL.read_text(encoding="utf-8")}
    for page in sorted((ROOT / "references").glob("*.md")):
        pages[f"ecs-dr://references/{page.name}"] = page.read_text(encoding="utf-8")
    return pages


async def served_pages(served: Session) -> dict[str, str]:
    """Every listed resource's text as resources/read returns it."""
    pages = {}
    for resource in (await served.client.list_resources()).resources:
        assert resource.mime_type == "text/markdown", resource
        assert resource.title, resource
        (content,) = (await served.client.read_resource(resource.uri)).contents
        assert isinstance(content, types.TextResourceContents)
        assert content.uri == resource.uri
        pages[str(resource.uri)] = content.text
    return pages


async def assert_the_skill_is_the_prompt(served: Session) -> None:
    (prompt,) = (await served.client.list_prompts()).prompts
    assert prompt.name == SKILL_PROMPT
    assert prompt.description and not prompt.arguments
    got = await served.client.get_prompt(SKILL_PROMPT)
    (message,) = got.messages
    assert message.role == "user"
    assert isinstance(message.content, types.TextContent)
    assert message.content.text == SKILL.read_text(encoding="utf-8")


@pytest.mark.parametrize("read_only", [False, True], ids=["all-tools", "read-only"])
async def test_the_skill_is_a_prompt_and_every_page_a_resource_equal_to_its_file(
    tmp_path: Path, read_only: bool
) -> None:
    async with mcp_session(tmp_path, read_only=read_only) as served:
        capabilities = served.client.server_capabilities
        assert capabilities.prompts is not None and capabilities.resources is not None
        assert not capabilities.resources.subscribe
        await assert_the_skill_is_the_prompt(served)
        assert await served_pages(served) == repository_pages()


@pytest.mark.parametrize("mode", [pytest.param("legacy", id="2025-11-25"), "auto"])
async def test_an_unknown_prompt_or_page_is_invalid_params_without_a_traceback(
    tmp_path: Path, mode: str
) -> None:
    async with mcp_session(tmp_path, mode=mode) as served:
        client = served.client
        for ask in (
            lambda: client.get_prompt("recover"),
            lambda: client.read_resource("ecs-dr://references/nope.md"),
            lambda: client.read_resource("ecs-dr://operations"),
        ):
            with pytest.raises(MCPError) as refused:
                await ask()
            assert refused.value.error.code == INVALID_PARAMS
        assert "Traceback" not in served.log_path.read_text()


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel as `make dist` builds it: the sdist first, the wheel from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=BUILD_TIMEOUT_S,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def test_the_wheel_holds_the_skill_and_every_reference_page(built_wheel: Path) -> None:
    with zipfile.ZipFile(built_wheel) as wheel:
        packaged = {
            name.removeprefix("ecs_dr/docs/"): wheel.read(name).decode()
            for name in wheel.namelist()
            if name.startswith("ecs_dr/docs/")
        }
    expected = {uri.removeprefix("ecs-dr://"): text for uri, text in repository_pages().items()}
    assert packaged == expected


@pytest.fixture(scope="module")
def installed_wheel(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into a directory of its own, to be put first on PYTHONPATH (before
    the editable install, which reads the repository's files)."""
    target = tmp_path_factory.mktemp("installed")
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
    subprocess.run([*command, str(target), str(built_wheel)], check=True, timeout=BUILD_TIMEOUT_S)
    return target


def test_the_installed_package_reads_its_own_copy(installed_wheel: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [sys.executable, "-c", "from ecs_dr.content import docs_root; print(docs_root())"],
        env={"PYTHONPATH": str(installed_wheel)},
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert where.stdout.strip() == str(installed_wheel / "ecs_dr" / "docs")


async def test_the_installed_wheel_serves_them(installed_wheel: Path, tmp_path: Path) -> None:
    async with mcp_session(tmp_path, env={"PYTHONPATH": str(installed_wheel)}) as served:
        await assert_the_skill_is_the_prompt(served)
        assert await served_pages(served) == repository_pages()
