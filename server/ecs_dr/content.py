"""The agent skill and the reference pages, served over MCP: the skill as a prompt and as a
resource, every reference page as a resource, each under a stable `ecs-dr://` URI (a scheme of
our own, as the MCP specification advises for what a client reads only through the server).

Each page has one source, the repository's `skill/SKILL.md` and `references/*.md`: a built
wheel holds copies of them under `ecs_dr/docs/` (pyproject's wheel `sources`), and a clone or
an editable install reads the repository's files themselves.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt
from mcp.server.mcpserver.resources import TextResource

SCHEME = "ecs-dr://"
SKILL = "skill/SKILL.md"
REFERENCES = "references"
MARKDOWN = "text/markdown"
PACKAGED_DOCS = "docs"
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_NAME = re.compile(r"^name: *([a-z0-9-]+)$", re.MULTILINE)
_HEADING = re.compile(r"^# (.+)$", re.MULTILINE)


def uri_of(path: str) -> str:
    """A page's URI from its path in the repository: `references/tools.md` is served as
    `ecs-dr://references/tools.md`."""
    return f"{SCHEME}{path}"


def docs_root() -> Traversable:
    """The directory holding `skill/` and `references/`: the wheel's copy inside the package,
    else the repository this module runs from. A wheel built without them (a build context
    that left them out) fails here, by name, rather than serving nothing."""
    packaged = files("ecs_dr") / PACKAGED_DOCS
    if packaged.is_dir():
        return packaged
    repository = Path(__file__).resolve().parents[2]
    if (repository / SKILL).is_file():
        return repository
    raise FileNotFoundError(
        f"ecs_dr/{PACKAGED_DOCS} is missing from this install: build the wheel from the whole "
        f"repository ({SKILL} and {REFERENCES}/ are package data)"
    )


def reference_pages(root: Traversable) -> dict[str, str]:
    """Every reference page's path (`references/<name>.md`) and text, by name."""
    pages = sorted(
        (page for page in (root / REFERENCES).iterdir() if page.name.endswith(".md")),
        key=lambda page: page.name,
    )
    return {f"{REFERENCES}/{page.name}": page.read_text(encoding="utf-8") for page in pages}


def skill_name(skill: str) -> str:
    """The skill's name from its front matter: the prompt is called by it."""
    header = _FRONT_MATTER.match(skill)
    match = _NAME.search(header.group(1)) if header else None
    if match is None:
        raise ValueError(f"{SKILL} has no `name:` in its front matter")
    return match.group(1)


def title_of(page: str, path: str) -> str:
    """A page's first heading, else its path."""
    match = _HEADING.search(page)
    return match.group(1).strip() if match else path


def serve_content(server: MCPServer[Any]) -> None:
    """Register the skill (a prompt and a resource) and every reference page (a resource)."""
    root = docs_root()
    skill = (root / SKILL).read_text(encoding="utf-8")
    name = skill_name(skill)

    def the_skill() -> str:
        return skill

    server.add_prompt(
        Prompt.from_function(
            the_skill,
            name=name,
            title="ECS cross-zone disaster recovery: the agent skill",
            description=(
                "When and how to use these tools: the scenarios, what to confirm, the "
                "plan -> confirm -> execute -> verify path, drills and their cleanup."
            ),
        )
    )
    pages = {SKILL: skill} | reference_pages(root)
    for path, text in pages.items():
        server.add_resource(
            TextResource(
                uri=uri_of(path),
                name=path,
                title=title_of(text, path),
                mime_type=MARKDOWN,
                text=text,
            )
        )
