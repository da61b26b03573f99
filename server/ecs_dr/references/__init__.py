"""The reference pages that are generated from the code, so that they cannot drift from it:
`error-handling.md` (the error classification, the gateway's retries, the next-step hints),
`ram-policies.md` (the RAM actions the code calls, per tool and for --read-only) and `tools.md`
(the server's own tool list with its schemas).

`python -m ecs_dr.references --write references/` (or `make references`) rewrites them;
`--check` exits 1 when a committed page differs from what the code generates now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ecs_dr.references.errors_page import render_error_handling
from ecs_dr.references.policy_page import render_ram_policies
from ecs_dr.references.tools_page import render_tools

REGENERATE = "make references"

# file name in references/ -> what renders it
PAGES: Mapping[str, Callable[[], str]] = {
    "error-handling.md": render_error_handling,
    "ram-policies.md": render_ram_policies,
    "tools.md": render_tools,
}

__all__ = ["PAGES", "REGENERATE", "render_error_handling", "render_ram_policies", "render_tools"]
