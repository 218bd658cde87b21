"""The app's log lines, configured in one place (called by `create_app`, never at import).

LOG_FORMAT chooses the shape of each line written to standard error:

- "text" (default): `2026-11-26 08:00:00,123 WARNING helpdesk.outgoing.outbox [req-id] message`
- "keyvalue": `ts=... level=WARNING logger=helpdesk.outgoing.outbox request_id=... msg="..."`
- "json": one JSON object a line (`ts`, `level`, `logger`, `request_id`, `msg`, `exc`)
- "" or None: leave logging alone (a host that configures logging itself).

Every record carries `request_id` (see middleware.py; "-" outside a request), so the
lines of one request can be found across the proxy's, gunicorn's and the app's logs.
Only the `helpdesk` logger gets the handler; records still propagate to the root logger.
"""

import json
import logging
import sys
import time

from .middleware import current_request_id

LOGGER = "helpdesk"
FORMATS = ("text", "keyvalue", "json")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def _timestamp(record):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + \
        f".{int(record.msecs):03d}Z"


class KeyValueFormatter(logging.Formatter):
    def format(self, record):
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        return (f"ts={_timestamp(record)} level={record.levelname} logger={record.name}"
                f" request_id={record.request_id} msg={json.dumps(message)}")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {"ts": _timestamp(record), "level": record.levelname, "logger": record.name,
                "request_id": record.request_id, "msg": record.getMessage()}
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (test runners and servers swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def formatter_for(style):
    if style == "json":
        return JsonFormatter()
    if style == "keyvalue":
        return KeyValueFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure(app):
    """Install (or update) the one handler of the `helpdesk` logger; idempotent."""
    style = (app.config.get("LOG_FORMAT") or "").strip().lower()
    logger = logging.getLogger(LOGGER)
    ours = [h for h in logger.handlers if isinstance(h, _StderrHandler)]
    if not style:
        for handler in ours:
            logger.removeHandler(handler)
        return
    if style not in FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {style!r}")
    handler = ours[0] if ours else _StderrHandler()
    handler.setFormatter(formatter_for(style))
    if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
        handler.addFilter(RequestIdFilter())
    if not ours:
        logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL") or "INFO")
