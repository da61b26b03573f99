"""The Dockerfile stays in step with the package: a Python its requires-python accepts, the
console script pyproject declares, the package built from this repository, a non-root user,
no credentials baked in, stdio by default. (No image is built here: this machine has no
container engine; the checks read the Dockerfile as Docker parses it.)"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet

from ecs_dr.cli import DEFAULT_HTTP_PORT

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"ACCESS_KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL", re.IGNORECASE)


@dataclass
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, comments dropped and continued lines joined."""
    found: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
    assert not pending, "a continued line never ends"
    return found


def stages(parsed: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for instruction in parsed:
        if instruction.keyword == "FROM":
            result.append([])
        assert result, "the first instruction is FROM"
        result[-1].append(instruction)
    return result


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def dockerfile() -> list[Instruction]:
    return instructions((ROOT / "Dockerfile").read_text())


def final_stage() -> list[Instruction]:
    return stages(dockerfile())[-1]


def only(stage: list[Instruction], keyword: str) -> Instruction:
    (instruction,) = [i for i in stage if i.keyword == keyword]
    return instruction


def test_every_base_image_is_a_slim_python_the_package_supports_pinned_by_digest() -> None:
    supported = SpecifierSet(pyproject()["project"]["requires-python"])
    bases = [i.arguments.split()[0] for i in dockerfile() if i.keyword == "FROM"]
    assert bases
    for pinned in bases:
        base, _, digest = pinned.partition("@")
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{pinned}: pinned by digest"
        match = re.fullmatch(r"python:(\d+\.\d+)(?:\.\d+)?-slim(?:-\w+)?", base)
        assert match, f"{base}: a python:<version>-slim image"
        assert match.group(1) + ".0" in supported, f"{base} against requires-python {supported}"


def test_the_entry_point_is_the_packages_console_script_serving_stdio_by_default() -> None:
    scripts = pyproject()["project"]["scripts"]
    server_script = next(name for name, target in scripts.items() if target == "ecs_dr.cli:main")
    stage = final_stage()
    assert json.loads(only(stage, "ENTRYPOINT").arguments) == [server_script]
    # exec form, and no transport flag: stdio unless the user asks for HTTP
    assert json.loads(only(stage, "CMD").arguments) == ["serve"]
    exposed = only(stage, "EXPOSE").arguments.split()
    assert exposed == [str(DEFAULT_HTTP_PORT)]


def test_it_runs_as_a_non_root_user() -> None:
    stage = final_stage()
    users = [i for i in stage if i.keyword == "USER"]
    assert users, "the final stage sets USER"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0")
    entry = stage.index(only(stage, "ENTRYPOINT"))
    assert stage.index(users[-1]) < entry
    created = " ".join(i.arguments for i in stage if i.keyword == "RUN")
    assert re.search(rf"useradd\b[^&]*\b{re.escape(user)}\b", created), "the user is created"


def test_no_credentials_are_baked_into_the_image() -> None:
    for instruction in dockerfile():
        if instruction.keyword in ("ENV", "ARG", "LABEL"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction.arguments) or [
                instruction.arguments.split()[0]
            ]
            for name in names:
                assert not SECRET_NAME.search(name), instruction
                assert not name.startswith("ALIBABA_CLOUD_"), instruction
        if instruction.keyword in ("COPY", "ADD"):
            assert ".aliyun" not in instruction.arguments, instruction
            assert "credentials" not in instruction.arguments.lower(), instruction


def test_the_package_is_built_from_this_repository_without_a_pip_cache() -> None:
    project = pyproject()
    included = project["tool"]["hatch"]["build"]["targets"]["wheel"]["only-include"]
    needed = {"pyproject.toml", project["project"]["readme"]} | {p.split("/")[0] for p in included}
    parsed = dockerfile()
    copied = set()
    for instruction in parsed:
        if instruction.keyword == "COPY" and not instruction.arguments.startswith("--from"):
            copied |= {Path(s).as_posix().rstrip("/") for s in instruction.arguments.split()[:-1]}
    assert needed <= copied, needed - copied
    pips = [i.arguments for i in parsed if i.keyword == "RUN" and "pip " in i.arguments]
    assert any(re.search(r"pip (wheel|install)\b.* \.(\s|$)", p) for p in pips), pips
    for command in pips:
        for part in command.split("&&"):
            if re.search(r"pip (wheel|install)\b", part):
                assert "--no-cache-dir" in part, part
    # The runtime stage installs what the build stage made, so sources stay out of it.
    final = final_stage()
    assert any(i.keyword == "COPY" and i.arguments.startswith("--from=") for i in final)


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path (or a parent of it) decides."""
    ignored = False
    parts = path.split("/")
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").rstrip("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(fnmatch.fnmatch(p, body) for p in prefixes) or (
            body.startswith("**/") and any(fnmatch.fnmatch(p, body[3:]) for p in parts)
        ):
            ignored = not negated
    return ignored


def test_the_build_context_holds_the_package_and_nothing_private() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for needed in (
        "pyproject.toml",
        "README.md",
        "server/ecs_dr/cli.py",
        "skill/SKILL.md",
        "references/tools.md",
    ):
        assert not dockerignored(needed, patterns), needed
    assert not dockerignored("server/ecs_dr/sandbox/demo_world.json", patterns)
    for private in (".venv/bin/python", ".git/config", "tests/conftest.py", ".aliyun/config.json"):
        assert dockerignored(private, patterns), private
    assert dockerignored("server/ecs_dr/__pycache__/cli.cpython-312.pyc", patterns)
