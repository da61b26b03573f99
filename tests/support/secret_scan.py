"""The scan of every MCP session for credentials: when a session ends, its server's log and
every tool result, error and progress message its client received are scanned for the
credentials it was started with (`SECRET_SCAN`); a credential that shows anywhere fails the
test. The totals are the suite's closing "secret scan" section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.support import figures


@dataclass
class Transcript:
    """What a server told its client: tool results and errors, and progress messages."""

    results: list[tuple[str, str]] = field(default_factory=list)
    progress: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SecretScan:
    """Everything the scan looked at in this test session, and how many credentials it found."""

    servers: int = 0
    log_bytes: int = 0
    log_lines: int = 0
    results: int = 0
    progress_messages: int = 0
    result_bytes: int = 0
    found: int = 0

    def check(self, secrets: Mapping[str, str], log_path: Path, transcript: Transcript) -> None:
        """Raise naming where each credential showed (never the credential itself)."""
        found: list[str] = []
        log = log_path.read_bytes() if log_path.exists() else b""
        self.servers += 1
        self.log_bytes += len(log)
        for number, line in enumerate(log.splitlines(), 1):
            self.log_lines += 1
            found += [f"{log_path.name} line {number}: {kind}" for kind in _holding(secrets, line)]
        for index, (tool, text) in enumerate(transcript.results, 1):
            self.results += 1
            self.result_bytes += len(text.encode())
            where = f"tool result {index} ({tool})"
            found += [f"{where}: {kind}" for kind in _holding(secrets, text.encode())]
        for index, (tool, message) in enumerate(transcript.progress, 1):
            self.progress_messages += 1
            self.result_bytes += len(message.encode())
            where = f"progress message {index} ({tool})"
            found += [f"{where}: {kind}" for kind in _holding(secrets, message.encode())]
        self.found += len(found)
        if found:
            raise AssertionError("credentials leaked: " + "; ".join(found))


SECRET_SCAN = SecretScan()
SCAN_FIGURES = "secret_scan"
figures.source(SCAN_FIGURES, lambda: [asdict(SECRET_SCAN)])


def scan_summary(scans: Sequence[Mapping[str, int]]) -> list[str]:
    """The scan's totals over every process that ran servers; nothing when none did."""
    total = {name: sum(scan[name] for scan in scans) for name in SecretScan.__dataclass_fields__}
    if not total["servers"]:
        return []
    return [
        f"secret scan: {total['servers']} servers, {total['log_bytes']} log bytes in "
        f"{total['log_lines']} lines, {total['results']} tool results and "
        f"{total['progress_messages']} progress messages ({total['result_bytes']} bytes): "
        f"{total['found']} credentials found"
    ]


def _holding(secrets: Mapping[str, str], data: bytes) -> list[str]:
    return [kind for kind, value in secrets.items() if value.encode() in data]
