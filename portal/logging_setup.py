"""Logging of a portal process: one handler, text or JSON lines, request ids, tracebacks
rate-limited (docs/operations.md, "Logs and request ids").

:func:`configure` is applied by ``create_app``. It puts one handler on the root
logger, writing to standard error (where gunicorn and systemd collect it):

* ``PORTAL_LOG_FORMAT``: ``text`` (one readable line per record) or ``json`` (one
  JSON object per line: ``time``, ``level``, ``logger``, ``message``,
  ``request_id``, and the access fields of a request line). Empty (the default):
  ``text``, except in an app made for tests, whose logging is the test runner's
  (pytest's ``caplog``).
* ``PORTAL_LOG_LEVEL``: the level of the portal's own loggers (``portal.*``,
  ``blocks.*``, the access log); other libraries log warnings and errors only
  (INFO on the root would have SQLAlchemy log every query).
* Every record made while a request is answered carries its request id
  (:data:`REQUEST_ID`, set by :mod:`portal.web.observe`), ``-`` outside one.
* The same exception site (where it was logged, the exception's type and where
  it was raised) logs its full traceback at most once per
  ``PORTAL_LOG_TRACEBACK_SECONDS``; the next ones are one line each, with a count.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask

from portal.text import first_line

#: The id of the request being answered in this context (None outside a request).
REQUEST_ID: ContextVar[str | None] = ContextVar("portal_request_id", default=None)
FORMATS = ("text", "json")
#: The loggers ``PORTAL_LOG_LEVEL`` applies to.
OWN_LOGGERS = ("portal", "blocks")
ACCESS_LOGGER = "portal.access"
#: Sites remembered by the traceback limiter; past this, the oldest are forgotten.
MAX_SITES = 1000
#: Fields of an access line (``extra={"access": {...}}``) copied into its JSON object.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "route", "user_id")

_handler: logging.Handler | None = None
_levels_before: dict[str, int] = {}


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was made in (``-`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class TracebackLimiter:
    """Whether a record's traceback is written in full: once per site and interval."""

    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self.seconds = float(seconds)
        self.clock = clock
        self._lock = threading.Lock()
        #: site -> [when its traceback was last written, records shortened since]
        self._sites: dict[tuple, list] = {}

    def check(self, record: logging.LogRecord) -> tuple[bool, int]:
        """(write the traceback?, records of that site shortened since the last one)."""
        key = site_of(record)
        now = self.clock()
        with self._lock:
            entry = self._sites.get(key)
            if entry is None or now - entry[0] >= self.seconds:
                shortened = entry[1] if entry is not None else 0
                if entry is None and len(self._sites) >= MAX_SITES:
                    self._sites.pop(next(iter(self._sites)))
                self._sites[key] = [now, 0]
                return True, shortened
            entry[1] += 1
            return False, entry[1]


def site_of(record: logging.LogRecord) -> tuple:
    """Where it was logged, the exception's type and the line that raised it."""
    exc_type, _exc, tb = record.exc_info
    raised = ("", 0)
    while tb is not None:
        raised = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return (record.pathname, record.lineno, getattr(exc_type, "__qualname__", ""), *raised)


class _Lines(logging.Formatter):
    """The shared part of both formats: the traceback, full or shortened."""

    def __init__(self, limiter: TracebackLimiter) -> None:
        super().__init__()
        self.limiter = limiter

    def error_text(self, record: logging.LogRecord) -> tuple[str | None, str | None]:
        """(full traceback, or one line instead of it); both None without an exception.

        ``record.exc_text`` is not used: another handler may have filled it.
        """
        if not record.exc_info or record.exc_info[0] is None:
            return None, None
        full, count = self.limiter.check(record)
        if full:
            text = self.formatException(record.exc_info)
            if count:
                text += (
                    f"\n({count} more of this error were logged without their traceback"
                    " since the last one)"
                )
            return text, None
        exc = record.exc_info[1]
        detail = first_line(exc) if exc is not None else ""
        name = type(exc).__name__
        return None, (f"{name}: {detail}" if detail else name) + (
            f" (traceback above; the same error {count} times since it,"
            f" its traceback at most once per {self.limiter.seconds:g} s)"
        )

    @staticmethod
    def when(record: logging.LogRecord) -> str:
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


class TextFormatter(_Lines):
    """``2026-12-01T13:05:00.123+00:00 ERROR portal.rendering [rid] message``."""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{self.when(record)} {record.levelname} {record.name}"
            f" [{getattr(record, 'request_id', '-')}] {record.getMessage()}"
        )
        full, short = self.error_text(record)
        if full:
            line += "\n" + full
        elif short:
            line += " | " + short
        return line


class JsonFormatter(_Lines):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.when(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            data.update((key, access[key]) for key in ACCESS_FIELDS if key in access)
        full, short = self.error_text(record)
        if full:
            data["exception"] = full
        elif short:
            data["error"] = short
        return json.dumps(data, ensure_ascii=False, default=str)


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (pytest replaces it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def log_format(app: Flask) -> str | None:
    """``text`` or ``json``; None to leave logging alone (an app made for tests)."""
    value = str(app.config.get("PORTAL_LOG_FORMAT") or "").strip().lower()
    if not value:
        return None if app.testing else "text"
    if value not in FORMATS:
        raise RuntimeError(
            f"Invalid value for PORTAL_LOG_FORMAT: {value!r}; expected one of {', '.join(FORMATS)}"
        )
    return value


def configure(app: Flask) -> None:
    """Apply the app's logging settings to the process (again for each app: the last wins)."""
    global _handler
    chosen = log_format(app)
    name = str(app.config.get("PORTAL_LOG_LEVEL") or "INFO").strip().upper()
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        raise RuntimeError(
            f"Invalid value for PORTAL_LOG_LEVEL: {name!r}; expected DEBUG, INFO, WARNING or ERROR"
        )
    if chosen is None:
        return
    limiter = TracebackLimiter(float(app.config.get("PORTAL_LOG_TRACEBACK_SECONDS", 60)))
    formatter = (JsonFormatter if chosen == "json" else TextFormatter)(limiter)
    root = logging.getLogger()
    if _handler is None:
        _handler = _StandardError()
        _handler.addFilter(RequestIdFilter())
    if _handler not in root.handlers:  # first time, or taken off by a logging.config call
        root.addHandler(_handler)
    _handler.setFormatter(formatter)
    # Flask's own handler on the app's logger ("portal") would write each record twice.
    from flask.logging import default_handler

    for logger_name in (*OWN_LOGGERS, ACCESS_LOGGER):
        logger = logging.getLogger(logger_name)
        _levels_before.setdefault(logger_name, logger.level)
        logger.setLevel(level)
        logger.removeHandler(default_handler)


def unconfigure() -> None:
    """Take the handler off and put the levels back (tests that configured logging)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler = None
    for logger_name, level in _levels_before.items():
        logging.getLogger(logger_name).setLevel(level)
    _levels_before.clear()
