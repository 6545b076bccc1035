"""Logs as one JSON object per line (``server.log_format: json``), for log shippers.

Every record becomes ``{"time", "level", "logger", "message", ...}``, plus the request fields a
record carries (``trace_id``, ``span_id``, ``operation``, ``method``, ``path``, ``status``,
``duration_ms``, ``bytes``, ``client``: the access log sets them) and ``exception`` with the
traceback when there is one. The message is the same text the plain format shows, so what it
never writes (credentials in query strings: the access log redacts them) JSON never writes
either.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

import orjson

__all__ = ["REQUEST_FIELDS", "JsonFormatter", "log_config", "text_formatter"]

REQUEST_FIELDS = (
    "trace_id", "span_id", "operation", "method", "path", "status", "duration_ms", "bytes", "client",
)
"""Attributes of a record (``extra=``) copied into its JSON object when present."""

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON (UTC time with milliseconds, ISO 8601)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = record.__dict__
        for name in REQUEST_FIELDS:
            value = fields.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()


def _utc(created: float) -> str:
    seconds = int(created)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((created - seconds) * 1000):03d}Z"


def text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT)


def log_config(log_format: LogFormat, level: str) -> dict[str, Any] | None:
    """uvicorn's ``log_config`` for ``log_format`` (None: uvicorn's own, for text).

    With ``json`` uvicorn's loggers (startup, shutdown, server errors) write JSON too, so the
    whole of the output is one object per line.
    """
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
