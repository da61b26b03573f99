"""The rules of the served content: a page's URI is its repository path under `ecs-dr://`, the
skill's prompt is named by its front matter, a page's title is its first heading, the wheel maps
exactly the pages the server reads, and an error names a page by the URI it is served under."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecs_dr import content
from ecs_dr.cloud.errors import RAM_POLICY_PAGE
from ecs_dr.content import (
    PACKAGED_DOCS,
    REFERENCES,
    SKILL,
    docs_root,
    skill_name,
    title_of,
    uri_of,
)
from tests.packaging.project import ROOT, pyproject


def test_a_page_is_served_under_its_repository_path() -> None:
    assert uri_of("references/tools.md") == "ecs-dr://references/tools.md"
    assert uri_of(SKILL) == "ecs-dr://skill/SKILL.md"


def test_an_error_names_the_policy_page_by_the_uri_it_is_served_under() -> None:
    assert uri_of("references/ram-policies.md") == RAM_POLICY_PAGE
    assert (ROOT / "references" / "ram-policies.md").is_file()


def test_the_skills_prompt_is_named_by_its_front_matter() -> None:
    assert skill_name((ROOT / SKILL).read_text(encoding="utf-8")) == "ecs-disaster-recovery"
    assert skill_name("---\nname: a-skill\ndescription: x\n---\n# A\n") == "a-skill"


def test_a_skill_without_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        skill_name("---\ndescription: x\n---\nname: not-in-the-header\n")


def test_a_pages_title_is_its_first_heading_else_its_path() -> None:
    assert title_of("intro\n# RAM policies\n## Per tool\n", "references/x.md") == "RAM policies"
    assert title_of("no heading\n", "references/x.md") == "references/x.md"


def test_a_clone_reads_the_repositorys_own_files() -> None:
    assert docs_root() == ROOT


def test_the_wheel_maps_exactly_the_pages_the_server_reads() -> None:
    wheel = pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["sources"] == {
        "server": "",
        SKILL.split("/")[0]: f"ecs_dr/{PACKAGED_DOCS}/{SKILL.split('/')[0]}",
        REFERENCES: f"ecs_dr/{PACKAGED_DOCS}/{REFERENCES}",
    }
    assert set(wheel["only-include"]) == {"server/ecs_dr", SKILL, REFERENCES}


def test_every_uri_the_skill_the_readmes_and_the_server_name_is_a_page_served() -> None:
    texts = [ROOT / SKILL, *ROOT.glob("README*.md"), *(ROOT / "server").rglob("*.py")]
    named = {
        uri
        for path in texts
        for uri in re.findall(r"ecs-dr://[\w./-]*\w", path.read_text(encoding="utf-8"))
    }
    assert RAM_POLICY_PAGE in named
    served = {SKILL, *(f"{REFERENCES}/{p.name}" for p in (ROOT / REFERENCES).glob("*.md"))}
    assert {uri.removeprefix("ecs-dr://") for uri in named} <= served, named


def test_an_install_without_the_pages_fails_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wheel built without skill/ and references/ (a Docker context that left them out)."""
    monkeypatch.setattr(content, "__file__", str(tmp_path / "site-packages/ecs_dr/content.py"))
    monkeypatch.setattr(content, "PACKAGED_DOCS", "not-packaged")
    with pytest.raises(FileNotFoundError, match=r"ecs_dr/not-packaged is missing"):
        docs_root()
