"""structlog set up once per process: JSON lines on stderr (stdout belongs to the stdio
transport), with a processor that redacts credentials: values under secret-named keys,
anything shaped like an AccessKey id, and the credential values this process was configured
with, wherever they appear (nested values, exception text, the standard library's loggers).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from types import TracebackType
from typing import Any, TextIO

import structlog

# Keys whose values are never logged, whatever they hold.
_SECRET_KEYS = re.compile(r"(?i)(secret|password|token|authorization|signature|access_?key)")
# AccessKey ids have a recognisable shape even inside free text.
_ACCESS_KEY_ID = re.compile(r"\bLTAI[0-9A-Za-z]{8,30}\b")
REDACTED = "[redacted]"
# Shorter values are no real credential (an AccessKey secret has 30 characters), and
# replacing them wherever they occur would garble every line.
MIN_SECRET_LENGTH = 8


class _ConfiguredSecrets:
    """The credential values this process holds, as one pattern that finds any of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: frozenset[str] = frozenset()
        self.pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str | None]) -> None:
        fresh = {v for v in values if v and len(v) >= MIN_SECRET_LENGTH}
        with self._lock:
            if fresh <= self._values:
                return
            self._values |= fresh
            # Longest first: a value that contains another is replaced whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self.pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def clear(self) -> None:
        with self._lock:
            self._values = frozenset()
            self.pattern = None


_configured = _ConfiguredSecrets()


def register_secrets(*values: str | None) -> None:
    """Redact these credential values (a key id, a secret, an STS token, a bearer token)
    wherever they appear in a log line from now on. Empty and short values are ignored."""
    _configured.add(values)


def forget_secrets() -> None:
    """Drop every registered value (tests that register their own)."""
    _configured.clear()


def redact_text(text: str) -> str:
    """`text` with every registered credential value and AccessKey id replaced."""
    pattern = _configured.pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return _ACCESS_KEY_ID.sub(REDACTED, text)


def redact_value(value: Any) -> Any:
    """A log value with its credentials redacted, at any depth. Objects other than JSON's
    own types become their repr first, as the JSON renderer would show them."""
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _is_secret_key(key) else redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item) for item in value]
    return redact_text(repr(value))


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and key != "event" and bool(_SECRET_KEYS.search(key))


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor; it runs last before rendering, after exceptions are formatted."""
    for key, value in list(event.items()):
        event[key] = REDACTED if _is_secret_key(key) else redact_value(value)
    return event


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """JSON lines on `stream` (stderr by default) at `level` and above."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def route_stdlib_logging(level: str, stream: TextIO | None = None) -> None:
    """Send the standard library's loggers (mcp, uvicorn) and warnings through the same
    redacted JSON lines on stderr (or `stream`), so nothing but the protocol ever reaches
    stdout and nothing unredacted reaches stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)


def log_uncaught_exceptions() -> None:
    """A crash's traceback goes through the redacting log too, never raw onto stderr."""
    log = structlog.get_logger("ecs_dr")

    def crashed(
        kind: type[BaseException], exc: BaseException, traceback: TracebackType | None
    ) -> None:
        log.critical("server.crashed", exc_info=(kind, exc, traceback))

    def thread_crashed(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
            log.critical(
                "thread.crashed", thread=getattr(args.thread, "name", None), exc_info=exc_info
            )

    sys.excepthook = crashed
    threading.excepthook = thread_crashed
