"""The one-click install links of references/client-setup.md carry the configuration shown
beside them: a Cursor link its entry as base64 JSON in `config`, a VS Code link as URL-encoded
JSON (directly, or inside the insiders.vscode.dev redirect), each running the published
package with `uvx`, and none carrying a key."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.packaging.project import ROOT, project

PAGE = ROOT / "references" / "client-setup.md"
LINK = re.compile(r"\]\(((?:cursor|vscode|https://insiders\.vscode\.dev/redirect)[^)]*)\)")
CURSOR_PREFIX = "cursor://anysphere.cursor-deeplink/mcp/install?"
VSCODE_PREFIX = "vscode:mcp/install?"


def install_links() -> list[str]:
    return LINK.findall(PAGE.read_text())


def shown_entries() -> list[dict[str, Any]]:
    """The entries the page prints in its JSON block after the links."""
    section = PAGE.read_text().split("## One-click install", 1)[1].split("\n## ", 1)[0]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    return [json.loads(line) for line in block.splitlines() if line.strip()]


def decoded(link: str) -> dict[str, Any]:
    """The entry a link installs, with its name."""
    if link.startswith("https://insiders.vscode.dev/redirect?"):
        (inner,) = parse_qs(urlsplit(link).query)["url"]
        return decoded(inner)
    if link.startswith(CURSOR_PREFIX):
        query = parse_qs(link.removeprefix(CURSOR_PREFIX))
        (name,), (config,) = query["name"], query["config"]
        entry: dict[str, Any] = {"name": name, **json.loads(base64.b64decode(config))}
        return entry
    assert link.startswith(VSCODE_PREFIX), link
    vscode: dict[str, Any] = json.loads(unquote(link.removeprefix(VSCODE_PREFIX)))
    return vscode


def test_every_install_link_carries_an_entry_the_page_shows() -> None:
    links = install_links()
    kinds = {link.split(":", 1)[0] + (":redirect" if "redirect" in link else "") for link in links}
    assert kinds == {"cursor", "vscode", "https:redirect"}
    shown = shown_entries()
    for link in links:
        assert decoded(link) in shown, link
    assert {json.dumps(decoded(link), sort_keys=True) for link in links} == {
        json.dumps(entry, sort_keys=True) for entry in shown
    }


def test_each_entry_runs_the_published_package_with_uvx_and_carries_no_key() -> None:
    for entry in shown_entries():
        assert entry["command"] == "uvx"
        assert entry["args"][:2] == [project()["name"], "serve"]
        sandbox = entry["args"][2:] == ["--sandbox"]
        assert sandbox or entry["args"][2:] == []
        assert sandbox == entry["name"].endswith("-sandbox")
        for name in entry.get("env", {}):
            assert not re.search("KEY|SECRET|TOKEN", name), name
