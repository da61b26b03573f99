"""The SDKs' model packages, each name imported from its own file on first use.

`alibabacloud_ecs20140526.models` and `alibabacloud_vpc20160428.models` import every one of
their thousands of files (together about 0.4 s) although the gateway uses a few dozen names,
and a server answers `initialize` and `tools/list` before its first cloud call. Their
`__init__.py` is generated as one `from ._file import Name` line per name, so reading it tells
which file holds each name; `ecs` and `vpc` stand in for the packages (the SDK clients'
own `from ... import models` included) and import a file when one of its names is first read.
To the type checker they are the real packages.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

_GENERATED_IMPORT = re.compile(r"^from \.(\w+) import (\w+)$", re.MULTILINE)


class ModelsOnDemand(ModuleType):
    """A generated models package whose names load one file at a time."""

    def __init__(self, name: str, directory: Path) -> None:
        super().__init__(name)
        self.__path__ = [str(directory)]
        self.__package__ = name
        init = (directory / "__init__.py").read_text()
        self._files = {found[1]: found[0] for found in _GENERATED_IMPORT.findall(init)}

    def __getattr__(self, attribute: str) -> Any:
        file = self._files.get(attribute)
        if file is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}")
        value = getattr(importlib.import_module(f"{self.__name__}.{file}"), attribute)
        setattr(self, attribute, value)
        return value


def models_on_demand(name: str) -> ModuleType:
    """The package `name` loaded on demand, or as it is when something imported it already
    (or when its `__init__.py` is not the generated kind)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations or spec.origin is None:
        return importlib.import_module(name)
    module = ModelsOnDemand(name, Path(spec.origin).parent)
    if not module._files:
        return importlib.import_module(name)
    parent, _, child = name.rpartition(".")
    sys.modules[name] = module
    setattr(sys.modules[parent], child, module)
    return module


if TYPE_CHECKING:
    from alibabacloud_ecs20140526 import models as ecs
    from alibabacloud_vpc20160428 import models as vpc
else:
    ecs = models_on_demand("alibabacloud_ecs20140526.models")
    vpc = models_on_demand("alibabacloud_vpc20160428.models")

__all__ = ["ModelsOnDemand", "ecs", "models_on_demand", "vpc"]
