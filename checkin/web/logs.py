"""Keeps ticket secrets out of the logs: the token in /t/<token> is replaced before logging."""
from __future__ import annotations

import logging
import re

from flask import Flask

_TICKET_PATH = re.compile(r"/t/[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return _TICKET_PATH.sub("/t/<redacted>", text)


class RedactTicketTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # gunicorn's access log passes its atoms as a dict
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def register(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTicketTokens) for f in logger.filters):
            logger.addFilter(RedactTicketTokens())
