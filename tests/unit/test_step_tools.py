"""Each creating step tool takes, by name, every argument its workflow's `prepare_*` takes:
the tool hands its parameters over as they are (`MutatingTool.run`)."""

from __future__ import annotations

import inspect

from ecs_dr.tools import TOOLS
from ecs_dr.tools.steps import STEP_TOOLS


def test_every_step_tool_function_has_its_workflows_arguments() -> None:
    functions = {entry.name: entry.fn for entry in TOOLS}
    for name, step in STEP_TOOLS.items():
        parameters = inspect.signature(functions[name]).parameters
        assert step.arguments, name
        assert set(step.arguments) <= set(parameters), name
        assert "decisions" in parameters, name
