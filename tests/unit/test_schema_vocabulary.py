"""Every schema tools/list carries compiles under ajv's default strict mode, which refuses a
keyword outside JSON Schema 2020-12's vocabularies, and a `format` it does not know. Checked
here without Node (no ajv offline): the keywords, walked schema by schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecs_dr.references.tools_page import server_tools

# JSON Schema 2020-12: core, applicator, unevaluated, validation, meta-data, format-annotation
# and content vocabularies.
VOCABULARY_2020_12 = frozenset(
    {
        # core
        "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
        "$comment", "$defs",
        # applicator
        "prefixItems", "items", "contains", "additionalProperties", "properties",
        "patternProperties", "dependentSchemas", "propertyNames", "if", "then", "else",
        "allOf", "anyOf", "oneOf", "not",
        # unevaluated
        "unevaluatedItems", "unevaluatedProperties",
        # validation
        "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
        "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
        "required", "dependentRequired",
        # meta-data
        "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
        # format-annotation
        "format",
        # content
        "contentEncoding", "contentMediaType", "contentSchema",
    }
)  # fmt: skip
# The formats ajv-formats adds (strict ajv alone knows none: a client validating with ajv adds
# these, as the MCP TypeScript SDK does).
AJV_FORMATS = frozenset(
    {"date", "time", "date-time", "iso-time", "iso-date-time", "duration", "uri"}
    | {"uri-reference", "uri-template", "url", "email", "hostname", "ipv4", "ipv6", "regex"}
    | {"uuid", "json-pointer", "json-pointer-uri-fragment", "relative-json-pointer", "byte"}
    | {"int32", "int64", "float", "double", "password", "binary"}
)
# Keywords whose value is a schema, a list of schemas, or a mapping of names to schemas.
ONE_SCHEMA = frozenset(
    {"items", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not"}
    | {"unevaluatedItems", "unevaluatedProperties", "contentSchema"}
)
SCHEMA_LISTS = ("prefixItems", "allOf", "anyOf", "oneOf")
SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs")


def keywords(schema: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(where, keyword, value) of every keyword in `schema` and the schemas inside it."""
    if not isinstance(schema, dict):
        return  # a boolean schema
    for keyword, value in schema.items():
        yield path, keyword, value
        if keyword in ONE_SCHEMA:
            yield from keywords(value, f"{path}/{keyword}")
        elif keyword in SCHEMA_LISTS:
            for n, inner in enumerate(value):
                yield from keywords(inner, f"{path}/{keyword}/{n}")
        elif keyword in SCHEMA_MAPS:
            for name, inner in value.items():
                yield from keywords(inner, f"{path}/{keyword}/{name}")


def schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    for tool in server_tools():
        yield f"{tool.name} input", tool.input_schema
        if tool.output_schema is not None:
            yield f"{tool.name} output", tool.output_schema


def test_every_tool_schema_uses_only_json_schema_2020_12_keywords() -> None:
    unknown = [
        f"{name}{path}: {keyword}"
        for name, schema in schemas()
        for path, keyword, _ in keywords(schema, "")
        if keyword not in VOCABULARY_2020_12
    ]
    assert unknown == []


def test_every_format_is_one_ajv_formats_knows() -> None:
    used = {
        value
        for _, schema in schemas()
        for _, keyword, value in keywords(schema, "")
        if keyword == "format"
    }
    assert used <= AJV_FORMATS
