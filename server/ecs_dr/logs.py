"""structlog set up once per process: JSON lines on stderr (stdout belongs to the stdio
transport), with a processor that redacts anything shaped like a credential.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values are never logged, whatever they hold.
_SECRET_KEYS = re.compile(r"(?i)(secret|password|token|authorization|signature|access_?key)")
# AccessKey ids have a recognisable shape even inside free text.
_ACCESS_KEY_ID = re.compile(r"\bLTAI[0-9A-Za-z]{8,30}\b")
REDACTED = "[redacted]"


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEYS.search(key) and key != "event":
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = _ACCESS_KEY_ID.sub(REDACTED, value)
    return event


def configure_logging(level: str = "INFO") -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
