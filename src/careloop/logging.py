"""Structured logs: one JSON object per line, for `careloop serve` and `careloop worker`.

Enabled with CARELOOP_LOG_FORMAT=json (otherwise the usual human format is kept). Each
line has time, level, logger and message, plus any `extra={...}` fields of the call and
the exception text when there is one, so a log shipper can index them without parsing.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Final

from careloop.core.settings import current_settings

LOG_FORMAT_ENV: Final = "CARELOOP_LOG_FORMAT"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            # The record's own creation time (log time, not business time: no clock needed).
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_logs_wanted(env: dict[str, str] | None = None) -> bool:
    """Whether CARELOOP_LOG_FORMAT (the setting `log_format`) asks for JSON; `env`: the
    environment of a process about to be started, else this process's settings."""
    if env is not None:
        return env.get(LOG_FORMAT_ENV, "").lower() == "json"
    return current_settings().log_format.lower() == "json"


def configure_logging(level: int = logging.INFO) -> bool:
    """Send every logger (uvicorn's too) through one JSON handler if asked; True if so."""
    if not json_logs_wanted():
        return False
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
    return True


def uvicorn_log_config() -> dict[str, Any] | None:
    """uvicorn's `log_config`: its default, or None (leave logging as configure_logging
    set it) when the logs are JSON."""
    from uvicorn.config import LOGGING_CONFIG

    return None if json_logs_wanted() else LOGGING_CONFIG
