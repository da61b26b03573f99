"""The base of every sandbox error, and the factories the code tables are written with."""

from __future__ import annotations

from typing import ClassVar


class EcsError(Exception):
    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "The request processing has failed due to some unknown error."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        self.http_status = status or type(self).status
        super().__init__(self.message)


class DynamicError(EcsError):
    """An error whose code and status are chosen at run time (fault injection)."""

    def __init__(self, code: str, status: int, message: str | None = None) -> None:
        super().__init__(message or f"Injected fault: {code}.", status=status)
        self.dynamic_code = code


def error_code(err: EcsError) -> str:
    return err.dynamic_code if isinstance(err, DynamicError) else err.code


def error_status(err: EcsError) -> int:
    return err.http_status


def define(name: str, code: str, status: int, message: str = "") -> type[EcsError]:
    """The class of one ECS code whose message is fixed, or given where it is raised."""
    return type(name, (EcsError,), {"code": code, "status": status, "default_message": message})


def not_found(code: str, noun: str) -> type[EcsError]:
    """The class of one `<Param>.NotFound` code; its message names the missing value."""

    class NotFoundError(EcsError):
        def __init__(self, value: str) -> None:
            super().__init__(f"The specified {noun} ({value}) does not exist.")

    NotFoundError.code = code
    NotFoundError.status = 404
    NotFoundError.__name__ = NotFoundError.__qualname__ = code.replace(".", "")
    return NotFoundError
