"""JSON log lines on standard error, each carrying the request id of the request it belongs to.

LOG_FORMAT chooses `json` (default) or `text`; LOG_LEVEL the level (INFO). The handler is
installed once per process on the root logger, so gunicorn workers, `flask` commands and RQ
workers all write the same shape. The test configuration installs none (pytest captures logs).
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

from finplatform.observability.requests import current_request_id

_MARK = "_finplatform_handler"
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the current request's id; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def json_formatter() -> logging.Formatter:
    """The platform's JSON formatter: time (UTC, ISO 8601), level, logger, message, extras."""
    formatter = JsonFormatter(
        FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    formatter.converter = time.gmtime
    return formatter


def install_handler(log_format: str, level: str) -> logging.Handler | None:
    """Install the platform's handler on the root logger once; returns it (None if present)."""
    root = logging.getLogger()
    if any(getattr(handler, _MARK, False) for handler in root.handlers):
        return None
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(RequestIdFilter())
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def register(app: Flask) -> None:
    """Install the process's log handler as the configuration says (none when LOG_FORMAT is
    empty, as in the test configuration)."""
    log_format = app.config.get("LOG_FORMAT")
    if log_format:
        install_handler(log_format, app.config.get("LOG_LEVEL", "INFO"))
