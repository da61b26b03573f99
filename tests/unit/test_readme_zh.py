"""README.zh-CN.md keeps step with the English README: the same commands (every line of its
fenced shell blocks, comments aside, and its JSON client entries) as the English sections it
translates (everything before "## Tools"), none the English README lacks, and the same tool
names in its tools table; each README links the other on its first screen."""

from __future__ import annotations

import re

from tests.packaging.project import ROOT

ENGLISH = ROOT / "README.md"
CHINESE = ROOT / "README.zh-CN.md"
FENCE = re.compile(r"^```(sh|json)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
COMMENT = re.compile(r"\s+#\s.*$")
TOOL_ROW = re.compile(r"^\| ((?:`[a-z][a-z0-9_]+`(?:, |、)?)+) \|", re.MULTILINE)
FIRST_SCREEN_LINES = 10


def commands(markdown: str) -> set[str]:
    """Every command of the fenced shell and JSON blocks: continuation lines joined, comments
    (which the translation rewrites) left out."""
    found = set()
    for _, body in FENCE.findall(markdown):
        for line in body.replace("\\\n", " ").splitlines():
            command = " ".join(COMMENT.sub("", line).split())
            if command:
                found.add(command)
    return found


def section(markdown: str, heading: str) -> str:
    """The text under a `## ` heading, up to the next one."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def tool_names(table_section: str) -> set[str]:
    """The tools a section's table names in its first column."""
    return {
        name for cell in TOOL_ROW.findall(table_section) for name in re.findall(r"`(\w+)`", cell)
    }


def english() -> str:
    return ENGLISH.read_text(encoding="utf-8")


def chinese() -> str:
    return CHINESE.read_text(encoding="utf-8")


def test_the_chinese_readme_shows_the_commands_of_the_sections_it_translates() -> None:
    translated = english().split("\n## Tools\n", 1)[0]
    assert commands(translated), "the English README's first sections show commands"
    assert commands(chinese()) >= commands(translated)


def test_the_chinese_readme_shows_no_command_the_english_one_lacks() -> None:
    assert commands(chinese()) <= commands(english())


def test_the_chinese_readme_lists_the_same_tools() -> None:
    listed = tool_names(section(english(), "Tools"))
    assert len(listed) > 20
    assert tool_names(section(chinese(), "工具")) == listed


def test_each_readme_links_the_other_on_its_first_screen() -> None:
    assert "[中文说明](README.zh-CN.md)" in english().splitlines()[:FIRST_SCREEN_LINES]
    assert "[English](README.md)" in chinese().splitlines()[:FIRST_SCREEN_LINES]
