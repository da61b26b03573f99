"""What the model reads of each tool (app.lean_tool_list): every fact once, none lost."""

from __future__ import annotations

from ecs_dr.references.tools_page import server_tools


def test_an_argument_listing_drops_the_generated_title_and_a_null_default_only() -> None:
    tools = {tool.name: tool for tool in server_tools()}
    plan = tools["plan_recovery"].input_schema
    assert "title" not in plan
    assert "title" not in plan["properties"]["region_id"]
    assert "default" not in plan["properties"]["region_id"]
    # A default other than null says something the schema says nowhere else.
    assert plan["properties"]["drill"]["default"] is False
    assert tools["list_operations"].input_schema["properties"]["limit"]["default"] == 20
    assert set(plan["required"]) == {"scenario", "source_instance_id"}


def test_a_description_is_the_docstring_without_its_indentation_and_line_breaks() -> None:
    for tool in server_tools():
        assert tool.description, tool.name
        assert tool.description == " ".join(tool.description.split()), tool.name
